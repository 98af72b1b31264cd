import Foundation
import Testing

/// Runs the built `messages-vcr` binary as a user would.
@Suite("messages-vcr command line")
struct CommandLineTests {
    static var binary: String {
        // The test bundle lives in .build/<config>/; the executable is built beside it.
        let bundle = Bundle.main.bundleURL.deletingLastPathComponent().path
        let candidates = [bundle + "/messages-vcr", bundle + "/debug/messages-vcr", FileManager.default.currentDirectoryPath + "/.build/debug/messages-vcr"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary on a thread of its own (waiting for a process must not hold one of the few
    /// threads every test's async work shares).
    static func run(_ arguments: [String], timeout: TimeInterval = 20) async throws -> Run {
        try await offThePool { try runBlocking(arguments, timeout: timeout) }
    }

    private static func runBlocking(_ arguments: [String], timeout: TimeInterval) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus,
            stdout: String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
            stderr: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    @Test("a bad flag exits non-zero with one clear line on stderr", arguments: [
        (["serve", "--mode", "bogus"], "'bogus' is invalid for '--mode"),
        (["serve", "--cassette-dir", "/nonexistent-dir"], "cassette folder /nonexistent-dir does not exist"),
        (["serve", "--upstream", "not a url"], "upstream URL \"not a url\" does not parse"),
        (["serve", "--cassette", "../escape"], "invalid cassette name"),
        (["serve", "--miss-status", "200"], "--miss-status 200 is not an error status: use 400 to 599"),
    ])
    func badFlags(arguments: [String], message: String) async throws {
        let result = try await Self.run(arguments)
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("messages-vcr: error: "))
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("a port in use is refused with one line")
    func portInUse() async throws {
        let dir = try temporaryDirectory()
        try await FakeOllama().run { busyPort in
            let result = try await Self.run(["serve", "--mode", "record", "--cassette-dir", dir, "--port", String(busyPort)])
            #expect(result.status != 0)
            #expect(result.stderr.contains("messages-vcr: error: cannot listen on 127.0.0.1:\(busyPort): address already in use"), "\(result.stderr)")
        }
    }

    @Test("serve prints the startup line, records, and exits 0 on SIGTERM with the recording committed")
    func startAndStop() async throws {
        let dir = try temporaryDirectory()
        try await FakeOllama().run { upstreamPort in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["serve", "--mode", "record", "--cassette-dir", dir, "--port", "0", "--upstream", "http://127.0.0.1:\(upstreamPort)"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = ""
            let reader = out.fileHandleForReading
            while !line.contains("\n") {
                let data = reader.availableData
                if data.isEmpty { break }
                line += String(decoding: data, as: UTF8.self)
            }
            let pattern = #"^messages-vcr listening on http://127\.0\.0\.1:(\d+) \(mode record, cassette .*/demo\.sqlite, upstream http://127\.0\.0\.1:\#(upstreamPort)\)\n$"#
            let match = try #require(line.range(of: pattern, options: .regularExpression), "\(line)")
            let port = Int(line[match].split(separator: ":")[2].prefix { $0.isNumber })!
            let result = try await TestClient.send(port: port, body: TestClient.messagesBody(stream: true))
            #expect(result.status == 200)
            process.terminate()  // SIGTERM
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(process.terminationReason == .exit)
        }
        let store = try MessagesVCR.CassetteStore(path: dir + "/demo.sqlite", mode: .existing)
        #expect(try await store.count() == 1)
    }
}

@testable import MessagesVCR
