import Foundation
@testable import MessagesVCR
import NIOConcurrencyHelpers
import Testing

@Suite("Ollama emulation")
struct EmulationTests {
    /// `{"type":"error","error":{"type":"invalid_request_error","message":M},"request_id":"req_<24 hex>"}`, no newline.
    static func isValidationBody(_ text: String, message: String) -> Bool {
        var escaped: [UInt8] = []
        GoJSONWriter.appendString(message, to: &escaped)
        let prefix = #"{"type":"error","error":{"type":"invalid_request_error","message":"# + String(decoding: escaped, as: UTF8.self) + #"},"request_id":"req_"#
        guard text.hasPrefix(prefix), text.hasSuffix("\"}") else { return false }
        let id = text.dropFirst(prefix.count).dropLast(2)
        return id.count == 24 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    @Test("routing: count_tokens and batches 404, GET 405 with Allow, trailing slash 307, GET / — byte for byte, no recording needed")
    func routing() async throws {
        let dir = try temporaryDirectory()
        try await replaySession(directory: dir, cassette: "empty") { port, server in
            let count = try await TestClient.send(port: port, path: "/v1/messages/count_tokens?beta=true", body: TestClient.messagesBody())
            #expect(count.status == 404)
            #expect(count.header("content-type") == "text/plain")
            #expect(count.text == "404 page not found")
            #expect(count.header("x-vcr-miss") == nil)
            for path in ["/v1/messages/batches", "/v1/messages/batches/msgbatch_1", "/v1/files"] {
                let batches = try await TestClient.send(port: port, path: path, body: "{}")
                #expect(batches.status == 404 && batches.text == "404 page not found", "\(path)")
            }
            let get = try await TestClient.send(port: port, method: .GET, path: "/v1/messages")
            #expect(get.status == 405)
            #expect(get.header("allow") == "POST")
            #expect(get.text == "405 method not allowed")
            let slash = try await TestClient.send(port: port, path: "/v1/messages/?beta=true", body: TestClient.messagesBody())
            #expect(slash.status == 307)
            #expect(slash.header("location") == "/v1/messages?beta=true")
            #expect(slash.body.isEmpty)
            let slashGet = try await TestClient.send(port: port, method: .GET, path: "/v1/messages/")
            #expect(slashGet.status == 301)
            #expect(slashGet.text == "<a href=\"/v1/messages\">Moved Permanently</a>.\n\n")
            let root = try await TestClient.send(port: port, method: .GET, path: "/")
            #expect(root.status == 200)
            #expect(root.header("content-type") == "text/plain; charset=utf-8")
            #expect(root.text == "Ollama is running")
            // A model-dependent route is not emulated: it is a miss.
            let models = try await TestClient.send(port: port, method: .GET, path: "/v1/models")
            #expect(models.status == 404 && models.header("x-vcr-miss") == "1")
            #expect(server.stats.snapshot.emulated == 8)
        }
    }

    @Test("validation: Ollama's 400s in its order, Go's wording, application/json; charset=utf-8, no newline", arguments: [
        ("", "EOF"),
        ("{", "unexpected EOF"),
        ("{model:1}", "invalid character 'm' looking for beginning of object key string"),
        (#"[1]"#, "json: cannot unmarshal array into Go value of type anthropic.MessagesRequest"),
        (#"{"model":"m","max_tokens":"100","messages":[]}"#, "json: cannot unmarshal string into Go struct field MessagesRequest.max_tokens of type int"),
        (#"{"model":"m","max_tokens":1.5,"messages":[]}"#, "json: cannot unmarshal number 1.5 into Go struct field MessagesRequest.max_tokens of type int"),
        (#"{"model":"m","max_tokens":10,"stream":"yes","messages":[{"role":"user","content":"hi"}]}"#, "json: cannot unmarshal string into Go struct field MessagesRequest.stream of type bool"),
        (#"{"model":"m","max_tokens":10,"tool_choice":"auto","messages":[{"role":"user","content":"hi"}]}"#, "json: cannot unmarshal string into Go struct field MessagesRequest.tool_choice of type anthropic.ToolChoice"),
        (#"{"model":"m","max_tokens":10,"metadata":{"user_id":7},"messages":[{"role":"user","content":"hi"}]}"#, "json: cannot unmarshal number into Go struct field Metadata.metadata.user_id of type string"),
        (#"{"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#, "model is required"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#, "max_tokens is required and must be positive"),
        (#"{"model":"m","max_tokens":-1,"messages":[]}"#, "max_tokens is required and must be positive"),
        (#"{"model":"m","max_tokens":10,"messages":[]}"#, "messages is required"),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"user"}]}"#, "unexpected end of JSON input"),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}]}"#, "invalid image source type: url. Only base64 images are supported."),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"abc$"}}]}]}"#, "invalid base64 image data: illegal base64 data at input byte 3"),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image"}]}]}"#, "invalid image source"),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"tool_use","name":"f","input":{}}]}]}"#, "tool_use block missing required 'id' field"),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"call_1","input":{}}]}]}"#, "tool_use block missing required 'name' field"),
        (#"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"c","content":[{"type":"image","source":"x"}]}]}]}"#, "invalid tool_result image source"),
    ])
    func validation(body: String, message: String) async throws {
        let dir = try temporaryDirectory()
        try await replaySession(directory: dir, cassette: "empty") { port, _ in
            let result = try await TestClient.send(port: port, path: "/v1/messages", body: body)
            #expect(result.status == 400)
            #expect(result.header("content-type") == "application/json; charset=utf-8")
            #expect(Self.isValidationBody(result.text, message: message), "\(result.text)")
        }
    }

    @Test("a matching recording wins over the emulated answer")
    func recordingWins() async throws {
        let dir = try temporaryDirectory()
        let fake = FakeOllama { _ in FakeReply(status: 200, headers: [("Content-Type", "text/plain")], parts: [.bytes(Array("recorded count".utf8))], fixedLength: true) }
        try await recordSession(directory: dir, fake: fake) { port in
            _ = try await TestClient.send(port: port, path: "/v1/messages/count_tokens", body: TestClient.messagesBody())
        }
        try await replaySession(directory: dir) { port, _ in
            let replayed = try await TestClient.send(port: port, path: "/v1/messages/count_tokens", body: TestClient.messagesBody())
            #expect(replayed.status == 200 && replayed.text == "recorded count")
            let other = try await TestClient.send(port: port, path: "/v1/messages/count_tokens", body: TestClient.messagesBody(text: "other"))
            #expect(other.status == 404 && other.text == "404 page not found")
        }
    }

    @Test("x-vcr-compat lists exactly the ignored features present, in record and replay")
    func compatHeader() async throws {
        let dir = try temporaryDirectory()
        let rich = #"{"model":"qwen3-coder","max_tokens":64,"tool_choice":{"type":"any"},"metadata":{"user_id":"u"},"thinking":{"type":"enabled","budget_tokens":2048},"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":[{"type":"document","source":{"type":"text","media_type":"text/plain","data":"d"},"citations":{"enabled":true}},{"type":"text","text":"hi"}]}]}"#
        let expected = "tool_choice; metadata; cache_control; thinking.budget_tokens; document-block; citations"
        try await recordSession(directory: dir, fake: FakeOllama()) { port in
            let recorded = try await TestClient.send(port: port, body: rich)
            #expect(recorded.header("x-vcr-compat") == expected)
            let plain = try await TestClient.send(port: port, body: TestClient.messagesBody())
            #expect(plain.header("x-vcr-compat") == nil)
        }
        try await replaySession(directory: dir) { port, _ in
            let replayed = try await TestClient.send(port: port, body: rich)
            #expect(replayed.status == 200)
            #expect(replayed.header("x-vcr-compat") == expected)
            let stops = try await TestClient.send(port: port, body: TestClient.messagesBody(extra: #","stop_sequences":["END"],"service_tier":"auto""#))
            #expect(stops.header("x-vcr-compat") == "stop_sequences; unknown-field")
        }
    }

    @Test("--model-alias sends the aliased model upstream and replays under the client's name")
    func modelAlias() async throws {
        let dir = try temporaryDirectory()
        let fake = FakeOllama()
        try await fake.run { upstreamPort in
            var options = try serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)
            options.modelAliases = try ModelAliases(["claude-*=qwen3-coder"])
            try await TestServer.runVCR(options) { port, server in
                let result = try await TestClient.send(port: port, body: TestClient.messagesBody(model: "claude-sonnet-4-5"))
                #expect(result.status == 200)
                let sent = try #require(fake.requests.last)
                #expect(String(decoding: sent.body, as: UTF8.self) == TestClient.messagesBody(model: "qwen3-coder"))
                _ = try await TestClient.send(port: port, body: TestClient.messagesBody(model: "llama3"))
                #expect(String(decoding: try #require(fake.requests.last).body, as: UTF8.self).contains(#""model":"llama3""#))
                let stored = try await storedInteractions(server)
                #expect(stored.first?.request.model == "claude-sonnet-4-5")
            }
        }
        try await replaySession(directory: dir) { port, _ in
            let replayed = try await TestClient.send(port: port, body: TestClient.messagesBody(model: "claude-sonnet-4-5"))
            #expect(replayed.status == 200)
        }
        #expect(throws: ModelAliases.ParseError.self) { try ModelAliases(["nothing"]) }
        #expect(ModelAliases.glob("claude-*", matches: "claude-3-5-haiku-latest"))
        #expect(!ModelAliases.glob("claude-?", matches: "claude-10"))
    }
}
