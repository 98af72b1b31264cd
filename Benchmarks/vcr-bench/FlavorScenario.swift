import AsyncHTTPClient
import Foundation
import Logging
import MessagesVCR
import NIOCore

/// What answering as the real API costs: the same recorded Ollama stream (``RewriteScenario``'s:
/// `events` text deltas and a tool call) replayed instantly, one request at a time, as Ollama (the
/// baseline: the recorded bytes) and as the API (`x-vcr-flavor: anthropic`: ids, ping, usage keys,
/// `stop_sequence`, tool input split into fragments), in the same run.
/// Prints the time per request and the added cost per replayed event.
struct FlavorScenario {
    var requests: Int
    var events: Int

    func run() async throws {
        let directory = NSTemporaryDirectory() + "vcr-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try CassetteStore(path: directory + "/bench.sqlite", mode: .createIfMissing)
        try await store.save(RewriteScenario(requests: requests, events: events).makeInteraction())
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let client = BenchClient()
        var options = ServeOptions(upstream: try UpstreamTarget(url: "http://127.0.0.1:1"))
        options.cassetteDirectory = directory
        options.cassette = "bench"
        options.port = 0
        options.timing = .instant
        let body = RewriteScenario.requestBody(cwd: RewriteScenario.recordedCwd)

        print("answering as the API: \(requests) sequential instant replays of \(events) events (+ a tool call), ms per request")
        var results: [Double] = []
        for flavor in [Flavor.ollama, .anthropic] {
            let millis = try await BenchServers.withVCR(options, logger: logger) { port in
                _ = try await Self.fetch(client, port: port, body: body, flavor: flavor)  // warm up
                let start = ContinuousClock.now
                for _ in 0..<requests { _ = try await Self.fetch(client, port: port, body: body, flavor: flavor) }
                let elapsed = ContinuousClock.now - start
                return Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
            }
            results.append(millis / Double(requests))
            print(String(format: "%-26@ %8.3f", "as \(flavor)\(flavor == .ollama ? " (baseline)" : "")" as NSString, millis / Double(requests)))
        }
        print(String(format: "answering as the API adds %.0f ns per replayed event (%.3f ms per request, %.2f× the baseline)",
                     (results[1] - results[0]) * 1e6 / Double(events), results[1] - results[0], results[1] / results[0]))
        try await client.http.shutdown()
    }

    /// Sends one request; checks the answer is in the asked flavour (a shaping that did not happen fails the run).
    static func fetch(_ client: BenchClient, port: Int, body: String, flavor: Flavor) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/messages")
        request.method = .POST
        request.headers.add(name: "x-vcr-flavor", value: flavor.rawValue)
        request.headers.add(name: "x-api-key", value: "bench")
        request.headers.add(name: "anthropic-version", value: "2023-06-01")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok, String(buffer: bytes).contains("event: ping") == (flavor == .anthropic) else {
            throw BenchError("replay failed or was not shaped as \(flavor): \(response.status)")
        }
        return bytes.readableBytes
    }
}
