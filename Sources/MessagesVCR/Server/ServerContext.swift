import Logging

/// The services one server shares between all its requests, built once by ``VCRServer``, and the
/// one place where a request's outcome is reported (log line, journal, counters, coverage).
final class ServerContext: Sendable {
    let options: ServeOptions
    let registry: CassetteRegistry
    let engine: ReplayEngine
    /// Stores forwarded exchanges.
    let recorder: ExchangeRecorder
    /// The upstream's keep-alive connections, per event loop (nil in replay mode: nothing is forwarded).
    let upstreamPool: UpstreamChannelPool?
    let journal: Journal
    let misses: MissLog
    let stats: ServerStats
    let coverage: Coverage
    let faults: FaultQueue
    let log: RequestLog
    /// Reads requests into inputs for the decision.
    let reader: RequestReader
    /// The one decision about a request.
    let decider: RequestDecider
    /// Requests the hot path read and left to Hummingbird's route.
    let handoffs = RequestHandoffs()

    init(
        options: ServeOptions, registry: CassetteRegistry, engine: ReplayEngine, journal: Journal,
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
        self.log = RequestLog(logger: logger)
        self.reader = RequestReader(options: options, registry: registry, logger: logger)
        self.decider = RequestDecider(options: options, registry: registry, engine: engine, faults: faults)
        self.recorder = ExchangeRecorder(upstream: options.upstream, logger: logger, stats: stats, redactor: options.redactor)
    }

    var logger: Logger { log.logger }

    /// Reports a playback that has ended; one that answered with drift under `--accept-drift` then
    /// rewrites its recording's request to the one received (in its own transaction, off the loop).
    func finish(_ playback: Playback, complete: Bool) {
        report(playback.outcome(complete: complete))
        guard complete, let acceptance = playback.acceptance else { return }
        let request = recorder.storedRequest(acceptance.request), fingerprint = engine.rulesFingerprint
        let engine = self.engine, logger = self.logger, drift = playback.report.drift
        Task {
            do {
                try await acceptance.store.replaceRequest(
                    id: acceptance.recordingID, with: request, matchKey: acceptance.key, matchRulesFingerprint: fingerprint)
                engine.forget(acceptance.recordingID, in: acceptance.store)
                logger.notice("accepted drift: recording \(acceptance.recordingID) now holds the request received (\(drift?.description ?? ""))")
            } catch {
                logger.error("recording \(acceptance.recordingID) keeps its request: \(VCRError.from(error).message)")
            }
        }
    }

    /// Reports a whole answer about to be written, noting its miss in the ``MissLog`` first.
    func carryOut(_ answer: WholeAnswer) {
        var outcome = answer.outcome
        if let miss = answer.miss { outcome.missID = misses.add(miss) }
        report(outcome)
    }

    /// The forwarding of `input` (counted as forwarded), stored as `forwarding` says, and the report
    /// made when the exchange has ended.
    func forwardPlan(_ forwarding: Forwarding, for input: RequestInput) -> ForwardPlan {
        stats.increment(\.forwarded)
        let alias = options.modelAliases.rewrite(input.upstreamBody)
        let aliasNote = alias.map { "model \($0.from) sent upstream as \($0.to)" }
        let note = input.note, key = forwarding.key, engine = self.engine
        let session = note.session == RequestNote.defaultSession ? nil : note.session
        let recording = forwarding.store.map { store in
            ExchangeRecorder.Recording(store: store, matchKey: key, matchRulesFingerprint: engine.rulesFingerprint, session: session) { stored, done in
                guard let key else { return done() }
                engine.recorded(stored, key: key, in: store, session: note.session, then: done)
            }
        }
        return ForwardPlan(note: note, request: input.request, upstreamBody: alias?.body ?? input.upstreamBody, recording: recording) { response, stored in
            let outcome = response.outcome == .complete ? nil : "outcome \(response.outcome.rawValue)"
            let unstored = recording != nil && stored == nil ? "not stored (see the error above)" : nil
            let detail = [aliasNote, outcome, unstored].compactMap { $0 }.joined(separator: "; ")
            self.report(RequestOutcome(
                note, stored == nil ? .forwarded : .recorded, status: response.status, interactionID: stored?.id,
                detail: detail.isEmpty ? nil : detail, logNote: outcome == nil ? "" : "outcome=\(response.outcome.rawValue)"))
        }
    }

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
            if let drift = outcome.drift {
                coverage.drifted(note.cassette, drift)
                logger.notice("drift: \(note.method) \(note.path) replayed \(drift.recordingID) despite its client's own texts: \(drift.description)")
            }
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
