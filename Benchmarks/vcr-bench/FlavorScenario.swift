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
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let client = BenchClient()
        try await BenchServers.withReplay(of: RewriteScenario(requests: requests, events: events).makeInteraction()) { options in
            try await measure(options, client: client, logger: logger)
        }
        try await client.http.shutdown()
    }

    private func measure(_ options: ServeOptions, client: BenchClient, logger: Logger) async throws {
        let body = RewriteScenario.requestBody(cwd: RewriteScenario.recordedCwd)

        print("answering as the API: \(requests) sequential instant replays of \(events) events (+ a tool call), ms per request")
        // Alternated over three rounds, the best of each kept: the first server of a run pays warm-up costs.
        var best: [Flavor: Double] = [:], firstBest: [Flavor: Double] = [:]
        @Sendable func millis(since start: ContinuousClock.Instant) -> Double {
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
        }
        for _ in 0..<3 {
            for flavor in [Flavor.ollama, .anthropic] {
                let (first, all) = try await BenchServers.withVCR(options, logger: logger) { port in
                    // The first replay loads the cassette and prepares (and shapes) the recording; later ones reuse it.
                    let firstStart = ContinuousClock.now
                    _ = try await Self.fetch(client, port: port, body: body, flavor: flavor)
                    let first = millis(since: firstStart)
                    let start = ContinuousClock.now
                    for _ in 0..<requests { _ = try await Self.fetch(client, port: port, body: body, flavor: flavor) }
                    return (first, millis(since: start))
                }
                best[flavor] = min(best[flavor] ?? .infinity, all / Double(requests))
                firstBest[flavor] = min(firstBest[flavor] ?? .infinity, first)
            }
        }
        let results = [best[.ollama]!, best[.anthropic]!]
        print(String(format: "as ollama (baseline)       %8.3f   first replay %8.3f", results[0], firstBest[.ollama]!))
        print(String(format: "as anthropic               %8.3f   first replay %8.3f", results[1], firstBest[.anthropic]!))
        print(String(format: "shaping a recording as the API, once (first replay): %.0f ns per event",
                     (firstBest[.anthropic]! - firstBest[.ollama]!) * 1e6 / Double(events)))
        print(String(format: "answering as the API adds %.0f ns per replayed event after that (%.3f ms per request, %.2f× the baseline)",
                     (results[1] - results[0]) * 1e6 / Double(events), results[1] - results[0], results[1] / results[0]))
    }

    /// Sends one request; checks the answer is in the asked flavour (a shaping that did not happen fails the run).
    static func fetch(_ client: BenchClient, port: Int, body: String, flavor: Flavor) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/messages")
        request.method = .POST
        request.headers.add(name: "x-vcr-flavor", value: flavor.name)
        request.headers.add(name: "x-api-key", value: "bench")
        request.headers.add(name: "anthropic-version", value: "2023-06-01")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        // The ping follows the first block's start: the head of the body tells (the same cost for both flavours).
        let head = bytes.getString(at: bytes.readerIndex, length: min(2048, bytes.readableBytes)) ?? ""
        guard response.status == .ok, head.contains("event: ping") == (flavor == .anthropic) else {
            throw BenchError("replay failed or was not shaped as \(flavor): \(response.status)")
        }
        return bytes.readableBytes
    }
}
