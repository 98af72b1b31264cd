import NIOCore

/// What forwarding needs, in one value for both executors: the upstream's pooled connections,
/// the recorder that stores exchanges, the timeouts, model aliases, and who reports the outcome.
/// ``plan(_:for:)`` turns a decision's ``Forwarding`` into the ``ForwardPlan`` that a
/// ``ForwardRelay`` carries out. None exists in replay mode: nothing is forwarded there.
struct Forwarder: Sendable {
    let pool: UpstreamChannelPool
    let recorder: ExchangeRecorder
    let limits: UpstreamConnection.Limits
    let modelAliases: ModelAliases
    let engine: ReplayEngine
    let stats: ServerStats
    let reporter: OutcomeReporter

    init(pool: UpstreamChannelPool, options: ServeOptions, engine: ReplayEngine, stats: ServerStats, reporter: OutcomeReporter, recorder: ExchangeRecorder) {
        self.pool = pool
        self.recorder = recorder
        self.limits = .init(
            firstByte: .nanoseconds(Int64(options.firstByteTimeoutSeconds * 1e9)),
            silence: options.upstreamReadTimeoutSeconds.map { .nanoseconds(Int64($0 * 1e9)) })
        self.modelAliases = options.modelAliases
        self.engine = engine
        self.stats = stats
        self.reporter = reporter
    }

    /// The forwarding of `input` (counted as forwarded), stored as `forwarding` says, and the
    /// report made when the exchange has ended.
    func plan(_ forwarding: Forwarding, for input: RequestInput) -> ForwardPlan {
        stats.increment(\.forwarded)
        let alias = modelAliases.rewrite(input.upstreamBody)
        let aliasNote = alias.map { "model \($0.from) sent upstream as \($0.to)" }
        let note = input.note, key = forwarding.key, engine = self.engine, reporter = self.reporter
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
            reporter.report(RequestOutcome(
                note, stored == nil ? .forwarded : .recorded, status: response.status, interactionID: stored?.id,
                detail: detail.isEmpty ? nil : detail, logNote: outcome == nil ? "" : "outcome=\(response.outcome.rawValue)"))
        }
    }
}
