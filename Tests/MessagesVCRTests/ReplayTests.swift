import Foundation
@testable import MessagesVCR
import NIOConcurrencyHelpers
import Testing

@Suite("Replay")
struct ReplayTests {
    @Test("non-streamed, thinking stream and a two-turn tool round trip replay byte for byte with no upstream")
    func byteIdentical() async throws {
        let dir = try temporaryDirectory()
        let counter = NIOLockedValueBox(0)
        let toolID = "call_k3j9x2ab"
        let fake = FakeOllama { request in
            let n = counter.withLockedValue { $0 += 1; return $0 }
            let text = String(decoding: request.body, as: UTF8.self)
            if text.contains("tool_result") {
                return FakeReply(status: 200, headers: [("Content-Type", "application/json")],
                                 parts: [.bytes(Array(OllamaBytes.messageBody(id: OllamaBytes.messageID(n), text: "It is 18 degrees in Paris.").utf8))], fixedLength: true)
            }
            if text.contains("get_weather") {
                return OllamaBytes.reply(frames: OllamaBytes.toolStreamFrames(
                    id: OllamaBytes.messageID(n), toolID: toolID, text: "I'll check.", name: "get_weather", input: #"{"location":"Paris"}"#), delayMillis: 15)
            }
            if text.contains("\"stream\":true") {
                return OllamaBytes.reply(frames: OllamaBytes.thinkingStreamFrames(
                    id: OllamaBytes.messageID(n), thinking: ["Let me", " think."], text: ["Hi", " <there> & \\u003c"]), delayMillis: 15)
            }
            return FakeReply(status: 200, headers: [("Content-Type", "application/json")],
                             parts: [.bytes(Array(OllamaBytes.messageBody(id: OllamaBytes.messageID(n), text: "Hello!").utf8))], fixedLength: true)
        }
        let plain = TestClient.messagesBody()
        let thinking = TestClient.messagesBody(text: "Think first", stream: true, model: "qwen3.5")
        let tools = #","tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"location":{"type":"string"}}}}]"#
        let turn1 = TestClient.messagesBody(text: "Weather in Paris?", stream: true, extra: tools)
        let turn2 = #"{"model":"qwen3-coder","max_tokens":1024,"messages":[{"role":"user","content":"Weather in Paris?"},{"role":"assistant","content":[{"type":"text","text":"I'll check."},{"type":"tool_use","id":"\#(toolID)","name":"get_weather","input":{"location":"Paris"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"\#(toolID)","content":"18C"}]}]\#(tools)}"#
        let bodies = [plain, thinking, turn1, turn2]

        let recorded = NIOLockedValueBox<[ClientResult]>([])
        try await recordSession(directory: dir, fake: fake) { port in
            for body in bodies {
                let result = try await TestClient.send(port: port, path: "/v1/messages?beta=true", body: body)
                recorded.withLockedValue { $0.append(result) }
            }
        }
        let originals = recorded.withLockedValue { $0 }
        #expect(originals.map(\.status) == [200, 200, 200, 200])
        #expect(fake.requestCount == 4)

        try await replaySession(directory: dir) { port, server in
            for (body, original) in zip(bodies, originals) {
                let replayed = try await TestClient.send(port: port, path: "/v1/messages?beta=true", body: body)
                #expect(replayed.status == original.status)
                #expect(replayed.body == original.body)
                if original.header("content-type") == "text/event-stream" {
                    // Streams are written one recorded chunk at a time, 15 ms apart, so the client reads
                    // them piece by piece, not as one buffered block (TCP may still split a write in two).
                    #expect(replayed.chunks.count >= original.chunks.count * 2 / 3, "\(replayed.chunks.count) reads")
                }
                #expect(replayed.header("content-type") == original.header("content-type"))
                #expect(replayed.header("content-length") == original.header("content-length"))
                #expect(replayed.header("x-vcr-interaction") != nil)
            }
            #expect(server.stats.snapshot.replayed == 4)
            #expect(server.stats.snapshot.forwarded == 0)
        }
        #expect(originals[2].text.contains(toolID))
        #expect(originals[1].text.contains(OllamaBytes.messageID(2)))
        #expect(fake.requestCount == 4)
    }

    @Test("identical requests replay recordings 1, 2, 3, then 3 again; each session has its own cursor")
    func sequencesAndSessions() async throws {
        let dir = try temporaryDirectory()
        let counter = NIOLockedValueBox(0)
        let fake = FakeOllama { _ in
            let n = counter.withLockedValue { $0 += 1; return $0 }
            return OllamaBytes.messageReply(text: "answer \(n)")
        }
        let body = TestClient.messagesBody(text: "again")
        try await recordSession(directory: dir, fake: fake) { port in
            for _ in 0..<3 { _ = try await TestClient.send(port: port, body: body) }
        }
        @Sendable func answer(_ result: ClientResult) -> String {
            result.text.range(of: #"answer \d"#, options: .regularExpression).map { String(result.text[$0]) } ?? result.text
        }
        try await replaySession(directory: dir) { port, _ in
            var seen: [String] = []
            for _ in 0..<4 { seen.append(answer(try await TestClient.send(port: port, body: body))) }
            #expect(seen == ["answer 1", "answer 2", "answer 3", "answer 3"])

            try await withThrowingTaskGroup(of: [String].self) { group in
                for session in ["a", "b"] {
                    group.addTask {
                        var got: [String] = []
                        for _ in 0..<3 {
                            got.append(answer(try await TestClient.send(port: port, headers: [("x-vcr-session", session)], body: body)))
                        }
                        return got
                    }
                }
                for try await got in group { #expect(got == ["answer 1", "answer 2", "answer 3"]) }
            }
            // Reset one session: it starts over; the default session stays exhausted.
            let reset = try await TestClient.send(port: port, path: "/__vcr/reset?session=a", body: "")
            #expect(reset.text == #"{"reset":"a"}"# + "\n")
            #expect(answer(try await TestClient.send(port: port, headers: [("x-vcr-session", "a")], body: body)) == "answer 1")
            #expect(answer(try await TestClient.send(port: port, body: body)) == "answer 3")
            _ = try await TestClient.send(port: port, path: "/__vcr/reset", body: "")
            #expect(answer(try await TestClient.send(port: port, body: body)) == "answer 1")
        }
        try await replaySession(directory: dir, configure: { $0.onExhausted = .error }) { port, _ in
            for _ in 0..<3 { #expect(try await TestClient.send(port: port, body: body).status == 200) }
            let fourth = try await TestClient.send(port: port, body: body)
            #expect(fourth.status == 404)
            #expect(fourth.header("x-vcr-miss") == "1")
            #expect(fourth.text.contains("matched 3 recording(s) in cassette test, all already replayed in session default"))
        }
    }

    @Test("metadata and cache_control are ignored by default; --strict matches them; a changed text is a miss with its diff")
    func ignoreRules() async throws {
        let dir = try temporaryDirectory()
        let recordedBody = #"{"model":"qwen3-coder","max_tokens":1024,"metadata":{"user_id":"session-1"},"system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":[{"type":"text","text":"list files"}]}]}"#
        try await recordSession(directory: dir, fake: FakeOllama()) { port in
            _ = try await TestClient.send(port: port, body: recordedBody)
        }
        let otherSession = recordedBody.replacingOccurrences(of: "session-1", with: "session-2")
            .replacingOccurrences(of: #","cache_control":{"type":"ephemeral"}"#, with: "")
        // Same meaning, other whitespace, key order and number spelling.
        let reformatted = #"{ "max_tokens": 1024.0, "model": "qwen3-coder", "system":[{"text":"Be brief.","type":"text"}], "messages":[{"role":"user","content":"hi"},{"content":"hello","role":"assistant"},{"role":"user","content":[{"type":"text","text":"list files"}]}] }"#
        let changed = otherSession.replacingOccurrences(of: "list files", with: "list all files")
        try await replaySession(directory: dir) { port, server in
            #expect(try await TestClient.send(port: port, path: "/v1/messages?beta=true", body: otherSession).status == 200)
            #expect(try await TestClient.send(port: port, body: reformatted).status == 200)
            let miss = try await TestClient.send(port: port, body: changed)
            #expect(miss.status == 404)
            #expect(miss.header("x-vcr-miss") == "1")
            #expect(miss.header("content-type") == "application/json")
            let interaction = try #require(try await storedInteractions(server).first)
            let expected = #"{"type":"error","error":{"type":"not_found_error","message":"messages-vcr: no recording matches POST /v1/messages in cassette test; nearest is \#(interaction.id) (model qwen3-coder, \"hi\"): messages[2].content[0].text: recorded \"list files\" ≠ received \"list all files\"; not matched (Ollama does not read them): metadata"},"request_id":"req_"#
            #expect(miss.text.hasPrefix(expected), "\(miss.text)")
            let journal = try await TestClient.send(port: port, method: .GET, path: "/__vcr/journal")
            #expect(journal.text.contains(#""result":"miss""#))
            #expect(journal.text.contains("list all files"))
            #expect(journal.text.contains(#""result":"replayed","interaction":"\#(interaction.id)""#))
        }
        try await replaySession(directory: dir, configure: { $0.rules = try MatchRules(strict: true) }) { port, _ in
            let miss = try await TestClient.send(port: port, body: otherSession)
            #expect(miss.status == 404)
            #expect(miss.text.contains(#"metadata.user_id: recorded \"session-1\" ≠ received \"session-2\""#), "\(miss.text)")
            #expect(try await TestClient.send(port: port, body: recordedBody).status == 200)
        }
        try await replaySession(directory: dir, configure: { $0.rules = try MatchRules(ignore: ["messages[*].content[*].text"]) }) { port, _ in
            let hit = try await TestClient.send(port: port, body: changed)
            #expect(hit.status == 200)
        }
    }

    @Test("a long string's diff shows a window around the first difference, not the common prefix")
    func longStringWindow() async throws {
        let dir = try temporaryDirectory()
        let prefix = String(repeating: "a long shared preamble. ", count: 20)
        try await recordSession(directory: dir, fake: FakeOllama()) { port in
            _ = try await TestClient.send(port: port, body: TestClient.messagesBody(text: prefix + "the end"))
        }
        try await replaySession(directory: dir) { port, _ in
            let miss = try await TestClient.send(port: port, body: TestClient.messagesBody(text: prefix + "THE END"))
            #expect(miss.status == 404)
            #expect(miss.text.contains(#"messages[0].content: recorded \"…. a long shared preamble. the end\" ≠ received \"…. a long shared preamble. THE END\""#), "\(miss.text)")
        }
    }

    @Test("stream:true recorded, stream:false asked is a miss, not a conversion")
    func streamFlagMismatch() async throws {
        let dir = try temporaryDirectory()
        try await recordSession(directory: dir, fake: FakeOllama()) { port in
            _ = try await TestClient.send(port: port, body: TestClient.messagesBody(stream: true))
        }
        try await replaySession(directory: dir) { port, _ in
            let miss = try await TestClient.send(port: port, body: TestClient.messagesBody(stream: false))
            #expect(miss.status == 404)
            #expect(miss.text.contains("stream: recorded true ≠ received false"), "\(miss.text)")
        }
    }

    @Test("--preset claude-code matches the same Claude Code request from another folder, HOME and day")
    func claudeCodePreset() async throws {
        let dir = try temporaryDirectory()
        func claudeRequest(cwd: String, home: String, date: String, os: String, version: String) -> String {
            let env = "<env>\\nPrimary working directory: \(cwd)\\nIs directory a git repo: No\\nPlatform: linux\\nOS Version: \(os)\\nToday's date is \(date).\\n</env>"
            return #"{"model":"qwen3-coder","max_tokens":32000,"stream":true,"metadata":{"user_id":"user_abc_session_\#(UUID().uuidString)"},"system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=\#(version); cc_entrypoint=sdk-cli;"},{"type":"text","text":"You are Claude Code. Memory lives in \#(home)/.claude/projects/\#(cwd.replacingOccurrences(of: "/", with: "-"))/memory/ for this project.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"system","content":[{"type":"text","text":"\#(env)"}]},{"role":"user","content":[{"type":"text","text":"say hello","cache_control":{"type":"ephemeral"}}]}],"tools":[{"name":"Bash","description":"Run a command","input_schema":{"type":"object"}}]}"#
        }
        let original = claudeRequest(cwd: "/home/alice/project", home: "/home/alice", date: "2026-11-24", os: "Linux 6.1.0-18-amd64", version: "2.1.3.a1f")
        let elsewhere = claudeRequest(cwd: "/tmp/ci-run-42/work", home: "/tmp/ci-home", date: "2026-12-01", os: "Linux 6.8.0-31-generic", version: "2.1.3.9c2")
        try await recordSession(directory: dir, fake: FakeOllama()) { port in
            let recorded = try await TestClient.send(port: port, path: "/v1/messages?beta=true", body: original)
            #expect(recorded.status == 200)
        }
        try await replaySession(directory: dir, configure: { $0.rules = try MatchRules(presets: ["claude-code"]) }) { port, _ in
            let hit = try await TestClient.send(port: port, path: "/v1/messages?beta=true", body: elsewhere)
            #expect(hit.status == 200, "\(hit.text)")
            #expect(hit.text.contains("message_stop"))
        }
        try await replaySession(directory: dir) { port, _ in
            let miss = try await TestClient.send(port: port, path: "/v1/messages?beta=true", body: elsewhere)
            #expect(miss.status == 404)
            #expect(miss.text.contains("Primary working directory") || miss.text.contains("cc_version"), "\(miss.text)")
        }
    }

    @Test("auto mode: a miss is forwarded and recorded, the next identical request is replayed without the upstream")
    func autoMode() async throws {
        let dir = try temporaryDirectory()
        let fake = FakeOllama()
        try await fake.run { upstreamPort in
            var options = try serveOptions(mode: .auto, directory: dir, upstreamPort: upstreamPort)
            options.timing = .instant
            try await TestServer.runVCR(options) { port, server in
                let body = TestClient.messagesBody(stream: true)
                let first = try await TestClient.send(port: port, body: body)
                #expect(first.status == 200)
                #expect(fake.requestCount == 1)
                let second = try await TestClient.send(port: port, body: body)
                #expect(second.status == 200)
                #expect(second.body == first.body)
                #expect(second.header("x-vcr-interaction") != nil)
                #expect(fake.requestCount == 1)
                let other = try await TestClient.send(port: port, body: TestClient.messagesBody(text: "different", stream: true))
                #expect(other.status == 200)
                #expect(fake.requestCount == 2)
                #expect(try await storedInteractions(server).count == 2)
                let health = try await TestClient.send(port: port, method: .GET, path: "/__vcr/health")
                #expect(health.text.contains(#""mode":"auto""#))
                #expect(health.text.contains(#""replayed":1"#))
                #expect(health.text.contains(#""forwarded":2"#))
            }
        }
    }

    @Test("a missing cassette: /c/NAME/ is a 404 'cassette NAME not found'; a missing --cassette answers misses")
    func missingCassette() async throws {
        let dir = try temporaryDirectory()
        try await replaySession(directory: dir, cassette: "absent") { port, _ in
            let prefixed = try await TestClient.send(port: port, path: "/c/nothing-here/v1/messages", body: TestClient.messagesBody())
            #expect(prefixed.status == 404)
            #expect(prefixed.text.hasPrefix(#"{"type":"error","error":{"type":"not_found_error","message":"messages-vcr: cassette nothing-here not found"},"request_id":"req_"#))
            let miss = try await TestClient.send(port: port, body: TestClient.messagesBody())
            #expect(miss.status == 404)
            #expect(miss.header("x-vcr-miss") == "1")
            #expect(miss.text.contains("no recording matches POST /v1/messages in cassette absent (the cassette file does not exist)"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/nothing-here.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/absent.sqlite"))
    }

    @Test("a recording that was cut replays its partial chunks and the cut, only when nothing complete matches")
    func incompleteRecordings() async throws {
        let dir = try temporaryDirectory()
        let frames = OllamaBytes.textStreamFrames(texts: ["Hel", "lo!"])
        let cutNext = NIOLockedValueBox(true)
        let fake = FakeOllama { _ in
            if cutNext.withLockedValue({ $0 }) {
                return FakeReply(status: 200, headers: OllamaBytes.streamHeaders, parts: frames.prefix(2).map { .bytes(Array($0.utf8)) } + [.cut])
            }
            return OllamaBytes.reply(frames: frames)
        }
        let body = TestClient.messagesBody(stream: true)
        try await recordSession(directory: dir, fake: fake) { port in
            _ = try await TestClient.send(port: port, body: body)
        }
        try await Task.sleep(for: .milliseconds(100))
        try await replaySession(directory: dir) { port, server in
            // What reached the proxy before the reset (the fake's last write can be lost with it) is what was stored.
            let stored = try #require(try await storedInteractions(server).first)
            #expect(stored.response.outcome == .upstreamCut)
            #expect(!stored.response.body.isEmpty && frames.prefix(2).joined().utf8.starts(with: stored.response.body))
            let cut = try await TestClient.send(port: port, body: body)
            #expect(cut.status == 200)
            #expect(cut.body == stored.response.body)
            #expect(cut.bodyError != nil)
        }
        cutNext.withLockedValue { $0 = false }
        try await recordSession(directory: dir, fake: fake) { port in
            _ = try await TestClient.send(port: port, body: body)
        }
        try await replaySession(directory: dir) { port, _ in
            for _ in 0..<2 {
                let complete = try await TestClient.send(port: port, body: body)
                #expect(complete.text == frames.joined())
                #expect(complete.bodyError == nil)
            }
        }
    }

    @Test("--miss-status sets a miss's status (x-vcr-miss stays); --preset claude-code makes it 400, which Claude Code prints with its message")
    func missStatus() async throws {
        #expect(MatchPreset.missStatus(option: nil, presets: []) == 404)
        #expect(MatchPreset.missStatus(option: nil, presets: ["claude-code"]) == 400)
        #expect(MatchPreset.missStatus(option: 409, presets: ["claude-code"]) == 409)
        let dir = try temporaryDirectory()
        try await recordSession(directory: dir, fake: FakeOllama()) { port in
            _ = try await TestClient.send(port: port, body: TestClient.messagesBody())
        }
        try await replaySession(directory: dir, configure: { $0.missStatus = 400 }) { port, server in
            let miss = try await TestClient.send(port: port, body: TestClient.messagesBody(text: "Hello, who are you?"))
            #expect(miss.status == 400)
            #expect(miss.header("x-vcr-miss") == "1")
            let id = try #require(try await storedInteractions(server).first).id
            #expect(miss.text.hasPrefix(#"{"type":"error","error":{"type":"invalid_request_error","message":"messages-vcr: no recording matches POST /v1/messages in cassette test; nearest is \#(id) (model qwen3-coder, \"Hello, how are you?\"): messages[0].content: recorded \"Hello, how are you?\" ≠ received \"Hello, who are you?\""},"request_id":"req_"#), "\(miss.text)")
            let journal = try await TestClient.send(port: port, method: .GET, path: "/__vcr/journal").text
            #expect(journal.contains(#""result":"miss","status":400"#), "\(journal)")
            #expect(try await TestClient.send(port: port, method: .GET, path: "/__vcr/health").text.contains(#""miss_status":400"#))
        }
    }
}
