import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// A messages-vcr server: a `Service` that listens until its service group shuts it down.
///
/// ```swift
/// let server = try VCRServer(options: options, logger: logger) { ready in print(ready.line) }
/// let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
public final class VCRServer: Service, Sendable {
    /// The configuration in force.
    let options: ServeOptions
    /// The cassettes in use.
    let registry: CassetteRegistry
    /// Live counters.
    let stats = ServerStats()
    /// The last requests handled.
    let journal = Journal()
    /// The last misses, with what the inspector shows of them.
    let misses = MissLog()
    /// Recordings used and requests missed, for the coverage report.
    let coverage = Coverage()
    /// Faults queued by `POST /__vcr/faults`.
    let faults = FaultQueue()
    let engine: ReplayEngine
    /// The upstream's connections (nil in replay mode).
    private let upstreamPool: UpstreamChannelPool?
    private let logger: Logger
    private let onReady: @Sendable (Ready) async -> Void

    /// What a listening server reports once.
    public struct Ready: Sendable {
        /// The bound port.
        public var port: Int
        /// The startup line (``StartupLine``) for stdout.
        public var line: String
    }

    /// Checks the options and opens the default cassette.
    /// - Parameters:
    ///   - options: what to serve.
    ///   - logger: where request lines and warnings go.
    ///   - onReady: called with the bound port and the startup line once the server listens.
    /// - Throws: ``ServeOptionError`` for a bad folder or cassette.
    public init(options: ServeOptions, logger: Logger, onReady: @escaping @Sendable (Ready) async -> Void = { _ in }) throws {
        self.options = options
        self.logger = logger
        self.onReady = onReady
        let locator = CassetteLocator(directory: options.cassetteDirectory)
        try Self.checkDirectory(options.cassetteDirectory, needsWrite: options.mode.records)
        let resolved: (name: String, path: String)
        do {
            resolved = try locator.resolve(option: options.cassette, forWriting: options.mode == .record)
        } catch let error as VCRError {
            throw ServeOptionError(error.message)
        }
        if options.mode.records, resolved.path.hasSuffix(".json") {
            throw ServeOptionError(
                "cassette \(resolved.path) is a JSON export and read-only in --mode \(options.mode): record into a .sqlite cassette (messages-vcr import \(resolved.path) makes one)")
        }
        registry = CassetteRegistry(
            locator: locator, defaultCassette: .init(name: resolved.name, path: resolved.path), maxCassetteBytes: options.maxCassetteBytes)
        do {
            _ = try registry.store(for: registry.defaultCassette, mode: options.mode.records ? .createIfMissing : .existing)
        } catch VCRError.cassetteNotFound {
            logger.warning("cassette \(resolved.path) does not exist: every request will be answered as a miss")
        } catch let error as VCRError {
            throw ServeOptionError(error.message)
        }
        engine = ReplayEngine(rules: options.rules, onExhausted: options.onExhausted)
        let trustRoots = try Self.trustRoots(options.upstreamCAFile)
        do {
            upstreamPool = options.mode.forwards ? try UpstreamChannelPool(target: options.upstream, extraTrustRoots: trustRoots) : nil
        } catch {
            throw ServeOptionError("cannot set up TLS for \(options.upstream): \(error)")
        }
    }

    /// The certificates of `--upstream-ca`, read once at start.
    private static func trustRoots(_ path: String?) throws -> [NIOSSLCertificate] {
        guard let path else { return [] }
        guard FileManager.default.isReadableFile(atPath: path) else { throw ServeOptionError("--upstream-ca \(path): no such readable file") }
        do {
            let certificates = try NIOSSLCertificate.fromPEMFile(path)
            guard !certificates.isEmpty else { throw ServeOptionError("--upstream-ca \(path): no PEM certificate in it") }
            return certificates
        } catch let error as ServeOptionError {
            throw error
        } catch {
            throw ServeOptionError("--upstream-ca \(path): not a PEM certificate file (\(error))")
        }
    }

    private static func checkDirectory(_ path: String, needsWrite: Bool) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ServeOptionError("cassette folder \(path) does not exist")
        }
        if needsWrite, !FileManager.default.isWritableFile(atPath: path) {
            throw ServeOptionError("cassette folder \(path) is not writable")
        }
    }

    /// Listens until the surrounding service group shuts down gracefully, then closes the upstream client.
    public func run() async throws {
        // Each part gets what it uses; every outcome is reported through the one reporter.
        let recorder = ExchangeRecorder(upstream: options.upstream, logger: logger, stats: stats, redactor: options.redactor)
        let reporter = OutcomeReporter(
            stats: stats, coverage: coverage, journal: journal, misses: misses,
            acceptor: DriftAcceptor(engine: engine, recorder: recorder, logger: logger), logger: logger)
        let forwarder = upstreamPool.map { Forwarder(pool: $0, options: options, engine: engine, stats: stats, reporter: reporter, recorder: recorder) }
        let reader = RequestReader(options: options, registry: registry, logger: logger)
        let decider = RequestDecider(options: options, registry: registry, engine: engine, faults: faults)
        let handoffs = RequestHandoffs()
        let responder = VCRResponder(
            options: options, reader: reader, handoffs: handoffs, stats: stats, reporter: reporter,
            runner: PlanRunner(decider: decider, registry: registry, engine: engine, reporter: reporter, forwarder: forwarder),
            admin: AdminRoutes(options: options, registry: registry, engine: engine, journal: journal, coverage: coverage, faults: faults, stats: stats),
            inspector: InspectorRoutes(registry: registry, misses: misses, journal: journal, mode: options.mode))
        var frameworkLogger = logger
        frameworkLogger.logLevel = .warning
        // Replays that are ready, and forwarded requests, are answered on the connection's event loop (HotPathHandler).
        let dates = HTTPDateCache()
        let app = Application(
            responder: responder,
            server: .http1(configuration: .init(
                additionalChannelHandlers: [HotPathInstaller { [stats = self.stats, options = self.options] in
                    HotPathHandler(
                        reader: reader, decider: decider, handoffs: handoffs, reporter: reporter, stats: stats, forwarder: forwarder,
                        options: options, dates: dates)
                }],
                idleTimeout: .nanoseconds(Int64(options.idleTimeoutSeconds * 1e9)))),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { [onReady, options, registry, engine] channel in
                let port = channel.localAddress?.port ?? 0
                let line = StartupLine.format(
                    host: options.host, port: port, mode: options.mode, cassettePath: registry.defaultCassette.path,
                    upstream: options.upstream)
                await onReady(Ready(port: port, line: line))
                // Index the default cassette now, not on the first request (a large one takes a moment).
                if options.mode == .replay || options.mode == .auto,
                    let store = try? await registry.openedStore(for: registry.defaultCassette, mode: .existing)
                {
                    Task { _ = try? await engine.index(for: store) }
                }
            },
            logger: frameworkLogger
        )
        do {
            try await app.run()
        } catch {
            upstreamPool?.closeIdle()
            throw ServeOptionError.listenFailure(host: options.host, port: options.port, error: error) ?? error
        }
        upstreamPool?.closeIdle()
        try await finishReport()
    }

    /// Writes `--report` and applies `--fail-on-miss` once the server has stopped.
    private func finishReport() async throws {
        if let path = options.reportPath {
            let report = PrettyJSONWriter.encode(await coverage.report(registry: registry))
            if !FileManager.default.createFile(atPath: path, contents: Data(report)) {
                logger.error("could not write the coverage report to \(path)")
            }
        }
        let misses = coverage.missCount
        if options.failOnMiss, misses > 0 {
            throw ServeOptionError("\(misses) request(s) matched no recording (--fail-on-miss)\(options.reportPath.map { "; see \($0)" } ?? "")")
        }
    }
}

/// A configuration problem found at start; `description` is the one line printed on stderr.
public struct ServeOptionError: Error, CustomStringConvertible {
    /// The line for stderr.
    public let description: String

    /// Creates an error with its line.
    public init(_ description: String) { self.description = description.hasPrefix("messages-vcr: ") ? String(description.dropFirst(14)) : description }

    static func listenFailure(host: String, port: Int, error: any Error) -> ServeOptionError? {
        if let error = error as? IOError {
            switch error.errnoCode {
            case EADDRINUSE: return .init("cannot listen on \(host):\(port): address already in use")
            case EADDRNOTAVAIL: return .init("cannot listen on \(host):\(port): cannot assign requested address (\(host) is not an address of this machine)")
            default: return .init("cannot listen on \(host):\(port): \(error)")
            }
        }
        // Resolver errors (an unknown --host name) have no typed form here.
        let text = String(describing: error)
        if text.contains("Address already in use") { return .init("cannot listen on \(host):\(port): address already in use") }
        if text.contains("Cannot assign requested address") || text.contains("bind") {
            return .init("cannot listen on \(host):\(port): \(text)")
        }
        return nil
    }
}
