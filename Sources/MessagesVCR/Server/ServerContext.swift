import Logging

/// The services one server shares between all its requests, built once by ``VCRServer``, and the
/// one place where a request's outcome is reported (log line, journal, counters, coverage).
final class ServerContext: Sendable {
    let options: ServeOptions
    let registry: CassetteRegistry
    let engine: ReplayEngine
    let proxy: RecordingProxy
    /// Keep-alive upstream connections per event loop, for the hot path's forwarding
    /// (``ForwardRelay``): in passthrough and record mode, for a plain-HTTP upstream.
    let upstreamPool: UpstreamChannelPool?
    let journal: Journal
    let misses: MissLog
    let stats: ServerStats
    let coverage: Coverage
    let compat: CompatWarnings
    /// What request bodies mean (parsed, the compat note), kept for bodies sent again.
    let bodies = BoundedMemo<BodyAnalysis>()

    /// A request body parsed once for matching, and the `x-vcr-compat` note of the features it uses.
    struct BodyAnalysis: Sendable {
        var parsed: JSONValue?
        var compat: String?
    }
    let faults: FaultQueue
    let hosts: HostPolicy
    let log: RequestLog

    init(
        options: ServeOptions, registry: CassetteRegistry, engine: ReplayEngine, upstream: UpstreamClient, journal: Journal,
        misses: MissLog, stats: ServerStats, coverage: Coverage, faults: FaultQueue, upstreamPool: UpstreamChannelPool?, logger: Logger
    ) {
        self.upstreamPool = upstreamPool
        self.options = options
        self.registry = registry
        self.engine = engine
        self.journal = journal
        self.misses = misses
        self.stats = stats
        self.coverage = coverage
        self.faults = faults
        self.compat = CompatWarnings()
        self.hosts = HostPolicy(bindHost: options.host, allowed: options.allowedHosts)
        self.log = RequestLog(logger: logger)
        self.proxy = RecordingProxy(upstream: upstream, logger: logger, stats: stats, redactor: options.redactor)
    }

    var logger: Logger { log.logger }

    /// Records what became of a request: counts it, writes its log line (errors at error level),
    /// journals it, and notes replays and misses for the coverage report.
    func report(_ outcome: RequestOutcome) {
        switch outcome.result {
        case .replayed: stats.increment(\.replayed)
        case .synthesized: stats.increment(\.synthesized)
        case .emulated: stats.increment(\.emulated)
        case .miss, .exhausted: stats.increment(\.misses)
        case .error: stats.increment(\.errors)
        case .fault, .recorded, .forwarded: break
        }
        let note = outcome.note
        switch outcome.result {
        case .replayed, .synthesized:
            if let id = outcome.interactionID { coverage.used(note.cassette, interactionID: id) }
        case .miss, .exhausted:
            coverage.missed(
                note.cassette, .init(time: note.time, session: note.session, method: note.method, path: note.path, detail: outcome.detail ?? ""))
            logger.warning("\(outcome.result): \(outcome.detail ?? "")")
        case .error:
            logger.error("\(note.method) \(note.path) \(outcome.status.map(String.init) ?? "-"): \(outcome.detail ?? "")")
        default:
            break
        }
        log.write(.init(
            method: note.method, path: note.path, status: outcome.status, startedAt: note.startedAt, interactionID: outcome.interactionID,
            note: outcome.logNote ?? (outcome.result == .error ? "error=\"\(outcome.detail ?? "")\"" : outcome.result.rawValue)))
        journal.append(outcome.journalEntry)
    }
}
