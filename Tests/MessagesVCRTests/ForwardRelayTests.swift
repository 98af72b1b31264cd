import AsyncHTTPClient
import Foundation
@testable import MessagesVCR
import Testing

/// The forwarding hot path: passthrough and record requests relayed on the connection's event loop
/// over pooled upstream connections answer, store and report exactly as Hummingbird's path does.
@Suite("Forward relay")
struct ForwardRelayTests {
    @Test("a request relayed on the event loop equals Hummingbird's path: status, headers, bytes, stored interaction, journal", arguments: [VCRMode.passthrough, .record])
    func sameAnswerBothWays(mode: VCRMode) async throws {
        let dir = try temporaryDirectory()
        let fake = FakeOllama { request in
            request.body.contains(Array(#""stream":true"#.utf8))
                ? OllamaBytes.streamReply(texts: ["Hel", "lo!"], delayMillis: 10) : OllamaBytes.messageReply(text: "Hello!")
        }
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: mode, directory: dir, upstreamPort: upstreamPort)) { port, server in
                for body in [TestClient.messagesBody(), TestClient.messagesBody(stream: true), TestClient.messagesBody(extra: #","tool_choice":{"type":"any"}"#)] {
                    let before = server.stats.snapshot
                    // Hummingbird answers a `Connection: close` request; the hot path the same request without it.
                    let general = try await TestClient.send(port: port, headers: [("Connection", "close"), ("x-api-key", "sk-secret")], body: body)
                    #expect(server.stats.snapshot.relayed == before.relayed)
                    let relayed = try await TestClient.send(port: port, headers: [("x-api-key", "sk-secret")], body: body)
                    #expect(server.stats.snapshot.relayed == before.relayed + 1, "the second answer was relayed on the event loop")
                    #expect(relayed.status == general.status && relayed.body == general.body && relayed.status == 200)
                    let names = { (result: ClientResult) in
                        result.headers.map { $0.name.lowercased() }.filter { $0 != "date" && $0 != "connection" }.sorted()
                    }
                    #expect(names(relayed) == names(general), "\(general.headers) vs \(relayed.headers)")
                    for name in ["content-type", "content-length", "transfer-encoding", "cache-control", "x-vcr-compat"] {
                        #expect(relayed.header(name) == general.header(name), "\(name)")
                    }
                    #expect(relayed.header("date") != nil)
                }
                #expect(fake.requests.allSatisfy { $0.header("x-api-key") == "sk-secret" && $0.header("host") == "127.0.0.1:\(upstreamPort)" })
                #expect(fake.requests.allSatisfy { $0.header("connection") == nil || !$0.header("connection")!.contains("close") })
                let journal = try await TestClient.send(port: port, method: .GET, path: "/__vcr/journal?limit=6")
                let result = mode == .record ? #""result":"recorded""# : #""result":"forwarded""#
                #expect(journal.text.components(separatedBy: result).count - 1 == 6, "\(journal.text)")
                #expect(server.stats.snapshot.forwarded == 6 && server.stats.snapshot.requests == 6)
                guard mode == .record else { return }
                let stored = try await storedInteractions(server)
                #expect(stored.count == 6)
                for pair in stride(from: 0, to: 6, by: 2) {
                    let (general, relayed) = (stored[pair], stored[pair + 1])
                    #expect(relayed.request.body == general.request.body && relayed.response.body == general.response.body)
                    #expect(relayed.response.status == 200 && relayed.response.outcome == .complete)
                    #expect(relayed.response.frames.map(\.event) == general.response.frames.map(\.event))
                    #expect(relayed.response.chunks.count >= 1 && relayed.matchKey == general.matchKey && relayed.matchKey != nil)
                    #expect(relayed.request.headers["x-api-key"] == nil && general.request.headers["x-api-key"] == nil)
                    #expect(relayed.response.headers["content-type"] == general.response.headers["content-type"])
                }
                #expect(stored[3].response.frames.count == OllamaBytes.textStreamFrames(texts: ["Hel", "lo!"]).count)
                // Recorded on the event loop, replayed like any recording.
                try await TestServer.runVCR(serveOptions(mode: .replay, directory: dir)) { replayPort, _ in
                    let replayed = try await TestClient.send(port: replayPort, body: TestClient.messagesBody(stream: true))
                    #expect(replayed.text == OllamaBytes.textStreamFrames(texts: ["Hel", "lo!"]).joined())
                }
            }
        }
    }

    @Test("an upstream that closes its keep-alive connections after each answer: every request still gets its answer")
    func staleKeepAlive() async throws {
        let dir = try temporaryDirectory()
        let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"
        try await RawUpstream([.bytes(answer), .close]).run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                for index in 0..<20 {
                    let result = try await TestClient.send(port: port, body: TestClient.messagesBody(text: "request \(index)"))
                    #expect(result.status == 200 && result.text == #"{"ok":true}"#, "request \(index): \(result.status) \(result.text)")
                }
                // On a loaded machine a request whose body arrives over 100 ms after its head goes the
                // general path by design; the rest are relayed over connections the upstream keeps closing.
                #expect(server.stats.snapshot.relayed >= 15, "\(server.stats.snapshot)")
                #expect(try await storedInteractions(server).map(\.response.outcome) == Array(repeating: .complete, count: 20))
            }
        }
    }

    @Test("upstream errors on the event loop: no head in time is a 504, silence mid-body cuts and is stored as upstream_cut, garbage is a 502")
    func upstreamFailures() async throws {
        let dir = try temporaryDirectory()
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        let cases: [(steps: [RawUpstream.Step], status: Int, outcome: Outcome, message: String?)] = [
            ([.hang], 504, .upstreamError, "sent no response headers within 0.4 s"),
            ([.bytes(head + "6\r\nevent:\r\n"), .hang], 200, .upstreamCut, nil),
            ([.bytes("NOT HTTP AT ALL\r\n\r\n"), .close], 502, .upstreamError, "unreachable"),
        ]
        for (index, item) in cases.enumerated() {
            try await RawUpstream(item.steps).run { upstreamPort in
                var options = try serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort, cassette: "case\(index)")
                // Only the case that tests it has a short first-byte limit (a loaded machine can take longer to answer).
                options.firstByteTimeoutSeconds = index == 0 ? 0.4 : 10
                options.upstreamReadTimeoutSeconds = 0.4
                try await TestServer.runVCR(options) { port, server in
                    let result = try await TestClient.send(port: port, body: TestClient.messagesBody(stream: true))
                    #expect(result.status == item.status, "case \(index): \(result.text)")
                    if let message = item.message {
                        #expect(result.header("content-type") == "application/json")
                        #expect(result.text.hasPrefix(#"{"type":"error","error":{"type":""#) && result.text.contains(message), "\(result.text)")
                    } else {
                        #expect(result.bodyError != nil && result.text == "event:", "the client is cut after what arrived")
                    }
                    #expect(try await eventually { try await storedInteractions(server).count == 1 })
                    let stored = try #require(try await storedInteractions(server).first)
                    #expect(stored.response.outcome == item.outcome, "case \(index)")
                    if item.outcome == .upstreamCut {
                        #expect(stored.response.body == Array("event:".utf8))
                        #expect(stored.response.errorMessage?.contains("no body bytes for 0.4 s") == true, "\(stored.response.errorMessage ?? "")")
                    }
                    #expect(server.stats.snapshot.relayed == 1)
                }
            }
        }
    }

    @Test("a client that leaves before the upstream answers: the upstream request is dropped and stored as client_abort")
    func clientLeavesBeforeHead() async throws {
        let dir = try temporaryDirectory()
        try await RawUpstream([.hang]).run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                let client = Task { try await TestClient.send(port: port, body: TestClient.messagesBody()) }
                // Leave once the request is being relayed (a loaded machine can take a while to send it).
                #expect(try await eventually(seconds: 20) { server.stats.snapshot.relayed == 1 })
                try await Task.sleep(for: .milliseconds(100))
                client.cancel()
                _ = try? await client.value
                #expect(try await eventually(seconds: 20) { try await storedInteractions(server).count == 1 })
                let stored = try #require(try await storedInteractions(server).first)
                #expect(stored.response.outcome == .clientAbort && stored.response.status == nil)
                #expect(server.stats.snapshot.relayed == 1)
                let journal = try await TestClient.send(port: port, method: .GET, path: "/__vcr/journal?limit=1")
                #expect(journal.text.contains(#""result":"recorded""#), "\(journal.text)")
            }
        }
    }

    @Test("requests pipelined behind a relayed one are answered in order, by the relay or by Hummingbird")
    func pipelinedBehindRelay() async throws {
        let dir = try temporaryDirectory()
        let fake = FakeOllama { _ in OllamaBytes.streamReply(texts: ["Hel", "lo!"], delayMillis: 30) }
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                let body = TestClient.messagesBody(stream: true)
                func request(_ extra: String) -> String {
                    "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\(extra)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
                }
                // Relayed; then one Hummingbird answers (a bad fault header: 400); then one that closes.
                let answers = try await RawClient.exchange(
                    port: port, writes: [request("") + request("x-vcr-fault: explode\r\n") + request("Connection: close\r\n")])
                let statuses = answers.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
                #expect(statuses == ["200", "400", "200"], "\(answers)")
                #expect(answers.contains(#"{"type":"error","error":{"type":"invalid_request_error","message":"messages-vcr: x-vcr-fault: "#), "\(answers)")
                #expect(answers.components(separatedBy: "event: message_stop").count - 1 == 2)
                #expect(server.stats.snapshot.relayed == 1)
                #expect(try await eventually { try await storedInteractions(server).count == 2 })
            }
        }
    }

    @Test("a 4 MB streamed answer read slowly arrives whole and in order, and is stored whole")
    func largeBodySlowReader() async throws {
        let dir = try temporaryDirectory()
        let piece = Array(repeating: UInt8(ascii: "x"), count: 64 * 1024)
        let fake = FakeOllama { _ in
            FakeReply(status: 200, headers: [("Content-Type", "application/octet-stream")], parts: (0..<64).map { _ in .bytes(piece) })
        }
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                let result = try await TestClient.send(port: port, body: TestClient.messagesBody()) { _ in
                    try? await Task.sleep(nanoseconds: 2_000_000)
                }
                #expect(result.status == 200 && result.body.count == 64 * piece.count && result.bodyError == nil)
                #expect(server.stats.snapshot.relayed == 1)
                let stored = try #require(try await storedInteractions(server).first)
                #expect(stored.response.body.count == 64 * piece.count && stored.response.outcome == .complete)
            }
        }
    }
}
