import HTTPTypes
import NIOConcurrencyHelpers

/// The one decision about a request: request + what is loaded → a ``RequestPlan``. Synchronous,
/// with no I/O and nothing used up (cursors and queued faults are claimed by the executor,
/// ``claim(_:)``), so the hot path and Hummingbird's route ask the same function, as often as
/// they need: a plan that ``RequestPlan/needs(_:)`` something is asked again once it is loaded.
struct RequestDecider: Sendable {
    let options: ServeOptions
    let registry: CassetteRegistry
    let engine: ReplayEngine
    let faults: FaultQueue
    /// Claims of a cursor and a fault are taken together.
    private let claims = NIOLock()

    init(options: ServeOptions, registry: CassetteRegistry, engine: ReplayEngine, faults: FaultQueue) {
        self.options = options
        self.registry = registry
        self.engine = engine
        self.faults = faults
    }

    /// The plan for `input`, given what earlier turns learnt (`known`).
    /// - Throws: ``VCRError`` for a request that can only get one of messages-vcr's own errors.
    func decide(_ input: RequestInput, known: Known = Known()) throws -> RequestPlan {
        switch options.mode {
        case .passthrough:
            return .forward(Forwarding(store: nil, key: nil))
        case .record:
            guard let store = registry.openStore(for: input.note.cassette) else { return .needs(.store(input.note.cassette, .createIfMissing)) }
            return .forward(Forwarding(store: store, key: query(input, known).key))
        case .replay, .auto:
            if input.note.flavor.routes.requiresKey, let rejection = AnthropicEmulator.rejection(path: input.request.path, headers: input.request.headers) {
                return .answer(emulated(rejection, input))
            }
            if let (fault, status, claim) = statusFault(input) { return .answer(injected(status, fault: fault, claim: claim, input)) }
            return try replay(input, known: known)
        }
    }

    /// The match key of `input` and what it is computed from; nil in passthrough, which matches nothing.
    func query(for input: RequestInput) -> ReplayEngine.Query? {
        options.mode == .passthrough ? nil : query(input, Known())
    }

    private func query(_ input: RequestInput, _ known: Known) -> ReplayEngine.Query {
        known.query ?? engine.query(for: input.request, session: input.note.session, parsed: .some(input.parsed))
    }

    // MARK: - Replay

    private func replay(_ input: RequestInput, known: Known) throws -> RequestPlan {
        let auto = options.mode == .auto, cassette = input.note.cassette, flavor = input.note.flavor
        var store: CassetteStore?
        if !known.storeMissing {
            guard let open = registry.openStore(for: cassette) else { return .needs(.store(cassette, auto ? .createIfMissing : .existing)) }
            store = open
        }
        let query = query(input, known)
        var matched: ReplayEngine.Match = .none
        if let store {
            guard let index = engine.loadedIndex(for: store) else { return .needs(.index(store)) }
            matched = engine.match(query, in: store, index: index, completeOnly: auto, as: flavor)
        }
        switch matched {
        case .needs(let id):
            return .needs(.recording(id: id, store!, flavor))
        case .candidates(let candidates, let position, let drift):
            let cursor = Claim.Cursor(cassette: store!.path, session: query.session, matchKey: query.key, position: position)
            if position >= candidates.count, engine.onExhausted == .error {
                if auto { return try forward(into: store!, query: query) }
                let route = "\(input.request.method) \(input.request.path)"
                let message = "request \(route) matched \(candidates.count) recording(s) in cassette \(cassette.name), all already replayed in session \(query.session) (--on-exhausted error)"
                var answer = missAnswer(.exhausted, message: message, input)
                answer.claim.cursor = cursor
                return .answer(answer)
            }
            let entry = candidates[min(position, candidates.count - 1)]
            guard let recorded = engine.preparedIfReady(entry.id, in: store!, as: flavor) else {
                return .needs(.recording(id: entry.id, store!, flavor))
            }
            if recorded.recordedFrom != flavor, let plan = answer(insteadOf: recorded, store: store, input, known: known) { return plan }
            var playback = hit(recorded, position: position, count: candidates.count, query: query, drift: drift, store: store, input)
            playback.claim.cursor = cursor
            if flavor.routes.countTokens, input.request.path == AnthropicEmulator.countTokensPath {
                playback.extraHeaders[Self.compatHeader] = Self.compat(input.note.compat, "count_tokens recorded")
            }
            return .play(playback)
        case .drifted(let drift):
            let message = "no recording matches \(input.request.method) \(input.request.path) in cassette \(cassette.name): "
                + "it differs from \(drift.recordingID) only in its client's own texts (--drift miss): " + drift.paths.joined(separator: ", ")
            return try miss(input, query: query, store: store, known: known, drift: message)
        case .none:
            return try miss(input, query: query, store: store, known: known, drift: nil)
        }
    }

    /// No recording answers: the flavour's own answer, a synthesis rule's, a forwarding (auto), or a miss.
    private func miss(_ input: RequestInput, query: ReplayEngine.Query, store: CassetteStore?, known: Known, drift: String?) throws -> RequestPlan {
        if let plan = emulatedAnswer(input, store: store, known: known) { return plan }
        if let store {
            guard let rules = engine.loadedRules(for: store) else { return .needs(.rules(store)) }
            if let generated = engine.rule(matching: query, in: rules) {
                return .play(playback(generated, result: .synthesized, detail: nil, input))
            }
        }
        if options.mode == .auto, let store { return try forward(into: store, query: query) }
        if let drift { return .answer(missAnswer(.miss, message: drift, input)) }
        guard let diagnosis = known.diagnosis else { return .needs(.diagnosis(query, store)) }
        var answer = missAnswer(.miss, message: diagnosis.message, input)
        let note = input.note, request = input.request
        answer.miss = { id in
            MissLog.Entry(
                id: id, time: note.time, session: note.session, cassette: note.cassette.name, method: request.method, path: request.path,
                message: VCRError.noMatch(diagnosis.message).message, request: request, received: query.body,
                nearestID: diagnosis.nearestID, nearest: diagnosis.nearest, leftOut: diagnosis.leftOut)
        }
        return .answer(answer)
    }

    /// Auto mode's answer to what the cassette lacks: forwarded and recorded.
    private func forward(into store: CassetteStore, query: ReplayEngine.Query) throws -> RequestPlan {
        guard !store.isReadOnly else { throw VCRError.cassetteReadOnly(path: store.path) }
        return .forward(Forwarding(store: store, key: query.key))
    }

    private func missAnswer(_ result: RequestResult, message: String, _ input: RequestInput) -> WholeAnswer {
        let error = VCRError.noMatch(message)
        var headers = HeaderList(pairs: [("x-vcr-miss", "1")])
        if let compat = input.note.compat { headers.fields.append(.init(name: Self.compatHeader.rawName, value: compat)) }
        let outcome = RequestOutcome(input.note, result, status: options.missStatus, detail: error.message)
        return WholeAnswer(error: error, status: options.missStatus, extraHeaders: headers, flavor: input.note.flavor, outcome: outcome)
    }

    // MARK: - Faults

    /// A `status=` fault for this request: its own header's, else (for `/v1/messages` only, so
    /// `GET /` and `count_tokens` probes leave it queued) one queued for its session, else `--fault`'s.
    private func statusFault(_ input: RequestInput) -> (FaultPlan, Int, Claim)? {
        if let fault = input.headerFault { return fault.status.map { (fault, $0, Claim()) } }
        guard input.request.path == AnthropicEmulator.messagesPath else { return nil }
        if let ticket = faults.peek(session: input.note.session), let status = ticket.plan.status {
            return (ticket.plan, status, Claim(fault: ticket))
        }
        return options.fault.flatMap { fault in fault.status.map { (fault, $0, Claim()) } }
    }

    /// The fault for a response about to be replayed: the header's, else one queued for the
    /// session, else `--fault`'s.
    private func replayFault(_ input: RequestInput) -> (FaultPlan?, FaultQueue.Ticket?) {
        if let fault = input.headerFault { return (fault, nil) }
        if let ticket = faults.peek(session: input.note.session) { return (ticket.plan, ticket) }
        return (options.fault, nil)
    }

    private func injected(_ status: Int, fault: FaultPlan, claim: Claim, _ input: RequestInput) -> WholeAnswer {
        let flavor = input.note.flavor
        let error = flavor.errorAnswer(
            status: status, type: FaultPlan.errorType(forStatus: status), message: "messages-vcr: injected fault status=\(status)", reason: "fault")
        var (headers, body) = (error.headers, error.body)
        if !flavor.errors.retryHeaders, status == 429 { headers.fields.append(.init(name: "retry-after", value: "1")) }
        let outcome = RequestOutcome(input.note, .fault, status: status, detail: "fault \(fault)", logNote: "fault \(fault)")
        var answer = WholeAnswer(status: status, headers: headers, body: body, flavor: flavor, compat: input.note.compat, outcome: outcome)
        answer.claim = claim
        return answer
    }

    // MARK: - Emulation

    /// What the flavour's server answers without a model: Ollama's routing and validation; for a
    /// flavour with a route table, its `count_tokens` estimate, model list, health, validation
    /// (with its own error headers) and 404 for the routes it does not serve.
    private func emulatedAnswer(_ input: RequestInput, store: CassetteStore?, known: Known) -> RequestPlan? {
        let request = input.request, flavor = input.note.flavor, routes = flavor.routes
        guard case .table = routes.router else { return ollamaAnswer(request).map { .answer(emulated($0, input)) } }
        switch (request.method, request.path) {
        case ("POST", AnthropicEmulator.countTokensPath) where routes.countTokens:
            return .answer(emulated(AnthropicEmulator.countTokens(body: request.body, as: flavor), input))
        case ("GET", let path) where routes.modelPaths.contains(path):
            return models(store: store, input, known: known)
        case ("GET", let path) where routes.health.contains(path):
            return .answer(emulated(LlamacppEmulator.health(), input))
        case ("POST", AnthropicEmulator.messagesPath):
            switch routes.validation {
            case .ollama:
                guard let ollama = ollamaAnswer(request), ollama.status == 400 else { return nil }
                var headers = flavor.errorHeaders(status: 400)
                headers.fields.removeAll { $0.name.lowercased() == "content-type" }
                headers.fields.insert(.init(name: "Content-Type", value: flavor.errors.validationContentType), at: 0)
                return .answer(emulated(EmulatedAnswer(status: 400, headers: headers, body: ollama.body, reason: ollama.reason), input))
            case .messagesRequired:
                return LlamacppEmulator.rejection(body: request.body).map { .answer(emulated($0, input)) }
            }
        default:
            return routes.serves(method: request.method, path: request.path) ? nil : .answer(emulated(notFound(request, flavor), input))
        }
    }

    /// The flavour's own answer where a recording made by another server cannot stand: a route the
    /// flavour's server does not serve (Ollama has no `count_tokens`), and a model list it builds.
    private func answer(insteadOf recorded: PreparedReplay, store: CassetteStore?, _ input: RequestInput, known: Known) -> RequestPlan? {
        let request = input.request, flavor = input.note.flavor
        switch flavor.routes.router {
        case .ollama:
            guard let answer = ollamaAnswer(request), answer.status == 404 else { return nil }
            return .answer(emulated(answer, input))
        case .table:
            if !flavor.routes.serves(method: request.method, path: request.path) { return .answer(emulated(notFound(request, flavor), input)) }
            return request.method == "GET" && flavor.routes.modelPaths.contains(request.path) ? models(store: store, input, known: known) : nil
        }
    }

    /// The 404 of a route the flavour's server does not serve.
    private func notFound(_ request: RecordedRequest, _ flavor: Flavor) -> EmulatedAnswer {
        flavor.errors.shape == .codeMessageType
            ? LlamacppEmulator.notFound(method: request.method, path: request.path)
            : AnthropicEmulator.notFound(method: request.method, path: request.path)
    }

    /// The API's model list, once the cassette's models are known.
    private func models(store: CassetteStore?, _ input: RequestInput, known: Known) -> RequestPlan {
        guard let models = known.models else { return .needs(.models(store)) }
        let list = input.note.flavor.routes.models == .llamacpp ? LlamacppEmulator.models(models) : AnthropicEmulator.models(models)
        return .answer(emulated(list, input))
    }

    /// Ollama's model-independent answer to this request, if it has one.
    private func ollamaAnswer(_ request: RecordedRequest) -> EmulatedAnswer? {
        OllamaEmulator.answer(method: request.method, path: request.path, query: request.query, headers: request.headers, body: request.body)
    }

    private func emulated(_ answer: EmulatedAnswer, _ input: RequestInput) -> WholeAnswer {
        let outcome = RequestOutcome(input.note, .emulated, status: answer.status, detail: answer.reason, logNote: "emulated \(answer.reason)")
        let estimated = input.note.flavor.routes.countTokens && input.request.path == AnthropicEmulator.countTokensPath && answer.status == 200
        return WholeAnswer(
            status: answer.status, headers: answer.headers, body: answer.body, flavor: input.note.flavor,
            compat: Self.compat(input.note.compat, estimated ? "count_tokens estimated" : nil), outcome: outcome)
    }

    // MARK: - Playback

    /// A matching recording made ready to play: localized to this machine, with what the journal says of it.
    private func hit(
        _ recorded: PreparedReplay, position: Int, count: Int, query: ReplayEngine.Query, drift: Drift?, store: CassetteStore?,
        _ input: RequestInput
    ) -> Playback {
        let local = engine.localize(recorded, for: query)
        let rewrites = local.used.isEmpty ? nil : "rewrote " + local.used.map { "\($0.substitution) (\($0.count)×)" }.joined(separator: ", ")
        let detail = [count > 1 ? "recording \(min(position, count - 1) + 1) of \(count)" : nil, rewrites].compactMap { $0 }.joined(separator: "; ")
        var playback = playback(
            local.replay, result: .replayed, detail: detail.isEmpty ? nil : detail, substitutions: local.used.map(\.substitution), input)
        if let drift {
            playback.report.drift = drift
            playback.extraHeaders[Self.driftHeader] = drift.paths.joined(separator: ", ")
            if options.acceptDrift, let store, !store.isReadOnly {
                playback.acceptance = .init(store: store, recordingID: recorded.interactionID, request: input.request, key: query.key)
                playback.report.detail = [playback.report.detail, "request updated to the client's (--accept-drift)"].compactMap { $0 }.joined(separator: "; ")
            }
        }
        return playback
    }

    private func playback(
        _ prepared: PreparedReplay, result: RequestResult, detail: String?, substitutions: [MachineValues.Substitution] = [], _ input: RequestInput
    ) -> Playback {
        let (fault, ticket) = replayFault(input)
        let shaped = FlavorShaper(target: input.note.flavor).shape(prepared)  // recordings come shaped (and cached) from the engine; rules' answers do not
        let replay = fault.map { FaultInjector.apply($0, to: shaped) } ?? shaped
        var extra = HTTPFields()
        extra[Self.interactionHeader] = replay.interactionID
        if let compat = input.note.compat { extra[Self.compatHeader] = compat }
        let details = [detail, fault.map { "fault \($0)" }].compactMap { $0 }.joined(separator: "; ")
        return Playback(
            replay: replay, timing: input.timing, extraHeaders: extra, fault: fault, claim: Claim(fault: ticket),
            report: .init(note: input.note, result: result, detail: details.isEmpty ? nil : details, substitutions: substitutions))
    }

    // MARK: - Claims

    /// Takes the cursor position and the queued fault `claim` was decided with; false (nothing
    /// taken) when another request took either first, and the decision is to be asked again.
    func claim(_ claim: Claim) -> Bool {
        guard !claim.isEmpty else { return true }
        return claims.withLock {
            if let ticket = claim.fault, !faults.holds(ticket) { return false }
            if let cursor = claim.cursor,
                !engine.cursors.take(cassette: cursor.cassette, session: cursor.session, matchKey: cursor.matchKey, at: cursor.position)
            {
                return false
            }
            if let ticket = claim.fault { _ = faults.take(ticket) }
            return true
        }
    }

    static let interactionHeader = HTTPField.Name("x-vcr-interaction")!
    static let compatHeader = HTTPField.Name("x-vcr-compat")!
    static let driftHeader = HTTPField.Name("x-vcr-drift")!

    /// The request's compat note followed by the answer's own.
    static func compat(_ request: String?, _ answer: String?) -> String? {
        switch (request, answer) {
        case (let request?, let answer?): return request + ", " + answer
        default: return request ?? answer
        }
    }
}
