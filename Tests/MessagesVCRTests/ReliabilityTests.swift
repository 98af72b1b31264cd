import Foundation
import GRDB
@testable import MessagesVCR
import NIOConcurrencyHelpers
import Testing

@Suite("Reliability and security")
struct ReliabilityTests {
    @Test("sk-ant- keys, Bearer tokens and --redact patterns never reach disk or exports; a redacted recording replays redacted and still matches")
    func redaction() async throws {
        let dir = try temporaryDirectory()
        let key = "sk-ant-api03-Zq9xK2mP7vL4tR8wY1nB6cD3fG5hJ0"
        let token = "tok_live_8f7e6d5c4b3a2910"
        let password = "hunter2hunter2"
        // The model repeats the key, split across two chunks.
        let echo = OllamaBytes.frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"your key is \#(key) ok"}}"#)
        let split = echo.range(of: "api03-")!.upperBound
        let fake = FakeOllama { _ in
            FakeReply(status: 200, headers: OllamaBytes.streamHeaders,
                      parts: [.bytes(Array(echo[..<split].utf8)), .bytes(Array(echo[split...].utf8), delayMillis: 20)])
        }
        let body = TestClient.messagesBody(text: "my key is \(key) and password=\(password)", stream: true)
        try await fake.run { upstreamPort in
            var options = try serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)
            options.redactor = try Redactor(extra: [#"(?<=password=)\w+"#])
            try await TestServer.runVCR(options) { port, server in
                let live = try await TestClient.send(port: port, headers: [("x-forward-auth", "Bearer \(token)")], body: body)
                #expect(live.text == echo, "the client sees the upstream's bytes untouched")
                #expect(String(decoding: try #require(fake.requests.last).body, as: UTF8.self) == body, "the upstream gets the body as sent")
                let stored = try #require(try await storedInteractions(server).first)
                #expect(String(decoding: stored.request.body, as: UTF8.self) == TestClient.messagesBody(text: "my key is [REDACTED] and password=[REDACTED]", stream: true))
                #expect(stored.request.headers["x-forward-auth"] == "Bearer [REDACTED]")
                #expect(String(decoding: stored.response.body, as: UTF8.self) == echo.replacingOccurrences(of: key, with: "[REDACTED]"))
                #expect(stored.response.chunks.count == 2, "the chunk boundary survives")
                #expect(stored.response.frames.count == 1)
            }
        }
        let export = try await CommandLineTests.run(["export", "--cassette-dir", dir, "--cassette", "test"])
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let bytes = String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file)), as: UTF8.self)
            for secret in [key, token, password, "Zq9xK2mP7vL4"] { #expect(!bytes.contains(secret), "\(file) holds \(secret)") }
        }
        for secret in [key, token, password] { #expect(!export.stdout.contains(secret)) }
        try await replaySession(directory: dir, configure: { $0.timing = .instant; $0.redactor = try Redactor(extra: [#"(?<=password=)\w+"#]) }) { port, _ in
            let replayed = try await TestClient.send(port: port, body: body)
            #expect(replayed.status == 200)
            #expect(replayed.text == echo.replacingOccurrences(of: key, with: "[REDACTED]"))
        }
    }

    @Test("--admin-token protects /__vcr/*; the API itself stays open")
    func adminToken() async throws {
        let dir = try temporaryDirectory()
        try await replaySession(directory: dir, configure: { $0.adminToken = "s3cret" }) { port, _ in
            let refused = try await TestClient.send(port: port, method: .GET, path: "/__vcr/health")
            #expect(refused.status == 401)
            #expect(refused.text.hasPrefix(#"{"type":"error","error":{"type":"authentication_error","message":"messages-vcr: admin routes need the --admin-token"#))
            #expect(try await TestClient.send(port: port, method: .GET, path: "/__vcr/health", headers: [("x-vcr-admin-token", "s3cret")]).status == 200)
            #expect(try await TestClient.send(port: port, method: .GET, path: "/__vcr/journal", headers: [("Authorization", "Bearer s3cret")]).status == 200)
            #expect(try await TestClient.send(port: port, method: .GET, path: "/__vcr/health", headers: [("x-vcr-admin-token", "wrong")]).status == 401)
            #expect(try await TestClient.send(port: port, path: "/v1/messages", body: TestClient.messagesBody()).status == 404)
        }
    }

    @Test("cassette names cannot leave the folder: .., absolute paths, NUL, long names, symlinks out")
    func cassetteNames() async throws {
        let dir = try temporaryDirectory()
        let outside = try temporaryDirectory()
        try FileManager.default.createSymbolicLink(atPath: dir + "/escape.sqlite", withDestinationPath: outside + "/victim.sqlite")
        try FileManager.default.createSymbolicLink(atPath: dir + "/fine.sqlite", withDestinationPath: dir + "/real.sqlite")
        let fake = FakeOllama()
        try await fake.run { upstreamPort in
            try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, _ in
                for bad in ["/c/escape/v1/messages", "/c/..%2F..%2Fetc/v1/messages", "/c/a%00b/v1/messages", "/c/%2Ftmp%2Fx/v1/messages",
                            "/c/\(String(repeating: "n", count: 101))/v1/messages", "/c/../v1/messages"] {
                    let refused = try await TestClient.send(port: port, path: bad, body: TestClient.messagesBody())
                    #expect(refused.status == 400, "\(bad)")
                }
                #expect(try await TestClient.send(port: port, path: "/c/fine/v1/messages", body: TestClient.messagesBody()).status == 200)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: outside + "/victim.sqlite"))
        #expect(FileManager.default.fileExists(atPath: dir + "/real.sqlite"))
        #expect(fake.requestCount == 1)
        let cli = try await CommandLineTests.run(["list", "--cassette-dir", dir, "--cassette", "escape"])
        #expect(cli.status == 2 && cli.stderr.contains("invalid cassette name \"escape\""))
    }

    @Test("a cassette of a newer format is refused with a clear message and left byte-identical")
    func newerFormat() async throws {
        let dir = try temporaryDirectory()
        let path = dir + "/future.sqlite"
        do {
            let store = try CassetteStore(path: path, mode: .createIfMissing)
            try store.close()
        }
        let queue = try patientQueue(path)
        try await queue.write { db in try db.execute(sql: "UPDATE meta SET value = '99' WHERE key = 'format_version'") }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let listed = try await CommandLineTests.run(["list", "--cassette-dir", dir, "--cassette", "future"])
        #expect(listed.status == 2)
        #expect(listed.stderr == "messages-vcr: error: cassette \(path) cannot be used: written by a newer messages-vcr (format 99; this build reads format 4)\n")
        let served = try await CommandLineTests.run(["serve", "--cassette-dir", dir, "--cassette", "future", "--port", "0"])
        #expect(served.status == 1 && served.stderr.contains("written by a newer messages-vcr (format 99"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("bodies over --max-body-bytes get a 413 without being read; huge headers are refused; the server keeps serving")
    func limits() async throws {
        let dir = try temporaryDirectory()
        try await replaySession(directory: dir, configure: { $0.maxBodyBytes = 1024 }) { port, _ in
            let big = try await TestClient.send(port: port, body: TestClient.messagesBody(text: String(repeating: "x", count: 4096)))
            #expect(big.status == 413)
            #expect(big.text.hasPrefix(#"{"type":"error","error":{"type":"request_too_large","message":"messages-vcr: request body is larger than --max-body-bytes (1024 bytes)"}"#))
            // Raw socket: AsyncHTTPClient traps when a server answers before the head was sent.
            let huge = try SlowSocket(port: port)
            try? huge.send("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-huge: \(String(repeating: "h", count: 200_000))\r\n\r\n")
            let answer = await huge.readAll(seconds: 5)
            #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 431") || answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(200))")
            #expect(try await TestClient.send(port: port, method: .GET, path: "/").text == "Ollama is running")
        }
    }

    @Test("a client that never finishes its headers is closed; one that trickles its body gets a 408; others are served")
    func slowClients() async throws {
        let dir = try temporaryDirectory()
        try await replaySession(directory: dir, configure: { $0.idleTimeoutSeconds = 3; $0.bodyTimeoutSeconds = 0.5 }) { port, _ in
            let started = Date()
            let headerless = try SlowSocket(port: port)
            try headerless.send("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            // How soon after the 3 s the close comes is the machine's load; that it does not come before is ours.
            #expect(await headerless.waitForClose(seconds: 30), "a half-sent head is closed by the idle timeout")
            #expect(Date().timeIntervalSince(started) > 2.5, "closed before the idle timeout")

            let slowBody = try SlowSocket(port: port)
            try slowBody.send("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
            for _ in 0..<12 {  // a byte every 150 ms, long past the 0.5 s body timeout (bytes keep coming after it even on a loaded machine)
                try await Task.sleep(for: .milliseconds(150))
                try? slowBody.send(" ")
            }
            let answer = await slowBody.readAll(seconds: 5)
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            #expect(answer.contains("the request body did not arrive within 0.5 s"))
            #expect(try await TestClient.send(port: port, method: .GET, path: "/").status == 200)
        }
    }

    @Test("upstream faults while recording: the client sees what the upstream did (or a 502/504), and the outcome and partial bytes are stored", arguments: [
        ("reset before headers", [RawUpstream.Step.reset], 502, "upstream_error"),
        ("closed before headers", [.close], 502, "upstream_error"),
        ("garbage", [.bytes("HELLO THERE\r\n\r\n"), .close], 502, "upstream_error"),
        ("silent", [.hang], 504, "upstream_error"),
        ("truncated chunked body", [.bytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nevent:\r\n"), .wait(milliseconds: 50), .close], 200, "upstream_cut"),
        ("stalls mid-stream", [.bytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nevent:\r\n"), .hang], 200, "upstream_cut"),
        ("HTML error page", [.bytes("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 22\r\n\r\n<h1>bad gateway</h1>\r\n"), .close], 502, "complete"),
    ])
    func upstreamFaults(name: String, steps: [RawUpstream.Step], status: Int, outcome: String) async throws {
        let dir = try temporaryDirectory()
        try await RawUpstream(steps).run { upstreamPort in
            var options = try serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)
            options.firstByteTimeoutSeconds = 0.5
            options.upstreamReadTimeoutSeconds = 0.5
            try await TestServer.runVCR(options) { port, server in
                let result = try await TestClient.send(port: port, body: TestClient.messagesBody(stream: true))
                #expect(result.status == status, "\(name): \(result.text)")
                switch status {
                case 502 where outcome == "upstream_error":
                    #expect(result.text.contains(#""type":"api_error","message":"messages-vcr: upstream http://127.0.0.1:\#(upstreamPort) unreachable: "#), "\(name): \(result.text)")
                case 504:
                    #expect(result.text.contains(#""type":"timeout_error","message":"messages-vcr: upstream http://127.0.0.1:\#(upstreamPort) sent no response headers within 0.5 s""#), "\(result.text)")
                case 200:
                    #expect(result.text == "event:", "\(name)")
                    #expect(result.bodyError != nil, "\(name): the client is cut as the upstream cut")
                default:
                    #expect(result.text == "<h1>bad gateway</h1>\r\n")
                }
                #expect(try await eventually { try await storedInteractions(server).count == 1 })
                let stored = try #require(try await storedInteractions(server).first)
                #expect(stored.response.outcome.rawValue == outcome, "\(name)")
                if outcome == "upstream_cut" { #expect(stored.response.body == Array("event:".utf8)) }
            }
        }
    }
}

/// A raw client socket for misbehaving on purpose.
final class SlowSocket: @unchecked Sendable {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard result == 0 else { throw TestFailure("connect failed") }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, 0) == bytes.count else { throw TestFailure("send failed") }
    }

    /// Reads until the peer closes or `seconds` pass.
    func readAll(seconds: Double) async -> String {
        try! await offThePool { self.readAllBlocking(seconds: seconds) }
    }

    func waitForClose(seconds: Double) async -> Bool {
        try! await offThePool { self.waitForCloseBlocking(seconds: seconds) }
    }

    private func readAllBlocking(seconds: Double) -> String {
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0, errno == EINTR { continue }  // other tests' child processes send SIGCHLD
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// True when the peer closes the connection within `seconds`.
    private func waitForCloseBlocking(seconds: Double) -> Bool {
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 256)
        var count = recv(fd, &buffer, buffer.count, 0)
        while count < 0, errno == EINTR { count = recv(fd, &buffer, buffer.count, 0) }
        return count == 0 || (count < 0 && errno == ECONNRESET)
    }
}
