import Logging

/// The one place where what became of a request is reported: its counter, its log line (errors
/// at error level), its journal entry, its miss in the ``MissLog`` and its mark in the coverage
/// report. Both executors (``HotPathHandler`` and ``PlanRunner``), the forwarder and the error
/// boundary (``VCRResponder``) report through it, once per request.
final class OutcomeReporter: Sendable {
    private let stats: ServerStats
    private let coverage: Coverage
    private let journal: Journal
    private let misses: MissLog
    private let log: RequestLog
    /// Rewrites a recording whose replay answered despite drift (`--accept-drift`).
    private let acceptor: DriftAcceptor

    init(stats: ServerStats, coverage: Coverage, journal: Journal, misses: MissLog, acceptor: DriftAcceptor, logger: Logger) {
        self.stats = stats
        self.coverage = coverage
        self.journal = journal
        self.misses = misses
        self.acceptor = acceptor
        self.log = RequestLog(logger: logger)
    }

    private var logger: Logger { log.logger }

    /// Reports a playback that has ended; one that answered with drift under `--accept-drift` then
    /// has its recording's request rewritten to the one received (``DriftAcceptor``).
    func finished(_ playback: Playback, complete: Bool) {
        report(playback.outcome(complete: complete))
        if complete, let acceptance = playback.acceptance { acceptor.accept(acceptance, drift: playback.report.drift) }
    }

    /// Reports a whole answer about to be written, noting its miss in the ``MissLog`` first.
    func answered(_ answer: WholeAnswer) {
        var outcome = answer.outcome
        if let miss = answer.miss { outcome.missID = misses.add(miss) }
        report(outcome)
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
