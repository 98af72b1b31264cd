import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import MessagesVCR
import NIOCore
import ServiceLifecycle

/// Timing accuracy of `--timing original`: N concurrent replays of one recorded stream of
/// `events` chunks `gapMillis` apart. The client stamps every chunk; the error is
/// |arrival offset − recorded offset|. Two baselines write the same chunks at the same absolute
/// deadlines: a bare NIO pacer (each write scheduled on the channel's own event loop: the floor of
/// timers, scheduler and client together) and a bare Hummingbird handler sleeping a Swift task
/// before each write (messages-vcr's own design without messages-vcr).
struct TimingScenario {
    var events: Int
    var gapMillis: Int
    var concurrency: [Int]

    func run() async throws {
        let interaction = makeInteraction()
        try await BenchServers.withReplay(of: interaction, timing: .original(speed: 1)) { options in
            try await measure(interaction, options: options)
        }
    }

    private func measure(_ interaction: Interaction, options: ServeOptions) async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let offsets = interaction.response.chunks.map(\.offsetNanos)
        let ends = interaction.response.chunks.map { $0.byteOffset + $0.length }
        let body = String(decoding: interaction.request.body, as: UTF8.self)
        let client = BenchClient()

        print("timing accuracy: \(events) chunks \(gapMillis) ms apart, |arrival − recorded| in ms")
        print("streams  server              p50     p99     max")
        let paced = BareServers.Answer(
            contentType: "text/event-stream", chunks: interaction.response.chunks.map { ByteBuffer(bytes: interaction.response.bytes(of: $0)) },
            offsets: offsets)
        for streams in concurrency {
            let pacer = try await BareServers.withNIO(paced) { port in
                _ = try await client.errors(port: port, streams: streams, body: body, offsets: offsets, ends: ends)  // opens the connections
                return try await client.errors(port: port, streams: streams, body: body, offsets: offsets, ends: ends)
            }
            print(Self.row(streams: streams, name: "bare NIO pacer", errors: pacer))
            let baseline = try await BenchServers.withResponder(PacedResponder(interaction), logger: logger) { port in
                _ = try await client.errors(port: port, streams: streams, body: body, offsets: offsets, ends: ends)
                return try await client.errors(port: port, streams: streams, body: body, offsets: offsets, ends: ends)
            }
            print(Self.row(streams: streams, name: "bare Hummingbird", errors: baseline))
            let replay = try await BenchServers.withVCR(options, logger: logger) { port in
                _ = try await client.errors(port: port, streams: streams, body: body, offsets: offsets, ends: ends)
                return try await client.errors(port: port, streams: streams, body: body, offsets: offsets, ends: ends)
            }
            print(Self.row(streams: streams, name: "messages-vcr", errors: replay))
        }
        try await client.http.shutdown()
    }

    static func row(streams: Int, name: String, errors: [Double]) -> String {
        let sorted = errors.sorted()
        func at(_ q: Double) -> String { String(format: "%7.3f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]) }
        return String(format: "%7d  %-18@ ", streams, name as NSString) + " " + at(0.5) + " " + at(0.99) + " " + String(format: "%7.3f", sorted.last ?? 0)
    }

    func makeInteraction() -> Interaction {
        var body: [UInt8] = []
        var chunks: [BodyChunk] = []
        for index in 0..<events {
            let frame = Array("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"token \(index)\"}}\n\n".utf8)
            chunks.append(BodyChunk(byteOffset: body.count, length: frame.count, offsetNanos: UInt64((index + 1) * gapMillis) * 1_000_000))
            body += frame
        }
        let request = RecordedRequest(
            method: "POST", path: "/v1/messages", query: nil, headers: HeaderList(),
            body: Array(#"{"model":"bench","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"go"}]}"#.utf8))
        let response = RecordedResponse(
            status: 200, headers: HeaderList(pairs: [("Content-Type", "text/event-stream")]), body: body, chunks: chunks, frames: [],
            ttfbNanos: UInt64(gapMillis) * 1_000_000, durationNanos: chunks.last!.offsetNanos, outcome: .complete)
        return Interaction(upstream: nil, request: request, response: response)
    }
}

/// The baseline: writes fixed chunks at absolute deadlines from the request's arrival, nothing else.
struct PacedResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let buffers: [ByteBuffer]
    let offsets: [UInt64]

    init(_ interaction: Interaction) {
        buffers = interaction.response.chunks.map { ByteBuffer(bytes: interaction.response.bytes(of: $0)) }
        offsets = interaction.response.chunks.map(\.offsetNanos)
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let arrival = ContinuousClock.now
        _ = try await request.body.collect(upTo: 1 << 20)
        return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { [buffers, offsets] writer in
            for (buffer, offset) in zip(buffers, offsets) {
                try await Task.sleep(until: arrival + .nanoseconds(Int64(offset)), tolerance: .zero, clock: .continuous)
                try await writer.write(buffer)
            }
            try await writer.finish(nil)
        })
    }
}
