import Foundation
import GRDB
@testable import MessagesVCR
import Testing

/// One error boundary: whatever a route throws reaches the client as an Anthropic-shaped error,
/// the log at error level, the journal and the counters. And the bugs found reading the code.
@Suite("Error boundary")
struct ErrorBoundaryTests {
    /// A recorded non-streaming answer in `DIR/test.sqlite`.
    static func recorded() async throws -> String {
        let dir = try temporaryDirectory()
        try await recordSession(directory: dir, fake: FakeOllama()) { (port: Int) async throws in
            #expect(try await TestClient.send(port: port, body: TestClient.messagesBody()).status == 200)
        }
        return dir
    }

    static func journal(_ port: Int) async throws -> String {
        try await TestClient.send(port: port, method: .GET, path: "/__vcr/journal").text
    }

    @Test("a database error during replay is a JSON 500 with its message, logged at error level, journaled and counted")
    func databaseError() async throws {
        let dir = try await Self.recorded()
        let queue = try patientQueue(dir + "/test.sqlite")
        try await queue.write { db in try db.execute(sql: "DROP TABLE chunk") }
        try queue.close()
        let log = CapturedLog()
        var options = try serveOptions(mode: .replay, directory: dir)
        options.timing = .instant
        try await TestServer.runVCR(options, logger: log.logger) { port, server in
            let result = try await TestClient.send(port: port, body: TestClient.messagesBody())
            #expect(result.status == 500)
            #expect(result.header("content-type") == "application/json")
            #expect(result.text.hasPrefix(#"{"type":"error","error":{"type":"api_error","message":"messages-vcr: internal error: DatabaseError: SQLite error 1: no such table: chunk"#), "\(result.text)")
            #expect(log.messages(at: .error).contains { $0.contains("POST /v1/messages 500: messages-vcr: internal error: DatabaseError") }, "\(log.messages(at: .error))")
            let journal = try await Self.journal(port)
            #expect(journal.contains(#""result":"error","status":500,"detail":"messages-vcr: internal error: DatabaseError: SQLite error 1: no such table: chunk"#), "\(journal)")
            #expect(server.stats.snapshot.errors == 1)
        }
    }

    @Test("admin route errors are journaled too; an oversized admin body is a 413, a trickled one a 408")
    func adminErrors() async throws {
        let dir = try temporaryDirectory()
        try await replaySession(directory: dir, configure: { $0.maxBodyBytes = 1024; $0.bodyTimeoutSeconds = 0.5 }) { port, server in
            let big = try await TestClient.send(port: port, path: "/__vcr/synth", body: #"{"interactions":[]}"# + String(repeating: " ", count: 4096))
            #expect(big.status == 413)
            #expect(big.text.hasPrefix(#"{"type":"error","error":{"type":"request_too_large","message":"messages-vcr: request body is larger than --max-body-bytes (1024 bytes)"}"#), "\(big.text)")
            let notJSON = try await TestClient.send(port: port, path: "/__vcr/faults", body: "spec=status=500")
            #expect(notJSON.status == 400 && notJSON.text.contains(#"POST /__vcr/faults takes {\"spec\": \"...\", \"count\": N, \"session\": \"...\"}: the body is not JSON"#))

            let slow = try SlowSocket(port: port)
            try slow.send("POST /__vcr/synth HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
            for _ in 0..<6 {
                try await Task.sleep(for: .milliseconds(150))
                try? slow.send(" ")
            }
            let answer = await slow.readAll(seconds: 3)
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(200))")
            #expect(answer.contains(#""type":"timeout_error","message":"messages-vcr: the request body did not arrive within 0.5 s""#))

            let journal = try await Self.journal(port)
            #expect(journal.contains(#""method":"POST","path":"/__vcr/synth","cassette":"test","result":"error","status":413"#), "\(journal)")
            #expect(journal.contains(#""path":"/__vcr/synth","cassette":"test","result":"error","status":408"#))
            #expect(server.stats.snapshot.errors == 3)
        }
    }

    @Test("a failed index load is not kept: once the cassette is mended, the next request loads it again")
    func indexReload() async throws {
        let dir = try await Self.recorded()
        let path = dir + "/test.sqlite"
        let queue = try patientQueue(path)
        let hash = try await queue.writeWithoutTransaction { db -> String in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            let hash = try String.fetchOne(db, sql: "SELECT request_body_hash FROM interaction")!
            // Stale match keys make the index read each request body; this one points nowhere.
            try db.execute(sql: "UPDATE interaction SET match_rules = NULL, request_body_hash = 'gone'")
            return hash
        }
        try await replaySession(directory: dir, configure: { $0.timing = .instant }) { port, _ in
            let broken = try await TestClient.send(port: port, body: TestClient.messagesBody())
            #expect(broken.status == 500)
            #expect(broken.text.contains("messages-vcr: internal error: body gone is missing"), "\(broken.text)")
            try await queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                try db.execute(sql: "UPDATE interaction SET request_body_hash = ?", arguments: [hash])
            }
            let mended = try await TestClient.send(port: port, body: TestClient.messagesBody())
            #expect(mended.status == 200, "\(mended.text)")
        }
        try queue.close()
    }

    @Test("auto mode with /c/NAME/ where only NAME.json exists: a 409 naming the file; the export is untouched and no .sqlite appears")
    func autoIntoJSONExport() async throws {
        let dir = try await Self.recorded()
        let export = try await CommandLineTests.run(["export", "--cassette-dir", dir, "--cassette", "test"])
        #expect(export.status == 0)
        try Data(export.stdout.utf8).write(to: URL(fileURLWithPath: dir + "/exported.json"))
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/exported.json"))
        try await FakeOllama().run { upstreamPort in
            try await TestServer.runVCR(try serveOptions(mode: .auto, directory: dir, upstreamPort: upstreamPort)) { port, _ in
                let hit = try await TestClient.send(port: port, path: "/c/exported/v1/messages", body: TestClient.messagesBody())
                #expect(hit.status == 200, "a recording in the export still replays")
                let miss = try await TestClient.send(port: port, path: "/c/exported/v1/messages", body: TestClient.messagesBody(text: "new"))
                #expect(miss.status == 409)
                #expect(miss.text.contains("messages-vcr: cassette \(dir)/exported.json is a JSON export and read-only: it cannot take a recording (messages-vcr import \(dir)/exported.json makes a .sqlite cassette that can)"), "\(miss.text)")
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/exported.json")) == before)
        #expect(!FileManager.default.fileExists(atPath: dir + "/exported.sqlite"))
    }

    @Test("--redact patterns match non-ASCII text, and the replaced ranges are the right bytes")
    func nonASCIIRedaction() throws {
        let redactor = try Redactor(extra: [#"(?<=clé=)\w+"#, "🔑[a-z]+"])
        let text = #"{"text":"é 🙂 clé=sésame and 🔑abc, ok"}"#
        #expect(redactor.redact(text) == #"{"text":"é 🙂 clé=[REDACTED] and [REDACTED], ok"}"#)
        let binary: [UInt8] = [0xff, 0xfe] + Array("sk-ant-abcdefgh".utf8)
        #expect(redactor.redact(binary) == [0xff, 0xfe] + Array("[REDACTED]".utf8), "bytes that are not UTF-8 are still searched")
    }
}

/// A web page must not drive the server: foreign `Host` names (DNS rebinding) and cross-origin
/// admin writes are refused and change nothing.
@Suite("Host and Origin checks")
struct HostOriginTests {
    static let synth = #"{"interactions":[{"request":{"model":"m","max_tokens":8,"messages":[{"role":"user","content":"hi"}]},"answer":{"content":[{"type":"text","text":"injected"}]}}]}"#

    @Test("a foreign Host is a 403 and reaches no route; IP literals, localhost and --allowed-host names are served")
    func foreignHost() async throws {
        let dir = try temporaryDirectory()
        try await replaySession(directory: dir, configure: { $0.allowedHosts = ["vcr.example"] }) { (port: Int, _: VCRServer) async throws in
            let rebound = try await TestClient.send(port: port, path: "/__vcr/synth?cassette=demo", headers: [("Host", "evil.example:\(port)")], body: Self.synth)
            #expect(rebound.status == 403)
            #expect(rebound.text.hasPrefix(#"{"type":"error","error":{"type":"permission_error","message":"messages-vcr: Host \"evil.example\" is not a name of this server (a DNS-rebinding page uses a foreign name): start it with --allowed-host evil.example to accept it"}"#), "\(rebound.text)")
            #expect(try await TestClient.send(port: port, method: .GET, path: "/", headers: [("Host", "evil.example")]).status == 403)
            for host in ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)", "app.localhost", "vcr.example", "VCR.example:1"] {
                #expect(try await TestClient.send(port: port, method: .GET, path: "/", headers: [("Host", host)]).status == 200, "\(host)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/demo.sqlite"), "nothing was written")
        try await replaySession(directory: dir, configure: { $0.allowedHosts = ["*"] }) { (port: Int, _: VCRServer) async throws in
            #expect(try await TestClient.send(port: port, method: .GET, path: "/", headers: [("Host", "anything.example")]).status == 200)
        }
    }

    @Test("an admin write with a foreign Origin is a 403 and writes nothing; its own origin, and reads, are served; --admin-token still applies")
    func crossOriginAdminWrite() async throws {
        let dir = try temporaryDirectory()
        try await replaySession(directory: dir) { port, _ in
            let refused = try await TestClient.send(
                port: port, path: "/__vcr/synth?cassette=demo", headers: [("Origin", "http://evil.example"), ("Content-Type", "text/plain")], body: Self.synth)
            #expect(refused.status == 403)
            #expect(refused.text.contains(#"messages-vcr: admin routes refuse writes from another origin (Origin \"http://evil.example\")"#), "\(refused.text)")
            #expect(refused.header("access-control-allow-origin") == nil)
            #expect(try await TestClient.send(port: port, path: "/__vcr/faults", headers: [("Origin", "null")], body: #"{"spec":"status=500"}"#).status == 403)
            #expect(try await TestClient.send(port: port, method: .GET, path: "/__vcr/health").text.contains(#""faults_queued":0"#))
            #expect(!FileManager.default.fileExists(atPath: dir + "/demo.sqlite"), "nothing was written")
            let own = try await TestClient.send(port: port, path: "/__vcr/synth?cassette=demo", headers: [("Origin", "http://127.0.0.1:\(port)")], body: Self.synth)
            #expect(own.status == 200, "\(own.text)")
            let read = try await TestClient.send(port: port, method: .GET, path: "/__vcr/health", headers: [("Origin", "http://evil.example")])
            #expect(read.status == 200 && read.header("access-control-allow-origin") == nil, "a read gets no CORS grant: the page cannot see it")
        }
        try await replaySession(directory: dir, configure: { $0.adminToken = "t0k" }) { (port: Int, _: VCRServer) async throws in
            #expect(try await TestClient.send(port: port, path: "/__vcr/reset", headers: [("Origin", "http://127.0.0.1:\(port)")]).status == 401)
            #expect(try await TestClient.send(port: port, path: "/__vcr/reset", headers: [("x-vcr-admin-token", "t0k"), ("Origin", "http://evil.example")]).status == 403)
            #expect(try await TestClient.send(port: port, path: "/__vcr/reset", headers: [("x-vcr-admin-token", "t0k")]).status == 200)
        }
    }
}
