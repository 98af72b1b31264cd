import Foundation
@testable import MessagesVCR
import NIOConcurrencyHelpers
import Testing

@Suite("Recording proxy")
struct RecordingProxyTests {
    @Test("a non-streamed answer passes through byte for byte and is stored whole")
    func nonStreamed() async throws {
        let dir = try temporaryDirectory()
        let fake = FakeOllama()
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                let body = TestClient.messagesBody()
                let result = try await TestClient.send(
                    port: port, path: "/v1/messages?beta=true", headers: [("anthropic-version", "2023-06-01")], body: body)
                #expect(result.status == 200)
                #expect(result.text == OllamaBytes.messageBody(text: "Hello!"))
                #expect(result.header("content-length") == String(OllamaBytes.messageBody(text: "Hello!").utf8.count))
                #expect(result.header("content-type") == "application/json")

                let stored = try await storedInteractions(server)
                try #require(stored.count == 1)
                let interaction = stored[0]
                #expect(interaction.seq == 1)
                #expect(interaction.request.method == "POST")
                #expect(interaction.request.path == "/v1/messages")
                #expect(interaction.request.query == "beta=true")
                #expect(interaction.request.body == Array(body.utf8))
                #expect(interaction.request.model == "qwen3-coder")
                #expect(interaction.request.stream == false)
                #expect(interaction.request.headers["anthropic-version"] == "2023-06-01")
                #expect(interaction.response.status == 200)
                #expect(interaction.response.outcome == .complete)
                #expect(interaction.response.body == result.body)
                #expect(interaction.response.chunks.flatMap { interaction.response.bytes(of: $0) } == result.body)
                #expect(interaction.response.headers["content-type"] == "application/json")
                #expect(interaction.response.frames.isEmpty)
                #expect(interaction.upstream == "http://127.0.0.1:\(upstreamPort)")
                #expect((interaction.response.ttfbNanos ?? 0) > 0)
                #expect(interaction.response.durationNanos >= interaction.response.ttfbNanos ?? 0)
                #expect(fake.requests.first?.query == "beta=true")
            }
        }
    }

    @Test("a stream is stored as its chunks with offsets and its SSE frames")
    func streamed() async throws {
        let dir = try temporaryDirectory()
        let fake = FakeOllama { _ in OllamaBytes.streamReply(texts: ["Hel", "lo!"], delayMillis: 30) }
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                let result = try await TestClient.send(port: port, body: TestClient.messagesBody(stream: true))
                let expected = OllamaBytes.textStreamFrames(texts: ["Hel", "lo!"])
                #expect(result.status == 200)
                #expect(result.header("content-type") == "text/event-stream")
                #expect(result.header("cache-control") == "no-cache")
                #expect(result.text == expected.joined())

                let interaction = try #require(try await storedInteractions(server).first)
                #expect(interaction.request.stream == true)
                #expect(interaction.response.chunks.count == expected.count)
                #expect(interaction.response.chunks.map { String(decoding: interaction.response.bytes(of: $0), as: UTF8.self) } == expected)
                let offsets = interaction.response.chunks.map(\.offsetNanos)
                #expect(offsets == offsets.sorted())
                // 30 ms before each of 7 frames: the last arrives ≥ 7 × 30 ms after the request was sent.
                #expect(offsets.last! >= 200_000_000)
                #expect(interaction.response.frames.map(\.event) == [
                    "message_start", "content_block_start", "content_block_delta", "content_block_delta",
                    "content_block_stop", "message_delta", "message_stop",
                ])
                #expect(String(decoding: interaction.response.frames[2].data, as: UTF8.self)
                    == #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}"#)
                #expect(interaction.response.frames.map(\.offsetNanos) == offsets)
                #expect(interaction.response.frames.last!.byteRange.upperBound == interaction.response.body.count)
            }
        }
    }

    @Test("frames split across chunks and merged into one chunk are parsed the same")
    func splitAndMergedFrames() async throws {
        let dir = try temporaryDirectory()
        let frames = OllamaBytes.textStreamFrames(texts: ["a <b> & \\u003c", "c"])
        let all = Array(frames.joined().utf8)
        // Part 1: half of frame 0. Part 2: rest of frame 0 + frames 1–2 + first 5 bytes of frame 3. Part 3: the rest.
        let cut1 = frames[0].utf8.count / 2
        let cut2 = frames[0...2].map(\.utf8.count).reduce(0, +) + 5
        let fake = FakeOllama { _ in
            FakeReply(status: 200, headers: OllamaBytes.streamHeaders, parts: [
                .bytes(Array(all[..<cut1]), delayMillis: 0), .bytes(Array(all[cut1..<cut2]), delayMillis: 40),
                .bytes(Array(all[cut2...]), delayMillis: 40),
            ])
        }
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                let result = try await TestClient.send(port: port, body: TestClient.messagesBody(stream: true))
                #expect(result.body == all)
                let interaction = try #require(try await storedInteractions(server).first)
                #expect(interaction.response.chunks.map(\.length) == [cut1, cut2 - cut1, all.count - cut2])
                let parsed = interaction.response.frames
                #expect(parsed.count == frames.count)
                var offset = 0
                for (frame, text) in zip(parsed, frames) {
                    #expect(frame.byteRange == offset..<(offset + text.utf8.count))
                    let data = text.split(separator: "\n")[1].dropFirst("data: ".count)
                    #expect(frame.data == Array(data.utf8))
                    offset += text.utf8.count
                }
                // Frame 0 completes in chunk 1, frames 1–2 too; the rest in chunk 2.
                let chunkOffsets = interaction.response.chunks.map(\.offsetNanos)
                #expect(parsed.map(\.offsetNanos) == [chunkOffsets[1], chunkOffsets[1], chunkOffsets[1]] + Array(repeating: chunkOffsets[2], count: frames.count - 3))
            }
        }
    }

    @Test("the client sees the first event while the upstream is still producing the rest")
    func notBuffered() async throws {
        let dir = try temporaryDirectory()
        let gate = Gate()
        let frames = OllamaBytes.textStreamFrames(texts: ["x"])
        let fake = FakeOllama { _ in
            FakeReply(status: 200, headers: OllamaBytes.streamHeaders,
                      parts: [.bytes(Array(frames[0].utf8)), .wait(gate)] + frames.dropFirst().map { .bytes(Array($0.utf8)) })
        }
        let valveFired = NIOLockedValueBox(false)
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, _ in
                // If the proxy buffered, no chunk would reach the client until the upstream finished, which it
                // cannot do before the gate opens: a safety valve opens it after 5 s, and the test fails below.
                let valve = Task {
                    try await Task.sleep(for: .seconds(5))
                    valveFired.withLockedValue { $0 = true }
                    gate.open()
                }
                let result = try await TestClient.send(port: port, body: TestClient.messagesBody(stream: true)) { _ in gate.open() }
                valve.cancel()
                #expect(result.text == frames.joined())
                #expect(result.chunks.first.map { String(decoding: $0, as: UTF8.self) } == frames[0])
            }
        }
        #expect(valveFired.withLockedValue { !$0 }, "the first event only arrived after the upstream finished")
    }

    @Test("x-api-key, authorization and cookies are forwarded but never written to disk")
    func secretsNeverStored() async throws {
        let dir = try temporaryDirectory()
        let fake = FakeOllama { _ in
            var reply = OllamaBytes.messageReply(text: "ok")
            reply.headers.append(("Set-Cookie", "session=cookie-value-789"))
            return reply
        }
        let secrets = ["sk-ant-api03-secret-value-123", "Bearer token-value-456", "cookie-value-789", "proxy-secret-000"]
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                let result = try await TestClient.send(port: port, headers: [
                    ("x-api-key", secrets[0]), ("Authorization", secrets[1]), ("Cookie", "a=cookie-value-789"),
                    ("Proxy-Authorization", secrets[3]), ("anthropic-version", "2023-06-01"),
                ], body: TestClient.messagesBody())
                #expect(result.status == 200)
                let received = try #require(fake.requests.first)
                #expect(received.header("x-api-key") == secrets[0])
                #expect(received.header("authorization") == secrets[1])
                #expect(received.header("proxy-authorization") == nil)  // hop-by-hop
                let interaction = try #require(try await storedInteractions(server).first)
                #expect(interaction.request.headers["anthropic-version"] == "2023-06-01")
                #expect(interaction.request.headers["x-api-key"] == nil)
                #expect(interaction.response.headers["set-cookie"] == nil)
            }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(files.contains("test.sqlite"))
        for file in files {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
            for secret in secrets { #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) found in \(file)") }
        }
    }

    @Test("the upstream gets its own Host, no hop-by-hop headers, everything else as sent")
    func forwardedHeaders() async throws {
        let dir = try temporaryDirectory()
        let fake = FakeOllama()
        try await fake.run { upstreamPort in
            var options = try serveOptions(mode: .passthrough, directory: dir, upstreamPort: upstreamPort)
            options.allowedHosts = ["example.com"]
            try await TestServer.runVCR(options) { port, _ in
                _ = try await TestClient.send(port: port, headers: [
                    ("Host", "example.com"), ("Connection", "keep-alive, x-hop"), ("X-Hop", "1"), ("TE", "trailers"),
                    ("X-Custom", "kept"), ("anthropic-beta", "tools-2024"),
                ], body: TestClient.messagesBody())
                let received = try #require(fake.requests.first)
                #expect(received.header("host") == "127.0.0.1:\(upstreamPort)")
                #expect(received.header("x-hop") == nil)
                #expect(received.header("te") == nil)
                #expect(received.header("x-custom") == "kept")
                #expect(received.header("anthropic-beta") == "tools-2024")
                #expect(received.body == Array(TestClient.messagesBody().utf8))
            }
        }
        // passthrough stores nothing
        #expect(!FileManager.default.fileExists(atPath: dir + "/test.sqlite"))
    }

    @Test("every method and path is forwarded, and the upstream's 404/405/307 answers are recorded")
    func everyPathForwarded() async throws {
        let dir = try temporaryDirectory()
        let fake = FakeOllama { request in
            switch (request.method, request.path) {
            case ("POST", "/v1/messages/count_tokens"):
                return FakeReply(status: 404, headers: [("Content-Type", "text/plain")], parts: [.bytes(Array("404 page not found".utf8))], fixedLength: true)
            case ("POST", "/v1/messages/"):
                return FakeReply(status: 307, headers: [("Location", "/v1/messages")], fixedLength: true)
            default:
                return FakeReply(status: 405, headers: [("Allow", "POST"), ("Content-Type", "text/plain")], parts: [.bytes(Array("405 method not allowed".utf8))], fixedLength: true)
            }
        }
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                let notFound = try await TestClient.send(port: port, path: "/v1/messages/count_tokens", body: "{}")
                #expect(notFound.status == 404)
                #expect(notFound.text == "404 page not found")
                let redirect = try await TestClient.send(port: port, path: "/v1/messages/", body: "{}")
                #expect(redirect.status == 307)
                #expect(redirect.header("location") == "/v1/messages")
                let notAllowed = try await TestClient.send(port: port, method: .DELETE, path: "/v1/messages")
                #expect(notAllowed.status == 405)
                #expect(notAllowed.header("allow") == "POST")
                let stored = try await storedInteractions(server)
                #expect(stored.map(\.response.status) == [404, 307, 405])
                #expect(stored.map(\.request.method) == ["POST", "POST", "DELETE"])
            }
        }
    }

    @Test("upstream down: 502 with an Anthropic-shaped api_error, recorded as upstream_error")
    func upstreamDown() async throws {
        let dir = try temporaryDirectory()
        let deadPort = try await FakeOllama().run { $0 }  // a port that was just closed
        try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: deadPort)) { port, server in
            let result = try await TestClient.send(port: port, body: TestClient.messagesBody())
            #expect(result.status == 502)
            #expect(result.header("content-type") == "application/json")
            let pattern = #"^\{"type":"error","error":\{"type":"api_error","message":"messages-vcr: upstream http://127\.0\.0\.1:\#(deadPort) unreachable: connection refused"\},"request_id":"req_[0-9a-f]{24}"\}$"#
            #expect(result.text.range(of: pattern, options: .regularExpression) != nil, "\(result.text)")
            let stored = try await storedInteractions(server)
            #expect(stored.map(\.response.outcome) == [.upstreamError])
            #expect(stored.first?.response.status == nil)
        }
    }

    @Test("upstream cuts mid-stream: the client is cut too, the partial stream is stored as upstream_cut")
    func upstreamCut() async throws {
        let dir = try temporaryDirectory()
        let frames = OllamaBytes.textStreamFrames(texts: ["Hel", "lo!"])
        let fake = FakeOllama { _ in
            FakeReply(status: 200, headers: OllamaBytes.streamHeaders,
                      parts: frames.prefix(3).map { .bytes(Array($0.utf8), delayMillis: 20) } + [.cut])
        }
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                let result = try await TestClient.send(port: port, body: TestClient.messagesBody(stream: true))
                #expect(result.status == 200)
                #expect(result.bodyError != nil)
                #expect(result.text == frames.prefix(3).joined())
                #expect(!result.text.contains("message_stop"))
                #expect(try await eventually { try await storedInteractions(server).count == 1 })
                let interaction = try #require(try await storedInteractions(server).first)
                #expect(interaction.response.outcome == .upstreamCut)
                #expect(interaction.response.body == Array(frames.prefix(3).joined().utf8))
                #expect(interaction.response.frames.count == 3)
            }
        }
    }

    @Test("client goes away mid-stream: the upstream request is cancelled, stored as client_abort")
    func clientAbort() async throws {
        let dir = try temporaryDirectory()
        let frames = OllamaBytes.textStreamFrames(texts: Array(repeating: "tick", count: 40))
        let fake = FakeOllama { _ in
            FakeReply(status: 200, headers: OllamaBytes.streamHeaders, parts: frames.map { .bytes(Array($0.utf8), delayMillis: 50) })
        }
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                let reader = Task {
                    try await TestClient.send(port: port, body: TestClient.messagesBody(stream: true)) { chunk in
                        if String(decoding: chunk, as: UTF8.self).contains("content_block_delta") {
                            withUnsafeCurrentTask { $0?.cancel() }
                        }
                    }
                }
                _ = try? await reader.value
                #expect(try await eventually { try await storedInteractions(server).count == 1 })
                let interaction = try #require(try await storedInteractions(server).first)
                #expect(interaction.response.outcome == .clientAbort)
                #expect(interaction.response.frames.count < frames.count)
                #expect(try await eventually { fake.abandonedReplies == 1 })
            }
        }
    }

    @Test("50 concurrent streaming recordings into one cassette all land")
    func concurrentRecordings() async throws {
        let dir = try temporaryDirectory()
        let fake = FakeOllama { _ in OllamaBytes.streamReply(texts: ["a", "b", "c"], delayMillis: 5) }
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for i in 0..<50 {
                        group.addTask {
                            try await TestClient.send(port: port, body: TestClient.messagesBody(text: "request \(i)", stream: true)).status
                        }
                    }
                    for try await status in group { #expect(status == 200) }
                }
                let stored = try await storedInteractions(server)
                #expect(stored.count == 50)
                #expect(Set(stored.map(\.seq)) == Set(1...50))
                #expect(Set(stored.compactMap { RequestSummary(body: $0.request.body).firstUserText }).count == 50)
                #expect(stored.allSatisfy { $0.response.outcome == .complete && $0.response.frames.count == 8 })
            }
        }
    }

    @Test("/c/NAME/ selects (and creates) a cassette; a name that could leave the folder is a 400")
    func cassettePrefix() async throws {
        let dir = try temporaryDirectory()
        let fake = FakeOllama()
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                let result = try await TestClient.send(port: port, path: "/c/my-test/v1/messages?beta=true", body: TestClient.messagesBody())
                #expect(result.status == 200)
                #expect(fake.requests.last?.path == "/v1/messages")
                let store = try CassetteStore(path: dir + "/my-test.sqlite", mode: .existing)
                let stored = try await store.all()
                #expect(stored.map(\.request.path) == ["/v1/messages"])
                #expect(try await storedInteractions(server).isEmpty)

                for bad in ["/c/../x/v1/messages", "/c/a%2Fb/v1/messages", "/c/\(String(repeating: "n", count: 101))/v1/messages", "/c//v1/messages"] {
                    let refused = try await TestClient.send(port: port, path: bad, body: TestClient.messagesBody())
                    #expect(refused.status == 400, "\(bad)")
                    #expect(refused.text.hasPrefix(#"{"type":"error","error":{"type":"invalid_request_error","message":"messages-vcr: invalid cassette name"#), "\(bad)")
                }
                #expect(fake.requestCount == 1)
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".sqlite") }.sorted() == ["my-test.sqlite", "test.sqlite"])
    }
}

/// The interactions in a server's default cassette.
func storedInteractions(_ server: VCRServer) async throws -> [Interaction] {
    try await server.registry.store(for: server.registry.defaultCassette, mode: .existing).all()
}

/// The chunks a paced replay of the default cassette's first recording writes as `flavor`
/// answers, read from the recording the server's engine prepares: how a client's reads cut a
/// stream is the client's choice (its read buffer adapts to the sizes it has seen), so they cannot
/// show the boundaries.
func replayedChunks(_ server: VCRServer, as flavor: Flavor) async throws -> [String] {
    let store = try await server.registry.store(for: server.registry.defaultCassette, mode: .existing)
    let interaction = try #require(try await store.all().first)
    let prepared = try await server.engine.prepare(interaction.id, in: store, as: flavor)
    return prepared.chunks.filter { $0.readableBytes > 0 }.map { String(buffer: $0) }
}
