import Foundation
@testable import MessagesVCR
import NIOConcurrencyHelpers
import Testing

/// Recordings remember the session they were made in, so each test of a suite replays exactly what
/// it recorded, in any order or subset, even when two tests send the identical request.
@Suite("Session isolation")
struct SessionIsolationTests {
    @Test("two sessions send the identical request and get different answers; replayed in reverse order, alone, or by path prefix, each gets its own")
    func ownRecordingsFirst() async throws {
        let dir = try temporaryDirectory()
        let counter = NIOLockedValueBox(0)
        let fake = FakeOllama { _ in
            let n = counter.withLockedValue { $0 += 1; return $0 }
            return OllamaBytes.messageReply(text: "answer \(n)")
        }
        let body = TestClient.messagesBody(text: "same question")
        try await recordSession(directory: dir, fake: fake) { port in
            let a = try await TestClient.send(port: port, headers: [("x-vcr-session", "test_a")], body: body)
            let b1 = try await TestClient.send(port: port, path: "/s/test_b/v1/messages", body: body)
            let b2 = try await TestClient.send(port: port, path: "/c/test/s/test_b/v1/messages", body: body)
            #expect(a.text.contains("answer 1") && b1.text.contains("answer 2") && b2.text.contains("answer 3"))
        }
        let stored = try await CassetteStore(path: dir + "/test.sqlite", mode: .existing).all()
        #expect(stored.map(\.session) == ["test_a", "test_b", "test_b"])
        try await replaySession(directory: dir) { port, _ in
            // test_b first, by header this time, then test_a: each its own, in its own order.
            let b1 = try await TestClient.send(port: port, headers: [("x-vcr-session", "test_b")], body: body)
            let b2 = try await TestClient.send(port: port, path: "/c/test/s/test_b/v1/messages", body: body)
            let a = try await TestClient.send(port: port, path: "/s/test_a/v1/messages", body: body)
            #expect(b1.text.contains("answer 2") && b2.text.contains("answer 3") && a.text.contains("answer 1"), "\(b1.text) \(b2.text) \(a.text)")
            // A session that recorded nothing shares every recording, in order.
            let other = try await TestClient.send(port: port, headers: [("x-vcr-session", "new")], body: body)
            #expect(other.text.contains("answer 1"))
            let bad = try await TestClient.send(port: port, path: "/s/no%20spaces/v1/messages", body: body)
            #expect(bad.status == 400)
            #expect(bad.text.contains("invalid session name"))
        }
        // The session survives an export and an import.
        let export = CassetteExport.encode(stored)
        #expect(String(decoding: export, as: UTF8.self).contains(#""session": "test_b""#))
        #expect(try CassetteExport.decode(export).interactions.map(\.session) == ["test_a", "test_b", "test_b"])
    }
}
