import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import MessagesVCR
import NIOCore
import ServiceLifecycle

/// Runs a server on 127.0.0.1:0 for the length of a measurement.
enum BenchServers {
    static func withResponder<R: HTTPResponder, T: Sendable>(
        _ responder: R, logger: Logger, port: Int = 0, _ body: @Sendable (Int) async throws -> T
    ) async throws -> T where R.Context == BasicRequestContext {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        return try await run(app, ports: ports, logger: logger, body)
    }

    /// A temporary cassette holding `interaction`, and options that replay it at `timing` on a free
    /// port, for the duration of `body`.
    static func withReplay<T>(of interaction: Interaction, timing: TimingPolicy = .instant, _ body: (ServeOptions) async throws -> T) async throws -> T {
        let directory = NSTemporaryDirectory() + "vcr-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try CassetteStore(path: directory + "/bench.sqlite", mode: .createIfMissing)
        try await store.save(interaction)
        var options = ServeOptions(upstream: try UpstreamTarget(url: "http://127.0.0.1:1"))
        options.cassetteDirectory = directory
        options.cassette = "bench"
        options.port = 0
        options.timing = timing
        return try await body(options)
    }

    static func withVCR<T: Sendable>(_ options: ServeOptions, logger: Logger, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = try VCRServer(options: options, logger: logger) { continuation.yield($0.port) }
        return try await run(server, ports: ports, logger: logger, body)
    }

    private static func run<T: Sendable>(
        _ service: some Service, ports: AsyncStream<Int>, logger: Logger, _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw BenchError("server did not start") }
            let result = try await body(port)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An AsyncHTTPClient that stamps every chunk on arrival.
final class BenchClient: Sendable {
    let http: HTTPClient = {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(5), read: .seconds(60)))
        configuration.httpVersion = .http1Only
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1024)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// Sends `body` on `streams` connections at once; returns |arrival − recorded offset| (ms) of every
    /// recorded chunk, the chunk ending at byte `ends[i]` being due at `offsets[i]`.
    func errors(port: Int, streams: Int, body: String, offsets: [UInt64], ends: [Int]) async throws -> [Double] {
        try await withThrowingTaskGroup(of: [Double].self) { group in
            for index in 0..<streams {
                group.addTask {
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/messages")
                    request.method = .POST
                    request.headers.add(name: "x-vcr-session", value: "bench-\(index)")
                    request.body = .bytes(ByteBuffer(string: body))
                    let start = MonotonicClock.now()
                    let response = try await self.http.execute(request, timeout: .seconds(120))
                    let arrivals = try await Self.chunkArrivals(response, ends: ends, since: start, label: "stream \(index)")
                    return zip(arrivals, offsets).map { abs(Double($0) - Double($1)) / 1e6 }
                }
            }
            var all: [Double] = []
            for try await errors in group { all += errors }
            return all
        }
    }

    /// When each recorded chunk (ending at byte `ends[i]`) arrived, in ns since `start`: a chunk has
    /// arrived when the bytes up to its end have (TCP may split or merge writes).
    static func chunkArrivals(_ response: HTTPClientResponse, ends: [Int], since start: UInt64, label: String) async throws -> [UInt64] {
        var arrivals: [UInt64] = []
        var received = 0
        for try await buffer in response.body {
            received += buffer.readableBytes
            let now = MonotonicClock.since(start)
            while arrivals.count < ends.count, ends[arrivals.count] <= received { arrivals.append(now) }
        }
        guard arrivals.count == ends.count else {
            throw BenchError("\(label): \(received) bytes arrived, fewer than recorded (status \(response.status.code))")
        }
        return arrivals
    }
}
