import Foundation
@testable import MessagesVCR
import Testing

/// `--flavor` / `x-vcr-flavor`: one cassette replayed as Ollama or as the real Anthropic API.
@Suite("Flavours")
struct FlavorTests {
    static let apiHeaders = [("x-api-key", "sk-test"), ("anthropic-version", "2023-06-01")]
    static let asAPI = apiHeaders + [("x-vcr-flavor", "anthropic")]

    static func frame(_ event: String, _ data: String) -> String { "event: \(event)\ndata: \(data)\n\n" }

    /// The frames of `bytes` (a whole SSE body).
    static func frames(_ bytes: [UInt8]) -> [SSEFrame] {
        var parser = SSEFrameParser()
        return parser.consume(bytes, offsetNanos: 0)
    }

    @Test("an Ollama tool stream replays as the API streams it, exact bytes in the recorded chunks; as Ollama it is unchanged")
    func ollamaStreamAsAPI() async throws {
        let dir = try temporaryDirectory()
        let input = #"{"file_path":"/tmp/project/notes-and-more.txt"}"#
        let recorded = OllamaBytes.toolStreamFrames(toolID: "call_0lb7x2k9", text: "Reading it.", name: "Read", input: input)
        let body = TestClient.messagesBody(text: "read notes", stream: true)
        try await recordSession(directory: dir, fake: FakeOllama { _ in OllamaBytes.reply(frames: recorded, delayMillis: 5) }) { port in
            _ = try await TestClient.send(port: port, body: body)
        }
        let messageID = AnthropicIDs.anthropicMessageID(from: OllamaBytes.messageID)
        let toolID = AnthropicIDs.toolUseID(fromCall: "call_0lb7x2k9")
        #expect(messageID.hasPrefix("msg_01") && messageID.count == 28)
        #expect(toolID.hasPrefix("toolu_01ALb7x2k9") && toolID.count == 30)
        let delta = { (json: String) in
            Self.frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\#(json)"}}"#)
        }
        let expected = [
            Self.frame("message_start", #"{"type":"message_start","message":{"id":"\#(messageID)","type":"message","role":"assistant","model":"qwen3-coder","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":40,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0,"service_tier":"standard"}}}"#),
            recorded[1] + "event: ping\ndata: {\"type\": \"ping\"}\n\n",
            recorded[2], recorded[3],
            Self.frame("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"\#(toolID)","name":"Read","input":{}}}"#),
            delta("") + delta(#"{\"file_path\":\"/t"#) + delta("mp/project/notes") + delta(#"-and-more.txt\"}"#),
            recorded[6],
            Self.frame("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":182,"output_tokens":25}}"#),
            recorded[8],
        ]
        try await replaySession(directory: dir) { port, server in
            let api = try await TestClient.send(port: port, headers: Self.asAPI, body: body)
            #expect(api.status == 200)
            #expect(api.header("content-type") == "text/event-stream; charset=utf-8")
            #expect(api.text == expected.joined())
            #expect(try await replayedChunks(server, as: .anthropic) == expected, "one chunk per recorded chunk, inserted events with their neighbours")
            #expect(StreamGrammar.check(Self.frames(api.body), flavor: .anthropic) == [])
            let requestID = try #require(api.header("request-id"))
            #expect(requestID.hasPrefix("req_011C") && requestID.count == 28)

            let again = try await TestClient.send(port: port, headers: Self.asAPI + [("x-vcr-session", "again")], body: body)
            #expect(again.text == api.text, "ids are derived, not random: the same bytes every run")

            let ollama = try await TestClient.send(port: port, body: body)
            #expect(ollama.text == recorded.joined())
            #expect(ollama.header("content-type") == "text/event-stream")
            #expect(ollama.header("request-id") == nil)
        }
    }

    @Test("tool ids cross turns: toolu_ ids sent back match a recording made with call_ ids, and call_ ids one made with toolu_ ids")
    func toolIDsAcrossTurns() async throws {
        @Sendable func secondTurn(_ id: String) -> String {
            let question = #"{"role":"user","content":"weather?"}"#
            return #"{"model":"qwen3-coder","max_tokens":1024,"messages":[\#(question),{"role":"assistant","content":[{"type":"tool_use","id":"\#(id)","name":"get_weather","input":{"location":"Paris"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"\#(id)","content":"65 degrees"}]}]}"#
        }
        let first = #"{"model":"qwen3-coder","max_tokens":1024,"messages":[{"role":"user","content":"weather?"}]}"#

        // Recorded from Ollama (call_ ids), replayed as the API.
        let ollamaDir = try temporaryDirectory()
        let ollama = FakeOllama { request in
            String(decoding: request.body, as: UTF8.self).contains("tool_result")
                ? OllamaBytes.messageReply(text: "It is 65 degrees.")
                : FakeReply(status: 200, headers: [("Content-Type", "application/json")], parts: [.bytes(Array(OllamaBytes.toolUseBody(
                    id: OllamaBytes.messageID(1), toolID: "call_7x2kq9m4", name: "get_weather", input: #"{"location":"Paris"}"#).utf8))], fixedLength: true)
        }
        try await recordSession(directory: ollamaDir, fake: ollama) { port in
            _ = try await TestClient.send(port: port, body: first)
            _ = try await TestClient.send(port: port, body: secondTurn("call_7x2kq9m4"))
        }
        try await replaySession(directory: ollamaDir, configure: { $0.flavor = .anthropic }) { port, _ in
            let turn1 = try await TestClient.send(port: port, headers: Self.apiHeaders, body: first)
            let toolID = try #require(try JSONParser.parse(turn1.body)["content"]?[0]?["id"]?.stringValue)
            #expect(toolID == AnthropicIDs.toolUseID(fromCall: "call_7x2kq9m4") && toolID.hasPrefix("toolu_01"))
            #expect(!turn1.text.hasSuffix("\n"), "the API's bodies end without a newline")
            let turn2 = try await TestClient.send(port: port, headers: Self.apiHeaders, body: secondTurn(toolID))
            #expect(turn2.status == 200 && turn2.text.contains("It is 65 degrees."), "\(turn2.text)")
            let unknown = try await TestClient.send(port: port, headers: Self.apiHeaders, body: secondTurn("toolu_01ALb7x2k9aaaaaaaaaaaaaa"))
            #expect(unknown.status == 404, "an id the replay never minted is not taken for one")
        }

        // Recorded from the API (toolu_ ids), replayed as Ollama: exact bytes, and the next turn matches.
        let apiDir = try temporaryDirectory()
        let api = FakeOllama { request in
            String(decoding: request.body, as: UTF8.self).contains("tool_result")
                ? APIBytes.messageReply(#"{"model":"claude-haiku-4-5-20251001","id":"msg_01XcCdJYYFQFcDfvVSF7eJ8M","type":"message","role":"assistant","content":[{"type":"text","text":"It is 65 degrees."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":700,"output_tokens":9}}"#)
                : APIBytes.messageReply()
        }
        try await recordSession(directory: apiDir, fake: api) { port in
            _ = try await TestClient.send(port: port, headers: Self.apiHeaders, body: first)
            _ = try await TestClient.send(port: port, headers: Self.apiHeaders, body: secondTurn("toolu_01A9HHF5Ezy3oBrKmSgfASm9"))
        }
        try await replaySession(directory: apiDir) { port, _ in
            let turn1 = try await TestClient.send(port: port, body: first)
            let callID = AnthropicIDs.callID(fromToolUse: "toolu_01A9HHF5Ezy3oBrKmSgfASm9")
            #expect(callID.count == 13 && callID.hasPrefix("call_") && callID.dropFirst(5).allSatisfy { $0.isLowercase || $0.isNumber })
            let messageID = AnthropicIDs.ollamaMessageID(from: "msg_01RMQBcKf2dxTq6qfi31BBTz")
            #expect(turn1.text == #"{"id":"\#(messageID)","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[{"type":"tool_use","id":"\#(callID)","name":"get_weather","input":{"location":"San Francisco, CA","units":"f"}}],"stop_reason":"tool_use","usage":{"input_tokens":656,"output_tokens":74}}"# + "\n")
            #expect(turn1.header("content-type") == "application/json")
            #expect(turn1.header("request-id") == nil)
            let turn2 = try await TestClient.send(port: port, body: secondTurn(callID))
            #expect(turn2.status == 200 && turn2.text.contains("It is 65 degrees."), "\(turn2.text)")

            let asAPI = try await TestClient.send(port: port, headers: Self.asAPI, body: first)
            #expect(asAPI.text == APIBytes.toolMessageBody, "an API recording replays as the API byte for byte")
            #expect(asAPI.header("request-id") == "req_011CYHyk9NPsBYeGbC9LuDNK")
        }
    }

    @Test("a stream recorded from the API replays as Ollama: no ping, call_ ids, no stop_sequence, tool input whole, no padding")
    func apiStreamAsOllama() async throws {
        let dir = try temporaryDirectory()
        let body = TestClient.messagesBody(text: "weather in Paris", stream: true)
        try await recordSession(directory: dir, fake: FakeOllama { _ in APIBytes.streamReply(delayMillis: 3) }) { port in
            _ = try await TestClient.send(port: port, headers: Self.apiHeaders, body: body)
        }
        let store = try CassetteTool.open(directory: dir, cassette: "test")
        let all = try await store.all()
        #expect(CassetteTool.listJSON(all)[0]?["server"] == "anthropic")
        #expect(CassetteTool.check(all).problems == [], "linted against its own server by default")
        let asOllama = CassetteTool.check(all, flavor: .ollama).problems
        #expect(asOllama.contains { $0.contains("lint: ping event (Ollama never sends ping)") })
        #expect(asOllama.contains { $0.contains("lint: message_delta carries stop_sequence (Ollama omits it)") })
        #expect(asOllama.contains { $0.contains("lint: tool id toolu_01NRLabsLyVHZPKxbKvkfSMn is the Anthropic API's format") })

        let callID = AnthropicIDs.callID(fromToolUse: APIBytes.toolID)
        let expected = [
            Self.frame("message_start", #"{"type":"message_start","message":{"id":"\#(AnthropicIDs.ollamaMessageID(from: APIBytes.messageID))","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"usage":{"input_tokens":135,"output_tokens":0}}}"#),
            Self.frame("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            Self.frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me check."}}"#),
            Self.frame("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            Self.frame("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"\#(callID)","name":"get_weather","input":{}}}"#),
            Self.frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":\"Paris\"}"}}"#),
            Self.frame("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
            Self.frame("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"input_tokens":135,"output_tokens":65}}"#),
            Self.frame("message_stop", #"{"type":"message_stop"}"#),
        ]
        try await replaySession(directory: dir) { port, _ in
            let ollama = try await TestClient.send(port: port, body: body)
            #expect(ollama.text == expected.joined())
            #expect(ollama.header("content-type") == "text/event-stream")
            #expect(ollama.header("request-id") == nil && ollama.header("anthropic-organization-id") == nil)
            #expect(StreamGrammar.check(Self.frames(ollama.body), flavor: .ollama) == [])
            let api = try await TestClient.send(port: port, headers: Self.asAPI, body: body)
            #expect(api.text == APIBytes.toolStreamFrames.joined(), "as the API it produced: the recorded bytes")
        }
    }

    @Test("as the API: request-id on every answer and in error bodies, the key and anthropic-version checked, a bad flavour named")
    func headersAndValidation() async throws {
        let dir = try temporaryDirectory()
        let body = TestClient.messagesBody()
        try await recordSession(directory: dir, fake: FakeOllama()) { port in _ = try await TestClient.send(port: port, body: body) }
        try await replaySession(directory: dir, configure: { $0.flavor = .anthropic }) { port, _ in
            let noKey = try await TestClient.send(port: port, headers: [("anthropic-version", "2023-06-01")], body: body)
            #expect(noKey.status == 401)
            let id = try #require(noKey.header("request-id"))
            #expect(noKey.text == #"{"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"},"request_id":"\#(id)"}"#)
            #expect(noKey.header("x-should-retry") == "false" && noKey.header("content-type") == "application/json")

            let noVersion = try await TestClient.send(port: port, headers: [("authorization", "Bearer sk-test")], body: body)
            #expect(noVersion.status == 400)
            #expect(noVersion.text.hasPrefix(#"{"type":"error","error":{"type":"invalid_request_error","message":"anthropic-version: header is required"},"request_id":"req_011C"#))

            // The current Python SDK sends the key as a bearer token and a newer version date.
            let bearer = try await TestClient.send(port: port, headers: [("authorization", "Bearer sk-test"), ("anthropic-version", "2026-10-21")], body: body)
            #expect(bearer.status == 200 && bearer.header("request-id")?.hasPrefix("req_011C") == true)

            let miss = try await TestClient.send(port: port, headers: Self.apiHeaders, body: TestClient.messagesBody(text: "other"))
            #expect(miss.status == 404 && miss.header("x-vcr-miss") == "1")
            let missID = try #require(miss.header("request-id"))
            #expect(miss.text.hasSuffix(#""request_id":"\#(missID)"}"#))

            let invalid = try await TestClient.send(port: port, headers: Self.apiHeaders, body: #"{"model":"qwen3-coder","messages":[]}"#)
            #expect(invalid.status == 400 && invalid.text.contains("max_tokens is required and must be positive"))
            #expect(invalid.text.hasSuffix(#""request_id":"\#(invalid.header("request-id") ?? "?")"}"#))

            let ollama = try await TestClient.send(port: port, headers: [("x-vcr-flavor", "ollama")], body: body)
            #expect(ollama.status == 200 && ollama.header("request-id") == nil, "x-vcr-flavor picks Ollama for one request; no key needed")

            let bad = try await TestClient.send(port: port, headers: [("x-vcr-flavor", "openai")], body: body)
            #expect(bad.status == 400 && bad.text.contains("x-vcr-flavor: invalid flavor \\\"openai\\\": use anthropic, llamacpp, ollama"), "\(bad.text)")

            let journal = try await TestClient.send(port: port, method: .GET, path: "/__vcr/journal?limit=8")
            #expect(journal.text.contains(#""result":"emulated","status":401"#) || journal.text.contains(#""status":401"#))
            #expect(journal.text.contains(#""flavor":"anthropic""#))
        }
    }

    @Test("as the API: count_tokens answers a recording or an estimate and says which; GET /v1/models lists the cassette's models; as Ollama count_tokens is gin's 404")
    func countTokensAndModels() async throws {
        let dir = try temporaryDirectory()
        let counted = #"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hello there"}]}"#
        let api = FakeOllama { request in
            request.path == "/v1/messages/count_tokens"
                ? FakeReply(status: 200, headers: [("content-type", "application/json"), ("request-id", "req_011CAAAAAAAAAAAAAAAAAAAA")],
                            parts: [.bytes(Array(#"{"input_tokens":11}"#.utf8))], fixedLength: true)
                : APIBytes.messageReply()
        }
        try await recordSession(directory: dir, fake: api) { port in
            _ = try await TestClient.send(port: port, path: "/v1/messages/count_tokens", headers: Self.apiHeaders, body: counted)
            _ = try await TestClient.send(port: port, headers: Self.apiHeaders, body: TestClient.messagesBody())
        }
        try await replaySession(directory: dir, configure: { $0.flavor = .anthropic }) { port, _ in
            let recorded = try await TestClient.send(port: port, path: "/v1/messages/count_tokens", headers: Self.apiHeaders, body: counted)
            #expect(recorded.status == 200 && recorded.text == #"{"input_tokens":11}"#)
            #expect(recorded.header("x-vcr-compat") == "count_tokens recorded")

            let other = #"{"model":"qwen3-coder","system":"Be brief.","messages":[{"role":"user","content":"How many tokens is this?"}]}"#
            let estimated = try await TestClient.send(port: port, path: "/v1/messages/count_tokens", headers: Self.apiHeaders, body: other)
            // (9 + 4 + 24) bytes of system, role and text over 4.
            #expect(estimated.status == 200 && estimated.text == #"{"input_tokens":9}"#, "\(estimated.text)")
            #expect(estimated.header("x-vcr-compat") == "count_tokens estimated" && estimated.header("request-id") != nil)

            let models = try await TestClient.send(port: port, method: .GET, path: "/v1/models", headers: Self.apiHeaders)
            let list = try JSONParser.parse(models.body)
            #expect(list["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }.sorted() == ["claude-sonnet-4-5", "qwen3-coder"])
            #expect(list["data"]?[0]?["type"] == "model" && list["has_more"] == false && list["first_id"] != nil)

            let batches = try await TestClient.send(port: port, method: .GET, path: "/v1/messages/batches", headers: Self.apiHeaders)
            #expect(batches.status == 404 && batches.text.contains(#""type":"not_found_error""#))
        }
        try await replaySession(directory: dir) { port, _ in
            let ollama = try await TestClient.send(port: port, path: "/v1/messages/count_tokens", body: counted)
            #expect(ollama.status == 404 && ollama.text == "404 page not found" && ollama.header("content-type") == "text/plain")
        }
    }

    @Test("as the API: a status fault is the API's error with x-should-retry and retry-after; an Ollama stream that stops mid-way ends with event: error")
    func faultsAndMidStreamFailure() async throws {
        let dir = try temporaryDirectory()
        let stopped = Array(OllamaBytes.textStreamFrames(texts: ["Hel", "lo"]).dropLast(3))  // no block stop, no message_delta, no message_stop
        let body = TestClient.messagesBody(stream: true)
        try await recordSession(directory: dir, fake: FakeOllama { _ in OllamaBytes.reply(frames: stopped) }) { port in
            _ = try await TestClient.send(port: port, body: body)
        }
        try await replaySession(directory: dir, configure: { $0.flavor = .anthropic; $0.timing = .instant }) { port, _ in
            for (status, type) in [(529, "overloaded_error"), (429, "rate_limit_error")] {
                let fault = try await TestClient.send(port: port, headers: Self.apiHeaders + [("x-vcr-fault", "status=\(status)")], body: body)
                #expect(fault.status == status)
                #expect(fault.header("x-should-retry") == "true" && fault.header("retry-after") == "1")
                let id = try #require(fault.header("request-id"))
                #expect(fault.text == #"{"type":"error","error":{"type":"\#(type)","message":"messages-vcr: injected fault status=\#(status)"},"request_id":"\#(id)"}"#)
            }
            let cut = try await TestClient.send(port: port, headers: Self.apiHeaders, body: body)
            #expect(cut.bodyError == nil)
            #expect(cut.text.hasSuffix(#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo"}}"# + "\n\n"
                + "event: error\n" + #"data: {"type":"error","error":{"details":null,"type":"api_error","message":"Internal server error"}}"# + "\n\n"))
        }
        try await replaySession(directory: dir, configure: { $0.timing = .instant }) { port, _ in
            let ollama = try await TestClient.send(port: port, body: body)
            #expect(ollama.text == stopped.joined(), "as Ollama: the stream just ends")
            let fault = try await TestClient.send(port: port, headers: [("x-vcr-fault", "status=529")], body: body)
            #expect(fault.header("x-should-retry") == nil && fault.header("request-id") == nil)
        }
    }
}
