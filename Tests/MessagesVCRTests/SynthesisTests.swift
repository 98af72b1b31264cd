import Foundation
@testable import MessagesVCR
import Testing

@Suite("Synthesis")
struct SynthesisTests {
    static let bashTool = #"{"name":"Bash","description":"Run a shell command","input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}"#

    static func claudeTurn(_ messages: String) -> String {
        #"{"model":"qwen3-coder","max_tokens":32000,"stream":true,"system":[{"type":"text","text":"You are Claude Code."}],"tools":[\#(bashTool)],"messages":[\#(messages)]}"#
    }

    static let turn1 = claudeTurn(#"{"role":"user","content":[{"type":"text","text":"use the Bash tool to run: echo hi"}]}"#)

    static func turn2(toolID: String) -> String {
        claudeTurn(#"{"role":"user","content":[{"type":"text","text":"use the Bash tool to run: echo hi"}]},{"role":"assistant","content":[{"type":"tool_use","id":"\#(toolID)","name":"Bash","input":{"command":"echo hi","description":"Print hi"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"\#(toolID)","content":"hi"}]}"#)
    }

    static let script = #"""
    {
      "seed": 42,
      "defaults": {"pacing": {"ttft_ms": 20, "gap_ms": 2}},
      "interactions": [
        {"request": {"model": "qwen3-coder", "max_tokens": 64, "messages": [{"role": "user", "content": "exact <b> & more"}]},
         "answer": {"content": [{"type": "thinking", "thinking": "a <tag>"}, {"type": "text", "text": "x < y & z"},
                                {"type": "tool_use", "name": "f", "input": {"z": 1, "a": {"y": 2.0, "b": [1e21, 0.5]}}}]}},
        {"when": {"tool_available": "Bash", "has_tool_result": false, "last_user_text_contains": "echo hi"},
         "answer": {"content": [{"type": "text", "text": "I'll run it."},
                                {"type": "tool_use", "name": "Bash", "input": {"command": "echo hi", "description": "Print hi"}}]}},
        {"when": {"tool_available": "Bash", "has_tool_result": true},
         "answer": {"content": [{"type": "text", "text": "The command printed: {{tool_result}}"}]}}
      ]
    }
    """#

    @Test("a synthesised stream is Ollama's: grammar, ids, Go escaping, one complete input_json_delta with nested keys sorted, deterministic")
    func synthesisedStream() throws {
        let script = try SynthesisScript(bytes: Array(Self.script.utf8))
        #expect(script.entries.count == 1 && script.rules.count == 2)
        var request = try JSONParser.parse(Array(#"{"model":"qwen3-coder","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"exact <b> & more"}]}"#.utf8))
        var synthesizer = OllamaSynthesizer(generator: SeededGenerator(seed: 1))
        let answer = script.entries[0].answer
        let stream = synthesizer.response(toRequest: request, answer: answer)
        #expect(StreamGrammar.check(stream.frames) == [])
        let text = String(decoding: stream.body, as: UTF8.self)
        #expect(text.contains(#""thinking":"a \u003ctag\u003e""#))
        #expect(text.contains(#""text":"x \u003c y \u0026 ""#))  // 8 characters a delta: "x < y & " then "z"
        #expect(text.contains(#""partial_json":"{\"z\":1,\"a\":{\"b\":[1e+21,0.5],\"y\":2}}""#), "\(text)")
        #expect(!text.contains("ping"))
        let message = try #require(ReconstructedMessage(stream))
        #expect(message.id?.range(of: #"^msg_[0-9a-f]{24}$"#, options: .regularExpression) != nil)
        #expect(message.blocks.map(\.type) == ["thinking", "text", "tool_use"])
        #expect(message.blocks[2].toolID?.range(of: #"^call_[a-z0-9]{8}$"#, options: .regularExpression) != nil)
        #expect(message.stopReason == "tool_use")
        // A Swift SSE reader sees the same frames however the bytes are chunked.
        var parser = SSEFrameParser()
        var frames: [SSEFrame] = []
        var grown: [UInt8] = []
        for byte in stream.body {
            grown.append(byte)
            frames += parser.consume(grown, offsetNanos: 0)
        }
        #expect(frames.count == stream.frames.count)

        var again = OllamaSynthesizer(generator: SeededGenerator(seed: 1))
        #expect(again.response(toRequest: request, answer: answer).body == stream.body)

        request = try JSONParser.parse(Array(#"{"model":"qwen3-coder","max_tokens":64,"messages":[{"role":"user","content":"exact <b> & more"}]}"#.utf8))
        let json = synthesizer.response(toRequest: request, answer: answer)
        #expect(json.body.last == 0x0a)
        #expect(json.headers["content-type"] == "application/json")
        #expect(StreamGrammar.checkMessage(json.body) == [])
    }

    @Test("rules answer a scripted Claude Code tool round trip, deterministically; exact entries and POST /__vcr/synth work live")
    func rules() async throws {
        let dir = try temporaryDirectory()
        try Self.script.write(toFile: dir + "/script.json", atomically: true, encoding: .utf8)
        let synth = try await CommandLineTests.run(["synth", "--cassette-dir", dir, "--cassette", "rules", dir + "/script.json"])
        #expect(synth.stdout == "added 1 synthetic interactions and 2 rules to \(dir)/rules.sqlite\n", "\(synth.stderr)")
        let again = try await CommandLineTests.run(["synth", "--cassette-dir", dir, "--cassette", "rules", dir + "/script.json"])
        #expect(again.status == 2 && again.stderr.contains("already holds interaction"))

        try await replaySession(directory: dir, cassette: "rules", configure: { $0.timing = .instant }) { port, server in
            let first = try await TestClient.send(port: port, path: "/v1/messages?beta=true", body: Self.turn1)
            #expect(first.status == 200)
            #expect(first.header("x-vcr-interaction")?.hasPrefix("rule-") == true)
            var parser = SSEFrameParser()
            let frames = parser.consume(first.body, offsetNanos: 0)
            #expect(StreamGrammar.check(frames) == [])
            let message = try #require(ReconstructedMessage(RecordedResponse(
                status: 200, headers: HeaderList(), body: first.body, chunks: [], frames: frames, ttfbNanos: 0, durationNanos: 0, outcome: .complete)))
            #expect(message.blocks.map(\.content) == ["I'll run it.", #"{"command":"echo hi","description":"Print hi"}"#])
            let toolID = try #require(message.blocks.last?.toolID)
            let repeated = try await TestClient.send(port: port, path: "/v1/messages?beta=true", body: Self.turn1)
            #expect(repeated.body == first.body)

            let second = try await TestClient.send(port: port, body: Self.turn2(toolID: toolID))
            #expect(second.status == 200)
            var secondParser = SSEFrameParser()
            let secondFrames = secondParser.consume(second.body, offsetNanos: 0)
            let reply = ReconstructedMessage(RecordedResponse(
                status: 200, headers: HeaderList(), body: second.body, chunks: [], frames: secondFrames, ttfbNanos: 0, durationNanos: 0, outcome: .complete))
            #expect(reply?.blocks.map(\.content) == ["The command printed: hi"])
            #expect(reply?.stopReason == "end_turn")
            #expect(server.stats.snapshot.synthesized == 3)

            let unmatched = try await TestClient.send(port: port, body: TestClient.messagesBody(text: "no rule for this"))
            #expect(unmatched.status == 404 && unmatched.header("x-vcr-miss") == "1")

            let live = try await TestClient.send(port: port, path: "/__vcr/synth", body: #"{"seed":9,"interactions":[{"request":{"model":"m","max_tokens":8,"messages":[{"role":"user","content":"added live"}]},"answer":{"content":[{"type":"text","text":"live!"}]}}]}"#)
            #expect(live.status == 200, "\(live.text)")
            let answered = try await TestClient.send(port: port, body: #"{"model":"m","max_tokens":8,"messages":[{"role":"user","content":"added live"}]}"#)
            #expect(answered.text.contains(#""text":"live!""#))
            let report = try await TestClient.send(port: port, method: .GET, path: "/__vcr/report")
            #expect(report.text.contains(#""rules_used":[{"id":"#))
        }
        let exported = try await CommandLineTests.run(["export", "--cassette-dir", dir, "--cassette", "rules", "--out", dir + "/rules.json"])
        #expect(exported.status == 0)
        #expect(try String(contentsOfFile: dir + "/rules.json", encoding: .utf8).contains(#""when": {"tool_available": "Bash", "has_tool_result": true}"#))
        let imported = try await CommandLineTests.run(["import", "--cassette-dir", dir, "--cassette", "copy", dir + "/rules.json"])
        #expect(imported.stdout == "imported 2 interactions and 2 rules into \(dir)/copy.sqlite\n", "\(imported.stderr)")
        #expect(try await CommandLineTests.run(["export", "--cassette-dir", dir, "--cassette", "copy", "--out", dir + "/copy.json"]).status == 0)
        #expect(FileManager.default.contents(atPath: dir + "/rules.json") == FileManager.default.contents(atPath: dir + "/copy.json"))
    }
}
