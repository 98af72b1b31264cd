import Foundation
import GRDB
@testable import MessagesVCR
import Testing

@Suite("Cassette store")
struct StoreTests {
    /// A Claude Code-like conversation: one long system prompt and tool list, one more message each turn.
    static func turn(_ n: Int, system: String, tools: String) -> [UInt8] {
        let messages = (0..<n).map { i in
            #"{"role":"\#(i % 2 == 0 ? "user" : "assistant")","content":[{"type":"text","text":"message \#(i): \#(String(repeating: "lorem ipsum ", count: 20))"}]}"#
        }
        return Array(#"{"model":"qwen3-coder","max_tokens":32000,"stream":true,"system":[{"type":"text","text":"\#(system)"}],"tools":\#(tools),"messages":[\#(messages.joined(separator: ","))]}"#.utf8)
    }

    @Test("request bodies are stored as shared parts: byte-identical when read, a fraction of their raw size, still plain text")
    func sharedParts() async throws {
        let dir = try temporaryDirectory()
        let system = String(repeating: "You are Claude Code, an interactive CLI tool. ", count: 200)
        let tools = "[" + (0..<20).map { #"{"name":"Tool\#($0)","description":"\#(String(repeating: "does things ", count: 40))","input_schema":{"type":"object"}}"# }.joined(separator: ",") + "]"
        let store = try CassetteStore(path: dir + "/parts.sqlite", mode: .createIfMissing)
        var raw = 0
        var bodies: [[UInt8]] = []
        for n in 1...40 {
            let body = Self.turn(n, system: system, tools: tools)
            bodies.append(body)
            raw += body.count
            let request = RecordedRequest(method: "POST", path: "/v1/messages", query: nil, headers: HeaderList(), body: body)
            let response = RecordedResponse(status: 200, headers: HeaderList(), body: Array("ok".utf8), chunks: [BodyChunk(byteOffset: 0, length: 2, offsetNanos: 1)],
                                            frames: [], ttfbNanos: 1, durationNanos: 1, outcome: .complete)
            try await store.save(Interaction(upstream: nil, request: request, response: response))
        }
        #expect(try await store.all().map(\.request.body) == bodies)
        try store.close()
        let queue = try patientQueue(dir + "/parts.sqlite")
        let stored = try await queue.read { db in try Int.fetchOne(db, sql: "SELECT SUM(length(data)) FROM blob") ?? 0 }
        let parts = try await queue.read { db in try Int.fetchOne(db, sql: "SELECT SUM(length(parts)) / 32 FROM body_parts") ?? 0 }
        try queue.close()
        #expect(parts > 40 * 3)
        #expect(Double(stored) < 0.2 * Double(raw), "stored \(stored) bytes of \(raw) raw")
        let file = try Data(contentsOf: URL(fileURLWithPath: dir + "/parts.sqlite"))
        #expect(file.range(of: Data("message 39: lorem ipsum".utf8)) != nil, "parts stay greppable")

        // Deleting interactions removes the parts nothing else uses, and only those.
        let reopened = try CassetteStore(path: dir + "/parts.sqlite", mode: .existing)
        let ids = try await reopened.ids()
        try await reopened.delete(ids: Array(ids.suffix(20)))
        #expect(try await reopened.all().map(\.request.body) == Array(bodies.prefix(20)))
        try reopened.close()
        let after = try patientQueue(dir + "/parts.sqlite")
        let (lists, orphans, partRows) = try await after.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM body_parts")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blob WHERE size > 0 AND length(data) = 0 AND hash NOT IN (SELECT body_hash FROM body_parts)")!,
             try Int.fetchOne(db, sql: "SELECT SUM(length(parts)) / 32 FROM body_parts")!)
        }
        let partsInUse = try await after.read { db -> Set<String> in
            var used = Set<String>()
            for digests in try Data.fetchAll(db, sql: "SELECT parts FROM body_parts") {
                for start in stride(from: 0, to: digests.count, by: 32) { used.insert(digests[digests.startIndex + start..<digests.startIndex + start + 32].map { String(format: "%02x", $0) }.joined()) }
            }
            return used
        }
        let unusedBlobs = try await after.read { db in
            try String.fetchAll(db, sql: """
                SELECT hash FROM blob WHERE hash NOT IN (SELECT request_body_hash FROM interaction UNION SELECT response_body_hash FROM interaction)
                """).filter { !partsInUse.contains($0) }
        }
        try after.close()
        #expect(lists == 20, "one part list per remaining request body")
        #expect(orphans == 0, "no whole-body row is left without its parts")
        #expect(unusedBlobs.isEmpty, "no blob is left that nothing uses: \(unusedBlobs.prefix(3))")
        #expect(partRows < parts, "the deleted bodies' own parts are gone")
    }

    @Test("a response body identical to a split request body survives deleting that request's interaction")
    func sharedResponseBody() async throws {
        let dir = try temporaryDirectory()
        let store = try CassetteStore(path: dir + "/echo.sqlite", mode: .createIfMissing)
        let system = String(repeating: "You are an echo. ", count: 200)
        let body = Self.turn(3, system: system, tools: "[]")
        let ok = RecordedResponse(status: 200, headers: HeaderList(), body: Array("ok".utf8), chunks: [BodyChunk(byteOffset: 0, length: 2, offsetNanos: 1)],
                                  frames: [], ttfbNanos: 1, durationNanos: 1, outcome: .complete)
        let echo = RecordedResponse(status: 200, headers: HeaderList(), body: body, chunks: [BodyChunk(byteOffset: 0, length: body.count, offsetNanos: 1)],
                                    frames: [], ttfbNanos: 1, durationNanos: 1, outcome: .complete)
        let first = try await store.save(Interaction(upstream: nil, request: RecordedRequest(method: "POST", path: "/v1/messages", query: nil, headers: HeaderList(), body: body), response: ok))
        let second = try await store.save(Interaction(upstream: nil, request: RecordedRequest(method: "POST", path: "/v1/other", query: nil, headers: HeaderList(), body: Array("{}".utf8)), response: echo))
        #expect(try await store.delete(ids: [first.id]) == 1)
        #expect(try await store.interaction(id: second.id)?.response.body == body)
        try store.close()
        let queue = try patientQueue(dir + "/echo.sqlite")
        let lists = try await queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM body_parts WHERE body_hash = ?", arguments: [SHA256.hex(body)])! }
        try queue.close()
        #expect(lists == 1, "the part list the response body reads through is kept")
    }

    @Test("small, non-object and malformed bodies are stored whole", arguments: ["{}", "[1,2,3]", "not json", #"{"messages":[1,2"#])
    func wholeBodies(text: String) async throws {
        let dir = try temporaryDirectory()
        let store = try CassetteStore(path: dir + "/whole.sqlite", mode: .createIfMissing)
        let body = Array((text + String(repeating: " ", count: 5000)).utf8)
        let request = RecordedRequest(method: "POST", path: "/v1/messages", query: nil, headers: HeaderList(), body: body)
        let response = RecordedResponse(status: 200, headers: HeaderList(), body: [], chunks: [], frames: [], ttfbNanos: 1, durationNanos: 1, outcome: .complete)
        try await store.save(Interaction(upstream: nil, request: request, response: response))
        #expect(try await store.all().first?.request.body == body)
        try store.close()
        let queue = try patientQueue(dir + "/whole.sqlite")
        let (lists, stored) = try await queue.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM body_parts")!,
             try Data.fetchOne(db, sql: "SELECT data FROM blob WHERE hash = ?", arguments: [SHA256.hex(body)]))
        }
        try queue.close()
        #expect(lists == 0, "no part list")
        #expect(stored.map { [UInt8]($0) } == body, "one blob row holds the whole body")
    }

    @Test("several openers of one new cassette at once (two recording servers, xdist workers) all succeed")
    func concurrentCreation() async throws {
        for round in 0..<10 {
            let path = try temporaryDirectory() + "/race-\(round).sqlite"
            let results = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<6 {
                    group.addTask { try await offThePool { do { _ = try CassetteStore(path: path, mode: .createIfMissing); return "ok" } catch { return "\(error)" } } }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0 == "ok" }, "round \(round): \(results)")
        }
    }
}
