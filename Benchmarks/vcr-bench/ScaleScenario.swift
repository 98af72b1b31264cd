import AsyncHTTPClient
import Foundation
import MessagesVCR
import NIOCore

/// A large cassette: `interactions` Claude Code-like requests (~40 KB: one shared system prompt and
/// tool list, each turn of a conversation one message longer). Reports file size against the raw
/// bytes, server start time, lookup latency for hits and for misses with their diff, and peak RSS.
struct ScaleScenario {
    var interactions: Int
    var turns: Int
    /// How many random recorded requests are timed (each replays a recording once, most for the first time).
    var timedHits = 300
    var serverBinary: String

    static let system = String(repeating: "You are Claude Code, Anthropic's official CLI for Claude. Use the tools to help the user with software engineering tasks. ", count: 100)
    static let tools = "[" + (0..<24).map { index in
        #"{"name":"Tool\#(index)","description":"\#(String(repeating: "Runs an operation on the user's machine and returns its output. ", count: 12))","input_schema":{"type":"object","properties":{"command":{"type":"string","description":"What to run"},"timeout":{"type":"number"}},"required":["command"]}}"#
    }.joined(separator: ",") + "]"

    static func body(conversation: Int, turn: Int) -> [UInt8] {
        var messages: [String] = []
        for index in 0...turn {
            let role = index % 2 == 0 ? "user" : "assistant"
            messages.append(#"{"role":"\#(role)","content":[{"type":"text","text":"conversation \#(conversation) message \#(index): \#(String(repeating: "please look at the failing test and fix it ", count: 6))"}]}"#)
        }
        return Array(#"{"model":"qwen3-coder","max_tokens":32000,"stream":true,"metadata":{"user_id":"session-\#(conversation)"},"system":[{"type":"text","text":"\#(system)","cache_control":{"type":"ephemeral"}}],"tools":\#(tools),"messages":[\#(messages.joined(separator: ","))]}"#.utf8)
    }

    func run() async throws {
        let directory = NSTemporaryDirectory() + "vcr-scale-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["VCR_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let path = directory + "/scale.sqlite"
        let rules = try MatchRules()
        let response = Array("event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n".utf8)
        let store = try CassetteStore(path: path, mode: .createIfMissing)
        var raw = 0
        let started = Date()
        var batch: [Interaction] = []
        for seq in 1...interactions {
            let body = Self.body(conversation: (seq - 1) / turns, turn: (seq - 1) % turns)
            raw += body.count + response.count
            let request = RecordedRequest(method: "POST", path: "/v1/messages", query: "beta=true", headers: HeaderList(pairs: [("content-type", "application/json")]), body: body)
            let recorded = RecordedResponse(
                status: 200, headers: HeaderList(pairs: [("Content-Type", "text/event-stream")]), body: response,
                chunks: [BodyChunk(byteOffset: 0, length: response.count, offsetNanos: 1_000_000)], frames: [], ttfbNanos: 1_000_000,
                durationNanos: 1_000_000, outcome: .complete)
            batch.append(Interaction(seq: seq, upstream: nil, request: request, response: recorded, matchKey: rules.key(for: request), matchRulesFingerprint: rules.fingerprint))
            if batch.count == 1000 || seq == interactions {
                try await store.importAll(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try store.close()
        let writeSeconds = Date().timeIntervalSince(started)
        let fileSize = [path, path + "-wal"].compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }.reduce(0, +)
        print(String(format: "scale: %d interactions (%d-turn conversations), raw %.1f MB, file %.1f MB, ratio %.3f (goal ≤ 0.3), written in %.1f s",
                     interactions, turns, Double(raw) / 1e6, Double(fileSize) / 1e6, Double(fileSize) / Double(raw), writeSeconds))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: serverBinary)
        process.arguments = ["serve", "--cassette-dir", directory, "--cassette", "scale", "--port", "0", "--timing", "instant", "--quiet"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let launched = MonotonicClock.now()
        try process.run()
        defer { process.terminate() }
        var line = ""
        while !line.contains("\n") {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            line += String(decoding: data, as: UTF8.self)
        }
        let startSeconds = Double(MonotonicClock.since(launched)) / 1e9
        guard let port = Int(line.split(separator: ":").dropFirst(2).first?.prefix { $0.isNumber } ?? "") else { throw BenchError("no startup line") }
        let client = BenchClient()
        func time(_ body: [UInt8]) async throws -> (Double, Int) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/messages?beta=true")
            request.method = .POST
            request.body = .bytes(ByteBuffer(bytes: body))
            let start = MonotonicClock.now()
            let response = try await client.http.execute(request, timeout: .seconds(60))
            for try await _ in response.body {}
            return (Double(MonotonicClock.since(start)) / 1e6, Int(response.status.code))
        }
        let conversations = interactions / turns
        let (first, firstStatus) = try await time(Self.body(conversation: 0, turn: 0))
        var random = SystemRandomNumberGenerator()
        var hits: [Double] = []
        for _ in 0..<timedHits {
            let (ms, status) = try await time(Self.body(conversation: Int.random(in: 0..<conversations, using: &random), turn: Int.random(in: 0..<turns, using: &random)))
            guard status == 200 else { throw BenchError("a recorded request missed (\(status))") }
            hits.append(ms)
        }
        var misses: [Double] = []
        for _ in 0..<100 {
            var body = Self.body(conversation: Int.random(in: 0..<conversations, using: &random), turn: Int.random(in: 1..<turns, using: &random))
            body.replaceSubrange((body.count - 20)..<(body.count - 15), with: Array("XXXXX".utf8))
            let (ms, status) = try await time(body)
            guard status == 404 else { throw BenchError("a changed request did not miss (\(status))") }
            misses.append(ms)
        }
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM") }.map { String($0.dropFirst(6)).trimmingCharacters(in: .whitespaces) } ?? "?"
        try await client.http.shutdown()
        func q(_ values: [Double], _ p: Double) -> Double { RecordingOverheadScenario.quantile(values, p) }
        print(String(format: "start to listening %.3f s (goal ≤ 0.5); first request (loads the index) %.1f ms, status %d", startSeconds, first, firstStatus))
        print(String(format: "hit over HTTP p50 %.2f ms p99 %.2f ms (goal ≤ 1 ms lookup); miss with diff p50 %.1f ms p99 %.1f ms (goal ≤ 50 ms)",
                     q(hits, 0.5), q(hits, 0.99), q(misses, 0.5), q(misses, 0.99)))
        print("peak RSS of the server \(peak) (goal ≤ 100 MB)")
    }
}
