import Foundation
@testable import MessagesVCR
import Testing

/// `messages-vcr verify`: recorded requests sent again to a live server, answers compared by shape.
@Suite("Verify")
struct VerifyTests {
    static func recorded(_ reply: @escaping @Sendable () -> FakeReply, in dir: String) async throws -> [Interaction] {
        try await recordSession(directory: dir, fake: FakeOllama { _ in reply() }) { port in
            _ = try await TestClient.send(port: port, body: TestClient.messagesBody(text: "weather in Paris", stream: true))
        }
        return try await CassetteTool.open(directory: dir, cassette: "test").all()
    }

    @Test("the server that made a cassette verifies it (other text, same shape); another server, an edited recording or a slow one differ, each aspect named")
    func verifyAgainstLiveServers() async throws {
        var made = try await Self.recorded({ LlamacppBytes.streamReply() }, in: try temporaryDirectory())
        #expect(made.count == 1)
        // A recording 1 ms to every chunk, whatever the load was while it was made: load can only make the live side slower.
        made[0].response.chunks = made[0].response.chunks.map { BodyChunk(byteOffset: $0.byteOffset, length: $0.length, offsetNanos: 1_000_000) }
        made[0].response.ttfbNanos = 1_000_000
        let llama = made
        let anyPace = ShapeComparison.TimingBounds(factor: 1e6, slackMillis: 60_000)
        let otherText = LlamacppBytes.toolStreamFrames.map { $0.replacingOccurrences(of: "1 <2> & 3", with: "something else entirely") }
        let sameShape = FakeOllama { _ in FakeReply(status: 200, headers: LlamacppBytes.streamHeaders, parts: otherText.map { .bytes(Array($0.utf8)) }) }
        try await sameShape.run { port in
            let verdicts = try await CassetteVerifier.verify(llama, upstream: try UpstreamTarget(url: "http://127.0.0.1:\(port)"), bounds: anyPace)
            #expect(verdicts.count == 1 && verdicts[0].agrees, "\(CassetteVerifier.table(verdicts))")
            #expect(CassetteVerifier.table(verdicts).last == "1 interactions verified, 0 differ")
        }
        // The Ollama server answering the same request: another server, ids, grammar and usage keys.
        let ollama = FakeOllama { _ in OllamaBytes.reply(frames: OllamaBytes.toolStreamFrames(toolID: "call_0lb7x2k9", text: "x", name: "get_weather", input: "{}")) }
        try await ollama.run { port in
            let verdict = try await CassetteVerifier.verify(llama, upstream: try UpstreamTarget(url: "http://127.0.0.1:\(port)"), bounds: anyPace)[0]
            #expect(!verdict.agrees)
            let differing = Set(verdict.rows.filter { !$0.agrees }.map(\.aspect))
            #expect(differing == ["server", "headers", "events", "ids", "usage keys"], "\(differing)")
            #expect(verdict.rows.first { $0.aspect == "ids" }?.live == "message msg_ + 24 hex, tool call_…")
        }
        // A slow server: first byte beyond the factor and the slack (600 ms against 1 ms; load only adds to it).
        let slow = FakeOllama { _ in FakeReply(status: 200, headers: LlamacppBytes.streamHeaders, parts: otherText.enumerated().map { .bytes(Array($1.utf8), delayMillis: $0 == 0 ? 600 : 0) }) }
        try await slow.run { port in
            let bounds = ShapeComparison.TimingBounds(factor: 2, slackMillis: 100)
            let verdict = try await CassetteVerifier.verify(llama, upstream: try UpstreamTarget(url: "http://127.0.0.1:\(port)"), bounds: bounds)[0]
            #expect(verdict.rows.filter { !$0.agrees }.map(\.aspect) == ["first byte"], "\(verdict.rows)")
        }
        // An unreachable server is a verdict with its reason, not a crash.
        let gone = try await CassetteVerifier.verify(llama, upstream: try UpstreamTarget(url: "http://127.0.0.1:1"), timeoutSeconds: 5)
        #expect(gone.count == 1 && !gone[0].agrees && gone[0].failure != nil && gone[0].rows.isEmpty)
    }

    @Test("shape, not text: a non-streamed answer's keys, block types, id shapes and usage keys; an error body's keys")
    func jsonShapes() {
        let response = { (body: String, headers: [(String, String)]) in
            RecordedResponse(
                status: 200, headers: HeaderList(pairs: headers), body: Array(body.utf8), chunks: [], frames: [], ttfbNanos: 1_000_000, durationNanos: 0,
                outcome: .complete)
        }
        let llama = response(LlamacppBytes.messageBody, [("Server", "llama.cpp"), ("Content-Type", "application/json; charset=utf-8")])
        let edited = response(LlamacppBytes.messageBody.replacingOccurrences(of: #""cache_read_input_tokens":0,"#, with: ""), [("Server", "llama.cpp"), ("Content-Type", "application/json; charset=utf-8")])
        let rows = ShapeComparison.compare(recorded: llama, live: edited)
        #expect(rows.filter { !$0.agrees }.map(\.aspect) == ["usage keys"])
        #expect(rows.first { $0.aspect == "keys" }?.recorded == "id,type,role,content,model,stop_reason,stop_sequence,usage")
        let same = ShapeComparison.compare(recorded: llama, live: llama).filter { !$0.agrees }
        #expect(same.isEmpty)
    }
}
