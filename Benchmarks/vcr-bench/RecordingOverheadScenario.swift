import AsyncHTTPClient
import Foundation
import Logging
import MessagesVCR
import NIOCore

/// What recording adds: the same paced stream fetched straight from a bare upstream, and through a
/// `--mode record` server in front of it, one request at a time. Reports the added time to first
/// byte and the added latency of every chunk (arrival through the recorder minus the median arrival
/// of the same chunk fetched directly), p50 and p99.
struct RecordingOverheadScenario {
    var requests: Int
    var events: Int
    var gapMillis: Int

    func run() async throws {
        let directory = NSTemporaryDirectory() + "vcr-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let interaction = TimingScenario(events: events, gapMillis: gapMillis, concurrency: []).makeInteraction()
        let logger = { var logger = Logger(label: "bench"); logger.logLevel = .error; return logger }()
        let body = String(decoding: interaction.request.body, as: UTF8.self)
        let ends = interaction.response.chunks.map { $0.byteOffset + $0.length }
        let client = BenchClient()

        let requests = self.requests
        let (direct, through) = try await BenchServers.withResponder(PacedResponder(interaction), logger: logger) { upstreamPort in
            let direct = try await client.arrivals(port: upstreamPort, requests: requests, body: body, ends: ends)
            var options = ServeOptions(upstream: try UpstreamTarget(url: "http://127.0.0.1:\(upstreamPort)"))
            options.mode = .record
            options.cassetteDirectory = directory
            options.cassette = "overhead"
            options.port = 0
            let through = try await BenchServers.withVCR(options, logger: logger) { port in
                try await client.arrivals(port: port, requests: requests, body: body, ends: ends)
            }
            return (direct, through)
        }
        try await client.http.shutdown()

        let directTTFB = direct.map { Double($0.ttfb) / 1e6 }
        let throughTTFB = through.map { Double($0.ttfb) / 1e6 }
        let medianDirect = (0..<ends.count).map { k in Self.quantile(direct.map { Double($0.chunks[k]) / 1e6 }, 0.5) }
        let added = through.flatMap { run in (0..<ends.count).map { k in Double(run.chunks[k]) / 1e6 - medianDirect[k] } }
        print("recording overhead: \(requests) sequential streams of \(events) chunks \(gapMillis) ms apart, ms")
        print(String(format: "TTFB direct p50 %.3f p99 %.3f | through recorder p50 %.3f p99 %.3f | added p50 %.3f",
                     Self.quantile(directTTFB, 0.5), Self.quantile(directTTFB, 0.99), Self.quantile(throughTTFB, 0.5),
                     Self.quantile(throughTTFB, 0.99), Self.quantile(throughTTFB, 0.5) - Self.quantile(directTTFB, 0.5)))
        print(String(format: "per-chunk added latency p50 %.3f p99 %.3f", Self.quantile(added, 0.5), Self.quantile(added, 0.99)))
    }

    static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
    }
}

extension BenchClient {
    /// One request's response-head time and each recorded chunk's arrival, in ns from sending.
    struct Arrivals {
        var ttfb: UInt64
        var chunks: [UInt64]
    }

    /// Sends `body` `requests` times, one after another.
    func arrivals(port: Int, requests: Int, body: String, ends: [Int]) async throws -> [Arrivals] {
        var runs: [Arrivals] = []
        for index in 0..<requests {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/messages")
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: body))
            let start = MonotonicClock.now()
            let response = try await http.execute(request, timeout: .seconds(60))
            let ttfb = MonotonicClock.since(start)
            let arrivals = try await Self.chunkArrivals(response, ends: ends, since: start, label: "request \(index)")
            runs.append(Arrivals(ttfb: ttfb, chunks: arrivals))
        }
        return runs
    }
}
