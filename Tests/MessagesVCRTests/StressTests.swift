import Foundation
import GRDB
@testable import MessagesVCR
import NIOConcurrencyHelpers
import Testing

extension LoadSensitiveTests {
    /// Crashes, several writers, many connections, a full disk: nothing recorded is ever lost or half-written.
    @Suite("Crashes and concurrency")
    struct StressTests {
        /// Starts the built binary in record mode; returns the process and the port from its startup line.
        static func startServer(_ arguments: [String]) throws -> (Process, Int) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
            process.arguments = ["serve", "--port", "0"] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = ""
            while !line.contains("\n") {
                let data = out.fileHandleForReading.availableData
                if data.isEmpty { break }
                line += String(decoding: data, as: UTF8.self)
            }
            guard let port = Int(line.split(separator: ":").dropFirst(2).first?.prefix { $0.isNumber } ?? "") else {
                throw TestFailure("no startup line: \(line)")
            }
            return (process, port)
        }

        static func integrity(_ path: String) throws -> String {
            let queue = try patientQueue(path)
            defer { try? queue.close() }
            return try queue.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
        }

        @Test("kill -9 while 100 streams are being recorded: the file is intact, finished interactions replay byte for byte, no half-written one appears")
        func killNine() async throws {
            let dir = try temporaryDirectory()
            let fake = FakeOllama { request in
                let long = String(decoding: request.body, as: UTF8.self).contains("long")
                return OllamaBytes.streamReply(texts: Array(repeating: "tok", count: long ? 200 : 2), delayMillis: long ? 20 : 0)
            }
            try await fake.run { upstreamPort in
                let (process, port) = try Self.startServer(["--mode", "record", "--cassette-dir", dir, "--cassette", "crash", "--upstream", "http://127.0.0.1:\(upstreamPort)"])
                var finished: [String: [UInt8]] = [:]
                for i in 0..<20 {
                    let body = TestClient.messagesBody(text: "short \(i)", stream: true)
                    finished[body] = try await TestClient.send(port: port, body: body).body
                }
                let inFlight = Task {
                    await withTaskGroup(of: Void.self) { group in
                        for i in 0..<100 {
                            group.addTask { _ = try? await TestClient.send(port: port, body: TestClient.messagesBody(text: "long \(i)", stream: true)) }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(600))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                await inFlight.value
                #expect(process.terminationReason == .uncaughtSignal)

                #expect(try Self.integrity(dir + "/crash.sqlite") == "ok")
                let stored = try await CassetteStore(path: dir + "/crash.sqlite", mode: .existing).all()
                #expect(stored.count == 20, "only the finished interactions: \(stored.count)")
                #expect(stored.allSatisfy { $0.response.outcome == .complete && $0.response.frames.count == 7 })
                let expected = finished
                try await replaySession(directory: dir, cassette: "crash", configure: { $0.timing = .instant }) { replayPort, _ in
                    for (body, bytes) in expected {
                        let replayed = try await TestClient.send(port: replayPort, body: body)
                        #expect(replayed.body == bytes)
                    }
                }
            }
        }

        @Test("two server processes recording into one cassette file: both sets land")
        func twoProcesses() async throws {
            let dir = try temporaryDirectory()
            try await FakeOllama { _ in OllamaBytes.streamReply(texts: ["a", "b"], delayMillis: 2) }.run { upstreamPort in
                let args = ["--mode", "record", "--cassette-dir", dir, "--cassette", "shared", "--upstream", "http://127.0.0.1:\(upstreamPort)"]
                let (first, firstPort) = try Self.startServer(args)
                let (second, secondPort) = try Self.startServer(args)
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for i in 0..<60 {
                        group.addTask {
                            try await TestClient.send(port: i % 2 == 0 ? firstPort : secondPort, body: TestClient.messagesBody(text: "request \(i)", stream: true)).status
                        }
                    }
                    for try await status in group { #expect(status == 200) }
                }
                for process in [first, second] {
                    process.terminate()
                    process.waitUntilExit()
                    #expect(process.terminationStatus == 0)
                }
            }
            let stored = try await CassetteStore(path: dir + "/shared.sqlite", mode: .existing).all()
            #expect(stored.count == 60)
            #expect(Set(stored.map(\.seq)) == Set(1...60))
            #expect(try Self.integrity(dir + "/shared.sqlite") == "ok")
        }

        @Test("500 concurrent connections mixing replay and record (auto mode): no error, every recording lands")
        func fiveHundredConnections() async throws {
            let dir = try temporaryDirectory()
            let fake = FakeOllama { _ in OllamaBytes.streamReply(texts: ["x", "y"], delayMillis: 5) }
            try await fake.run { upstreamPort in
                var options = try serveOptions(mode: .auto, directory: dir, upstreamPort: upstreamPort)
                options.timing = .instant
                try await TestServer.runVCR(options) { port, server in
                    for i in 0..<50 { _ = try await TestClient.send(port: port, body: TestClient.messagesBody(text: "known \(i)", stream: true)) }
                    try await withThrowingTaskGroup(of: Int.self) { group in
                        for i in 0..<500 {
                            let text = i % 2 == 0 ? "known \(i % 50)" : "new \(i)"
                            group.addTask { try await TestClient.send(port: port, body: TestClient.messagesBody(text: text, stream: true)).status }
                        }
                        var statuses: [Int: Int] = [:]
                        for try await status in group { statuses[status, default: 0] += 1 }
                        #expect(statuses == [200: 500])
                    }
                    #expect(try await eventually { try await storedInteractions(server).count == 300 })
                    let counters = server.stats.snapshot
                    #expect(counters.replayed == 250 && counters.forwarded == 300 && counters.errors == 0 && counters.storeErrors == 0)
                }
            }
        }

        @Test("a full disk while recording: the client's stream completes, one clear error is logged, the cassette stays consistent")
        func diskFull() async throws {
            let dir = try temporaryDirectory()
            let big = String(repeating: "0123456789", count: 30)
            let fake = FakeOllama { request in
                String(decoding: request.body, as: UTF8.self).contains("big")
                    ? OllamaBytes.streamReply(texts: Array(repeating: big, count: 400)) : OllamaBytes.streamReply(texts: ["ok"])
            }
            try await fake.run { upstreamPort in
                var options = try serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)
                options.maxCassetteBytes = 96 * 1024
                try await TestServer.runVCR(options) { port, server in
                    let small = try await TestClient.send(port: port, body: TestClient.messagesBody(text: "small", stream: true))
                    #expect(small.status == 200)
                    let large = try await TestClient.send(port: port, body: TestClient.messagesBody(text: "big", stream: true))
                    #expect(large.status == 200 && large.bodyError == nil)
                    #expect(large.text.hasSuffix(OllamaBytes.frame("message_stop", #"{"type":"message_stop"}"#)))
                    #expect(try await eventually { server.stats.snapshot.storeErrors == 1 })
                    let after = try await TestClient.send(port: port, body: TestClient.messagesBody(text: "small again", stream: true))
                    #expect(after.status == 200)
                    let stored = try await storedInteractions(server)
                    #expect(stored.compactMap { RequestSummary(body: $0.request.body).firstUserText }.sorted() == ["small", "small again"])
                }
            }
            #expect(try Self.integrity(dir + "/test.sqlite") == "ok")
        }

        /// True when this machine lets the tests mount a small tmpfs (root in a permissive sandbox).
        static let tmpfsAvailable: Bool = {
            guard let dir = try? temporaryDirectory() else { return false }
            defer { try? FileManager.default.removeItem(atPath: dir) }
            guard shell("mount -t tmpfs -o size=64k tmpfs \(dir)") == 0 else { return false }
            return shell("umount \(dir)") == 0
        }()

        @discardableResult
        static func shell(_ command: String) -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command + " 2>/dev/null"]
            guard (try? process.run()) != nil else { return -1 }
            process.waitUntilExit()
            return process.terminationStatus
        }

        @Test("a real full disk (a 320 KB tmpfs) while recording: the stream completes, the failure is counted, the file stays consistent",
              .enabled(if: tmpfsAvailable, "needs permission to mount a tmpfs"))
        func realDiskFull() async throws {
            let dir = try temporaryDirectory()
            #expect(Self.shell("mount -t tmpfs -o size=320k tmpfs \(dir)") == 0)
            defer { Self.shell("umount \(dir)") }
            let big = String(repeating: "0123456789", count: 30)
            let fake = FakeOllama { request in
                String(decoding: request.body, as: UTF8.self).contains("big")
                    ? OllamaBytes.streamReply(texts: Array(repeating: big, count: 1000)) : OllamaBytes.streamReply(texts: ["ok"])
            }
            try await fake.run { upstreamPort in
                try await TestServer.runVCR(serveOptions(mode: .record, directory: dir, upstreamPort: upstreamPort)) { port, server in
                    #expect(try await TestClient.send(port: port, body: TestClient.messagesBody(text: "small", stream: true)).status == 200)
                    let large = try await TestClient.send(port: port, body: TestClient.messagesBody(text: "big", stream: true))
                    #expect(large.status == 200 && large.bodyError == nil)
                    #expect(large.text.hasSuffix(OllamaBytes.frame("message_stop", #"{"type":"message_stop"}"#)))
                    #expect(try await eventually { server.stats.snapshot.storeErrors == 1 })
                    let stored = try await storedInteractions(server)
                    #expect(stored.compactMap { RequestSummary(body: $0.request.body).firstUserText } == ["small"])
                }
            }
            #expect(try Self.integrity(dir + "/test.sqlite") == "ok")
        }
    }
}
