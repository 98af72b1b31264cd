import Foundation
@testable import MessagesVCR
import NIOCore
import NIOPosix
import Testing

/// The hot path: instant replays of prepared recordings written on the connection's event loop
/// answer exactly as the general path does.
@Suite("Immediate replays")
struct ImmediateReplayTests {
    @Test("an instant replay answered on the event loop equals the general path's: status, headers, bytes, journal, counters")
    func sameAnswerBothWays() async throws {
        let dir = try temporaryDirectory()
        let stream = TestClient.messagesBody(text: "stream it", stream: true)
        let plain = TestClient.messagesBody(text: "plain", extra: #","metadata":{"user_id":"u1"}"#)
        try await recordSession(directory: dir, fake: FakeOllama()) { port in
            _ = try await TestClient.send(port: port, body: stream)
            _ = try await TestClient.send(port: port, body: plain)
        }
        try await replaySession(directory: dir, configure: { $0.timing = .instant }) { port, server in
            for (body, headers) in [
                (stream, [("x-vcr-session", "a")]), (plain, [("x-vcr-session", "b")]),
                (plain, [("x-vcr-flavor", "anthropic"), ("x-api-key", "k"), ("anthropic-version", "2023-06-01")]),
            ] {
                let before = server.stats.snapshot.immediate
                let general = try await TestClient.send(port: port, headers: headers, body: body)  // prepares the recording
                let middle = server.stats.snapshot.immediate
                let immediate = try await TestClient.send(port: port, headers: headers, body: body)
                #expect(server.stats.snapshot.immediate == before + 1, "the second answer came from the event loop (\(before), \(middle))")
                #expect(immediate.status == general.status && immediate.body == general.body)
                let names = { (result: ClientResult) in result.headers.map { $0.name.lowercased() }.filter { $0 != "date" && $0 != "request-id" }.sorted() }
                #expect(names(immediate) == names(general), "\(general.headers) vs \(immediate.headers)")
                for name in ["content-type", "content-length", "x-vcr-interaction", "x-vcr-compat"] {
                    #expect(immediate.header(name) == general.header(name), "\(name)")
                }
                #expect(immediate.header("date") != nil)
                #expect(immediate.header("transfer-encoding") == general.header("transfer-encoding"))
            }
            let journal = try await TestClient.send(port: port, method: .GET, path: "/__vcr/journal?limit=6")
            #expect(journal.text.components(separatedBy: #""result":"replayed""#).count - 1 == 6)
            #expect(server.stats.snapshot.replayed == 6 && server.stats.snapshot.requests == 6)

            // Paced replays, faults, prefixes that miss and misses take the general path.
            let before = server.stats.snapshot.immediate
            _ = try await TestClient.send(port: port, headers: [("x-vcr-timing", "original")], body: plain)
            _ = try await TestClient.send(port: port, headers: [("x-vcr-fault", "status=529")], body: plain)
            let miss = try await TestClient.send(port: port, body: TestClient.messagesBody(text: "never recorded"))
            #expect(miss.status == 404 && miss.text.contains("nearest is"))
            let noCassette = try await TestClient.send(port: port, path: "/c/absent/v1/messages", body: plain)
            #expect(noCassette.status == 404 && noCassette.text.contains("cassette absent not found"))
            #expect(server.stats.snapshot.immediate == before)
        }
    }

    @Test("pipelined requests on one connection, Connection: close, a body split over reads: each answered in order")
    func rawConnection() async throws {
        try await withPreparedRecording { port, server, request, _ in
            // Three requests in one write, the last asking to close: three answers, then the close.
            let started = Date()
            let answers = try await RawClient.exchange(port: port, writes: [request + request + request.replacingOccurrences(of: "Host:", with: "Connection: close\r\nHost:")])
            #expect(answers.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 3, "\(answers)")
            #expect(answers.components(separatedBy: "Hello!").count - 1 == 3, "\(answers)")
            #expect(Date().timeIntervalSince(started) < 4, "the connection was closed after the third answer")
            // Head and body in separate writes: not whole after one read, so Hummingbird answers it.
            let split = try await RawClient.exchange(port: port, writes: [String(request.prefix(60)), String(request.dropFirst(60)).replacingOccurrences(of: "Host:", with: "Host:")], closeAfter: 1)
            #expect(split.contains("HTTP/1.1 200 OK") && split.contains("Hello!"), "\(split)")
            #expect(try await eventually { server.stats.snapshot.replayed == 5 }, "\(server.stats.snapshot)")
        }
    }

    @Test("a request pipelined behind ones Hummingbird answers waits for their answers: answers stay in order")
    func pipelinedBehindHummingbird() async throws {
        try await withPreparedRecording { port, server, request, body in
            let paced = request.replacingOccurrences(of: "Host:", with: "x-vcr-timing: fixed:150\r\nHost:")
            let health = "GET /__vcr/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            let close = request.replacingOccurrences(of: "Host:", with: "Connection: close\r\nHost:")
            let before = server.stats.snapshot.immediate
            // Hummingbird answers the first two (an admin route, a paced replay); the third could be
            // answered on the event loop at once, ahead of them, and must not be.
            let answers = try await RawClient.exchange(port: port, writes: [health + paced + request + close])
            let healthAt = answers.range(of: #""mode""#)?.lowerBound
            let replies = answers.ranges(of: "Hello!").map(\.lowerBound)
            #expect(answers.components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 4, "\(answers)")
            #expect(healthAt != nil && replies.count == 3 && healthAt! < replies[0], "the admin answer comes first: \(answers)")
            #expect(answers.hasPrefix("HTTP/1.1 200 OK") && answers.prefix(300).contains("application/json"))
            // With nothing pending any more, the next request is the event loop's again.
            _ = try await TestClient.send(port: port, body: body)
            #expect(server.stats.snapshot.immediate == before + 1, "\(server.stats.snapshot)")
        }
    }

    /// Records one non-streamed answer, replays it at `instant` pace with the recording already
    /// prepared (so the event loop may answer it), and hands over the raw request that matches it.
    private func withPreparedRecording(_ test: @Sendable (Int, VCRServer, String, String) async throws -> Void) async throws {
        let dir = try temporaryDirectory()
        let body = TestClient.messagesBody(text: "plain")
        try await recordSession(directory: dir, fake: FakeOllama()) { port in _ = try await TestClient.send(port: port, body: body) }
        try await replaySession(directory: dir, configure: { $0.timing = .instant }) { port, server in
            _ = try await TestClient.send(port: port, body: body)  // prepares the recording
            let request = "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            try await test(port, server, request, body)
        }
    }
}

/// Writes raw bytes to a server and collects what comes back until it closes (or `closeAfter` answers).
enum RawClient {
    /// Runs on a thread of its own: its blocking socket calls on Swift's cooperative pool (two
    /// threads on a 2-core machine) would starve the server's own tasks when two tests use it at once.
    static func exchange(port: Int, writes: [String], closeAfter answers: Int? = nil) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try blockingExchange(port: port, writes: writes, closeAfter: answers) }) }.start()
        }
    }

    private static func blockingExchange(port: Int, writes: [String], closeAfter answers: Int?) throws -> String {
        try {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw TestFailure("connect failed") }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            for (index, text) in writes.enumerated() {
                if index > 0 { usleep(100_000) }
                _ = text.utf8CString.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count - 1, 0) }
            }
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count <= 0 { break }
                received += buffer[0..<count]
                if let answers, String(decoding: received, as: UTF8.self).components(separatedBy: "HTTP/1.1 ").count - 1 >= answers,
                    String(decoding: received, as: UTF8.self).hasSuffix("}\n") || String(decoding: received, as: UTF8.self).hasSuffix("}")
                {
                    break
                }
            }
            return String(decoding: received, as: UTF8.self)
        }()
    }
}
