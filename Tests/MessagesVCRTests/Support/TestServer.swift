import AsyncHTTPClient
import Foundation
import GRDB
import Hummingbird
import HummingbirdTLS
import Logging
@testable import MessagesVCR
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle

/// Runs services on 127.0.0.1:0 inside a test and shuts them down gracefully afterwards.
enum TestServer {
    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = ProcessInfo.processInfo.environment["VCR_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }()

    /// Runs a Hummingbird responder; `body` gets the bound port.
    static func run<R: HTTPResponder, T: Sendable>(responder: R, _ body: @Sendable (Int) async throws -> T) async throws -> T
    where R.Context == BasicRequestContext {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        return try await withService(app, ports: ports, body)
    }

    /// Runs a Hummingbird responder over TLS; `body` gets the bound port.
    static func runTLS<R: HTTPResponder, T: Sendable>(
        responder: R, tls: TLSConfiguration, _ body: @Sendable (Int) async throws -> T
    ) async throws -> T where R.Context == BasicRequestContext {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: responder, server: try .tls(.http1(), tlsConfiguration: tls), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        return try await withService(app, ports: ports, body)
    }

    /// Runs a messages-vcr server with `options`; `body` gets the port and the server.
    static func runVCR<T: Sendable>(
        _ options: ServeOptions, logger: Logger = TestServer.logger, _ body: @Sendable (Int, VCRServer) async throws -> T
    ) async throws -> T {
        var options = options
        options.host = "127.0.0.1"
        options.port = 0
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = try VCRServer(options: options, logger: logger) { continuation.yield($0.port) }
        return try await withService(server, ports: ports) { port in try await body(port, server) }
    }

    private static func withService<T: Sendable>(
        _ service: some Service, ports: AsyncStream<Int>, _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw TestFailure("server did not start") }
            do {
                let result = try await body(port)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh temporary cassette folder.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "vcr-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Options for a server in front of the fake upstream on `upstreamPort`.
func serveOptions(mode: VCRMode, directory: String, upstreamPort: Int = 1, cassette: String = "test") throws -> ServeOptions {
    var options = ServeOptions(upstream: try UpstreamTarget(url: "http://127.0.0.1:\(upstreamPort)"))
    options.mode = mode
    options.cassetteDirectory = directory
    options.cassette = cassette
    options.firstByteTimeoutSeconds = 10
    return options
}

/// A plain connection to a cassette file that waits for locks (a server's pool may still be
/// checkpointing as it closes) instead of failing with SQLITE_BUSY.
func patientQueue(_ path: String) throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    return try DatabaseQueue(path: path, configuration: configuration)
}

/// Runs blocking work (a socket read with a timeout, waiting for a process) on a thread of its own,
/// so that it does not hold one of the cooperative pool's threads (two on this machine) that every
/// test's servers and clients share.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
