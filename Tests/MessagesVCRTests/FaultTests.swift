import Foundation
@testable import MessagesVCR
import NIOConcurrencyHelpers
import Testing

extension LoadSensitiveTests {
    /// Timing checks (stalls): serialized with the load tests, not beside them.
    @Suite("Fault injection")
    struct FaultTests {
        static let frames = OllamaBytes.textStreamFrames(texts: ["Hel", "lo!"])
        static let body = TestClient.messagesBody(stream: true)

        /// A cassette with one stream of 7 events, recorded 10 ms apart.
        static func recorded() async throws -> String {
            let dir = try temporaryDirectory()
            try await recordSession(directory: dir, fake: FakeOllama { _ in OllamaBytes.reply(frames: frames, delayMillis: 10) }) { port in
                _ = try await TestClient.send(port: port, body: body)
            }
            return dir
        }

        @Test("cuts, stalls, error events and a dropped message_stop, seen by a real HTTP client")
        func streamFaults() async throws {
            let dir = try await Self.recorded()
            let all = Self.frames.joined()
            try await replaySession(directory: dir, configure: { $0.timing = .instant }) { port, _ in
                func send(_ spec: String) async throws -> ClientResult {
                    try await TestClient.send(port: port, headers: [("x-vcr-fault", spec), ("x-vcr-session", spec)], body: Self.body)
                }
                let cut = try await send("cut-after-events=3")
                #expect(cut.status == 200)
                #expect(cut.text == Self.frames.prefix(3).joined())
                #expect(cut.bodyError != nil)

                let bytes = try await send("cut-after-bytes=50")
                #expect(bytes.body == Array(all.utf8.prefix(50)))
                #expect(bytes.bodyError != nil)

                let error = try await send("error-event=overloaded_error@2")
                #expect(error.text == Self.frames.prefix(2).joined()
                    + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"messages-vcr: injected fault error-event=overloaded_error@2\"}}\n\n")
                #expect(error.bodyError == nil)

                let dropped = try await send("drop=message_stop")
                #expect(dropped.text == Self.frames.dropLast().joined())
                #expect(dropped.bodyError == nil)

                let stalled = try await send("stall=300@2")
                #expect(stalled.text == all)
                let total = Double(try #require(stalled.arrivals.last)) / 1e6
                #expect(total > 280 && total < 3000, "stall=300@2 took \(total) ms in instant mode")
                let third = try #require(stalled.chunks.indices.first { String(decoding: stalled.chunks[$0], as: UTF8.self).contains("text_delta") })
                // The stall's deadline is absolute (from the request's start), so load can only make event 2
                // later, never earlier: a lower bound measured from the start cannot flake.
                let thirdAt = Double(stalled.arrivals[third]) / 1e6
                #expect(thirdAt >= 295, "event 2 waits for the 300 ms pause (it came at \(thirdAt) ms)")
                if third > 0 {
                    // Read apart, the bytes before the pause are exactly the two events before it.
                    let before = stalled.chunks[..<third].flatMap { $0 }
                    #expect(String(decoding: before, as: UTF8.self) == Self.frames.prefix(2).joined())
                }

                let combined = try await send("stall=100@1;cut-after-events=2")
                #expect(combined.text == Self.frames.prefix(2).joined())
                #expect(combined.bodyError != nil)
            }
        }

        @Test("status=CODE answers an Anthropic-shaped error with the matching type", arguments: [
            (400, "invalid_request_error"), (401, "authentication_error"), (403, "permission_error"), (404, "not_found_error"),
            (413, "request_too_large"), (429, "rate_limit_error"), (500, "api_error"), (529, "overloaded_error"),
        ])
        func statusFaults(status: Int, type: String) async throws {
            let dir = try await Self.recorded()
            try await replaySession(directory: dir) { port, _ in
                let result = try await TestClient.send(port: port, headers: [("x-vcr-fault", "status=\(status)")], body: Self.body)
                #expect(result.status == status)
                #expect(result.text.hasPrefix(#"{"type":"error","error":{"type":"\#(type)","message":"messages-vcr: injected fault status=\#(status)"},"request_id":"req_"#))
                #expect(result.header("retry-after") == (status == 429 ? "1" : nil))
            }
        }

        @Test("an unknown spec is a 400 naming the wrong part; POST /__vcr/faults queues per session; --fault applies to all")
        func specsAndQueues() async throws {
            let dir = try await Self.recorded()
            try await replaySession(directory: dir, configure: { $0.timing = .instant }) { port, _ in
                let bad = try await TestClient.send(port: port, headers: [("x-vcr-fault", "stall=100@2;cut-after-events=x")], body: Self.body)
                #expect(bad.status == 400)
                #expect(bad.text.contains(#"messages-vcr: x-vcr-fault: invalid fault spec \"stall=100@2;cut-after-events=x\": \"cut-after-events=x\" needs a whole number ≥ 0"#), "\(bad.text)")
                let unknown = try await TestClient.send(port: port, headers: [("x-vcr-fault", "explode=1")], body: Self.body)
                #expect(unknown.status == 400 && unknown.text.contains(#"\"explode=1\" is not one of"#))

                let queued = try await TestClient.send(port: port, path: "/__vcr/faults", body: #"{"spec":"status=500","count":2,"session":"s1"}"#)
                #expect(queued.text == #"{"queued":"status=500","count":2,"session":"s1"}"# + "\n")
                let s1 = [("x-vcr-session", "s1")], s2 = [("x-vcr-session", "s2")]
                #expect(try await TestClient.send(port: port, headers: s2, body: Self.body).status == 200)
                #expect(try await TestClient.send(port: port, headers: s1, body: Self.body).status == 500)
                #expect(try await TestClient.send(port: port, headers: s1, body: Self.body).status == 500)
                #expect(try await TestClient.send(port: port, headers: s1, body: Self.body).status == 200)
                let journal = try await TestClient.send(port: port, method: .GET, path: "/__vcr/journal?session=s1")
                #expect(journal.text.contains(#""result":"fault","status":500,"detail":"fault status=500""#), "\(journal.text)")
                let refused = try await TestClient.send(port: port, path: "/__vcr/faults", body: #"{"spec":"cut-after-bytes=-1"}"#)
                #expect(refused.status == 400)
            }
            try await replaySession(directory: dir, configure: { $0.timing = .instant; $0.fault = try FaultPlan(parsing: "drop=message_stop") }) { port, _ in
                let dropped = try await TestClient.send(port: port, body: Self.body)
                #expect(dropped.text == Self.frames.dropLast().joined())
            }
        }

        @Test("a queued fault waits for a request that replays: GET /, count_tokens, a miss and an emulated answer leave it queued")
        func queuedFaultWaitsForReplay() async throws {
            let dir = try await Self.recorded()
            try await replaySession(directory: dir, configure: { $0.timing = .instant }) { (port: Int, _: VCRServer) async throws in
                func queued() async throws -> String {
                    let health = try await TestClient.send(port: port, method: .GET, path: "/__vcr/health").text
                    return String(health[health.range(of: #""faults_queued":"#)!.upperBound...].prefix { $0.isNumber })
                }
                #expect(try await TestClient.send(port: port, path: "/__vcr/faults", body: #"{"spec":"drop=message_stop"}"#).status == 200)
                #expect(try await TestClient.send(port: port, method: .GET, path: "/").text == "Ollama is running")
                #expect(try await TestClient.send(port: port, path: "/v1/messages/count_tokens", body: Self.body).status == 404)
                #expect(try await TestClient.send(port: port, body: #"{"model":"qwen3-coder"}"#).status == 400, "an emulated validation error")
                #expect(try await TestClient.send(port: port, body: TestClient.messagesBody(text: "never recorded", stream: true)).status == 404)
                #expect(try await queued() == "1")
                #expect(try await TestClient.send(port: port, body: Self.body).text == Self.frames.dropLast().joined(), "the replay uses it up")
                #expect(try await queued() == "0")
                #expect(try await TestClient.send(port: port, body: Self.body).text == Self.frames.joined())

                // A status= fault applies to any /v1/messages answer, not to GET / or count_tokens.
                #expect(try await TestClient.send(port: port, path: "/__vcr/faults", body: #"{"spec":"status=503"}"#).status == 200)
                #expect(try await TestClient.send(port: port, method: .GET, path: "/").status == 200)
                #expect(try await TestClient.send(port: port, path: "/v1/messages/count_tokens", body: Self.body).status == 404)
                #expect(try await queued() == "1")
                #expect(try await TestClient.send(port: port, body: TestClient.messagesBody(text: "never recorded")).status == 503)
                #expect(try await queued() == "0")
            }
        }
    }
}
