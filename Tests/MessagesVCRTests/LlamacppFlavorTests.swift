import Foundation
@testable import MessagesVCR
import Testing

/// llama.cpp's `llama-server` as the third flavour: recognized in a cassette, replayed as itself,
/// as Ollama and as the API, and answering as llama.cpp does where no recording answers.
@Suite("llama.cpp flavour")
struct LlamacppFlavorTests {
    static let asLlama = [("x-vcr-flavor", "llamacpp")]
    static func frame(_ event: String, _ data: String) -> String { FlavorTests.frame(event, data) }
    static func frames(_ bytes: [UInt8]) -> [SSEFrame] { FlavorTests.frames(bytes) }

    @Test("a llama.cpp stream: list names the server, check --flavor llamacpp is clean; replayed as Ollama it speaks Ollama's grammar, as llamacpp it keeps its bytes")
    func llamacppStreamAsOllama() async throws {
        let dir = try temporaryDirectory()
        let body = TestClient.messagesBody(text: "weather in Paris", stream: true)
        try await recordSession(directory: dir, fake: FakeOllama { _ in LlamacppBytes.streamReply(delayMillis: 3) }) { port in
            _ = try await TestClient.send(port: port, body: body)
        }
        let all = try await CassetteTool.open(directory: dir, cassette: "test").all()
        #expect(CassetteTool.listJSON(all)[0]?["server"] == "llamacpp")
        #expect(CassetteTool.check(all).problems == [], "linted against its own server by default")
        #expect(CassetteTool.check(all, flavor: .llamacpp).problems == [])
        let asOllama = CassetteTool.check(all, flavor: .ollama).problems
        #expect(asOllama.contains { $0.contains("lint: message id \(LlamacppBytes.messageID) is not Ollama's msg_ + 24 hex") })
        #expect(asOllama.contains { $0.contains("lint: message_start carries stop_reason (Ollama omits it)") })
        #expect(asOllama.contains { $0.contains("lint: tool id \(LlamacppBytes.toolID) is llama.cpp's format, Ollama sends call_…") })
        let asAPI = CassetteTool.check(all, flavor: .anthropic).problems
        #expect(asAPI.contains { $0.contains("no ping (the Anthropic API sends one") })

        let callID = ToolIDShape.canonical(LlamacppBytes.toolID)
        #expect(callID.hasPrefix("call_") && callID.count == 13)
        let expected = [
            Self.frame("message_start", #"{"type":"message_start","message":{"id":"\#(AnthropicIDs.ollamaMessageID(from: LlamacppBytes.messageID))","type":"message","role":"assistant","model":"qwen3-coder","content":[],"usage":{"input_tokens":31,"output_tokens":0}}}"#),
            Self.frame("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            Self.frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"1 \u003c2\u003e \u0026 3"}}"#),
            // Ollama closes a block before the next starts; llama.cpp closes them all at the end.
            Self.frame("content_block_stop", #"{"type":"content_block_stop","index":0}"#)
                + Self.frame("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"\#(callID)","name":"get_weather","input":{}}}"#),
            "",
            Self.frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":\"Paris\"}"}}"#),
            "",
            Self.frame("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
            Self.frame("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"input_tokens":31,"output_tokens":12}}"#),
            Self.frame("message_stop", #"{"type":"message_stop"}"#),
        ]
        try await replaySession(directory: dir) { port, server in
            let ollama = try await TestClient.send(port: port, body: body)
            #expect(ollama.text == expected.joined())
            #expect(try await replayedChunks(server, as: .ollama) == expected.filter { !$0.isEmpty }, "a dropped fragment or stop sends no chunk")
            #expect(ollama.header("server") == nil && ollama.header("x-accel-buffering") == nil && ollama.header("content-type") == "text/event-stream")
            #expect(StreamGrammar.check(Self.frames(ollama.body), flavor: .ollama) == [])

            let llama = try await TestClient.send(port: port, headers: Self.asLlama, body: body)
            #expect(llama.text == LlamacppBytes.toolStreamFrames.joined(), "as the server that produced it: the recorded bytes")
            #expect(llama.header("server") == "llama.cpp" && llama.header("x-accel-buffering") == "no")

            let api = try await TestClient.send(port: port, headers: FlavorTests.asAPI, body: body)
            #expect(api.status == 200 && StreamGrammar.check(Self.frames(api.body), flavor: .anthropic) == [], "\(api.text)")
            #expect(api.header("server") == nil && api.header("request-id") != nil)
        }
    }

    @Test("an Ollama recording replayed as llamacpp: chatcmpl- and 32-character ids, llama.cpp's usage keys and stop fields, no HTML escapes, Server: llama.cpp")
    func ollamaAsLlamacpp() async throws {
        let dir = try temporaryDirectory()
        let input = #"{"file_path":"/tmp/a&b.txt"}"#
        let recorded = OllamaBytes.toolStreamFrames(toolID: "call_0lb7x2k9", text: "Reading \\u003cit\\u003e.", name: "Read", input: input)
        let body = TestClient.messagesBody(text: "read it", stream: true)
        let plain = TestClient.messagesBody(text: "hello")
        try await recordSession(directory: dir, fake: FakeOllama { request in
            request.body.contains(Array("read it".utf8)) ? OllamaBytes.reply(frames: recorded) : OllamaBytes.messageReply(text: "Hi \\u0026 bye")
        }) { port in
            _ = try await TestClient.send(port: port, body: body)
            _ = try await TestClient.send(port: port, body: plain)
        }
        let messageID = IDShape.llamacppMessage.derived(from: OllamaBytes.messageID)
        let toolID = ToolIDShape.llamacpp.id(fromCall: "call_0lb7x2k9")
        #expect(IDShape.llamacppMessage.fits(messageID) && ToolIDShape.llamacpp.claims(toolID))
        #expect(ToolIDShape.canonical(toolID) == "call_0lb7x2k9", "the call id comes back out: a tool_result naming it matches")
        let expected = [
            Self.frame("message_start", #"{"type":"message_start","message":{"id":"\#(messageID)","type":"message","role":"assistant","content":[],"model":"qwen3-coder","stop_reason":null,"stop_sequence":null,"usage":{"cache_read_input_tokens":0,"input_tokens":40,"output_tokens":0}}}"#),
            recorded[1],
            Self.frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Reading <it>."}}"#),
            recorded[3],
            Self.frame("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"\#(toolID)","name":"Read"}}"#),
            recorded[5].replacingOccurrences(of: "\\u0026", with: "&"),
            recorded[6],
            Self.frame("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":25}}"#),
            recorded[8],
        ]
        try await replaySession(directory: dir, configure: { $0.flavor = .llamacpp }) { port, _ in
            let llama = try await TestClient.send(port: port, body: body)
            #expect(llama.text == expected.joined())
            #expect(llama.header("server") == "llama.cpp" && llama.header("access-control-allow-origin") == "" && llama.header("x-accel-buffering") == "no")
            #expect(StreamGrammar.check(Self.frames(llama.body), flavor: .llamacpp) == [])

            let message = try await TestClient.send(port: port, body: plain)
            let shaped = #"{"id":"\#(messageID)","type":"message","role":"assistant","content":[{"type":"text","text":"Hi & bye"}],"model":"qwen3-coder","stop_reason":"end_turn","stop_sequence":null,"usage":{"cache_read_input_tokens":0,"input_tokens":14,"output_tokens":10}}"#
            #expect(message.text == shaped)
            #expect(message.header("content-type") == "application/json; charset=utf-8")
            #expect(StreamGrammar.checkMessage(message.body, flavor: .llamacpp) == [])
        }
    }

    @Test("as llamacpp without a recording: 'messages' is required (500), /health, count_tokens estimated, the model list, File Not Found, a status fault in llama.cpp's shape, a miss still Anthropic-shaped")
    func llamacppEmulation() async throws {
        let dir = try temporaryDirectory()
        try await recordSession(directory: dir, fake: FakeOllama { _ in LlamacppBytes.messageReply() }) { port in
            _ = try await TestClient.send(port: port, body: TestClient.messagesBody())
        }
        try await replaySession(directory: dir, configure: { $0.flavor = .llamacpp }) { port, _ in
            let missing = try await TestClient.send(port: port, body: #"{"model":"qwen3-coder","max_tokens":16}"#)
            #expect(missing.status == 500 && missing.text == #"{"error":{"code":500,"message":"'messages' is required","type":"server_error"}}"#)
            #expect(missing.header("content-type") == "application/json; charset=utf-8" && missing.header("server") == "llama.cpp")

            let health = try await TestClient.send(port: port, method: .GET, path: "/health")
            #expect(health.status == 200 && health.text == #"{"status":"ok"}"#)

            let counted = try await TestClient.send(port: port, path: "/v1/messages/count_tokens", body: #"{"messages":[{"role":"user","content":"How many tokens is this?"}]}"#)
            #expect(counted.status == 200 && counted.text == #"{"input_tokens":7}"#, "\(counted.text)")
            #expect(counted.header("x-vcr-compat") == "count_tokens estimated")

            let models = try await TestClient.send(port: port, method: .GET, path: "/v1/models")
            let list = try JSONParser.parse(models.body)
            #expect(list["models"]?[0]?["name"] == "qwen3-coder" && list["object"] == "list")
            #expect(list["data"]?[0]?["id"] == "qwen3-coder" && list["data"]?[0]?["owned_by"] == "llamacpp")

            let unknown = try await TestClient.send(port: port, method: .GET, path: "/api/tags")
            #expect(unknown.status == 404 && unknown.text == #"{"error":{"message":"File Not Found","type":"not_found_error","code":404}}"#)

            let fault = try await TestClient.send(port: port, headers: [("x-vcr-fault", "status=503")], body: TestClient.messagesBody())
            #expect(fault.status == 503 && fault.text == #"{"error":{"code":503,"message":"messages-vcr: injected fault status=503","type":"unavailable_error"}}"#)

            let miss = try await TestClient.send(port: port, body: TestClient.messagesBody(text: "never recorded"))
            #expect(miss.header("x-vcr-miss") == "1" && miss.text.hasPrefix(#"{"type":"error","error":{"type":"#) && miss.header("server") == "llama.cpp")

            let hit = try await TestClient.send(port: port, body: TestClient.messagesBody())
            #expect(hit.status == 200 && hit.text == LlamacppBytes.messageBody)
        }
    }

    @Test("flavours are one table: every name parses, each has its own message and tool id shapes, and producer(of:) tells them apart by their headers")
    func flavourTable() throws {
        #expect(Flavor.all.map(\.name).sorted() == ["anthropic", "llamacpp", "ollama"])
        for flavor in Flavor.all { #expect(try Flavor(parsing: flavor.name.uppercased()) == flavor) }
        let ids = Flavor.all.map { $0.ids.message.derived(from: "msg_x") }
        for (flavor, id) in zip(Flavor.all, ids) {
            #expect(flavor.ids.message.fits(id))
            #expect(Flavor.all.filter { $0.ids.message.fits(id) } == [flavor], "\(id) fits only \(flavor)'s shape")
        }
        let response = { (headers: [(String, String)]) in
            RecordedResponse(status: 200, headers: HeaderList(pairs: headers), body: [], chunks: [], frames: [], ttfbNanos: 0, durationNanos: 0, outcome: .complete)
        }
        #expect(Flavor.producer(of: response([("Server", "llama.cpp")])) == .llamacpp)
        #expect(Flavor.producer(of: response([("request-id", "req_1")])) == .anthropic)
        #expect(Flavor.producer(of: response([("Content-Type", "text/event-stream")])) == .ollama)
    }
}
