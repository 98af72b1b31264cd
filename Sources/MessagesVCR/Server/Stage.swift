import HTTPTypes
import Hummingbird

/// One request on its way through the mode's stages: match → replay (with faults), emulate, or
/// forward → record. Every answer carries `x-vcr-compat` when the request uses features Ollama
/// ignores; every outcome is reported once through ``ServerContext/report(_:)`` (errors thrown here
/// are reported by ``VCRResponder``).
struct Stage: Sendable {
    let server: ServerContext
    let request: RecordedRequest
    private(set) var note: RequestNote
    let arrival: ContinuousClock.Instant
    let timing: TimingPolicy
    /// The request's own `x-vcr-fault`: it applies to whatever answers this request.
    let headerFault: FaultPlan?
    /// The body as the client sent it (``request`` holds it with secrets redacted).
    let upstreamBody: [UInt8]
    /// The request body parsed once, for matching and for the compat header.
    private let parsed: JSONValue?

    private var options: ServeOptions { server.options }
    private var engine: ReplayEngine { server.engine }
    private var cassette: CassetteRegistry.CassetteReference { note.cassette }
    private var flavor: Flavor { note.flavor }

    init(
        server: ServerContext, request: RecordedRequest, note: RequestNote, arrival: ContinuousClock.Instant, timing: TimingPolicy,
        headerFault: FaultPlan?, upstreamBody: [UInt8]
    ) {
        self.server = server
        self.request = request
        self.note = note
        self.arrival = arrival
        self.timing = timing
        self.headerFault = headerFault
        self.upstreamBody = upstreamBody
        let compat = server.compat, logger = server.logger
        let analysis = server.bodies.value(for: .init(parts: [], bytes: request.body), bytes: request.body.count) {
            let parsed = MatchRules.parseForMatching(request.body)
            return ServerContext.BodyAnalysis(parsed: parsed, compat: compat.headerValue(for: parsed, logger: logger))
        }
        self.parsed = analysis.parsed
        // The compat note goes into the answer's header and, through the note, into the journal.
        self.note.compat = analysis.compat
    }

    func run() async throws -> Response {
        var response = try await answer()
        if let compat = note.compat {
            let answerNote = response.headers[VCRResponder.compatHeader]
            response.headers[VCRResponder.compatHeader] = answerNote.map { compat + ", " + $0 } ?? compat
        }
        return response
    }

    private func answer() async throws -> Response {
        switch options.mode {
        case .passthrough:
            return try await forward(recordInto: nil, key: nil)
        case .record:
            let store = try server.registry.store(for: cassette, mode: .createIfMissing)
            return try await forward(recordInto: store, key: engine.query(for: request, session: note.session, parsed: .some(parsed)).key)
        case .replay, .auto:
            if flavor == .anthropic, let rejection = AnthropicEmulator.rejection(path: request.path, headers: request.headers) {
                return emulated(rejection)
            }
            if let fault = statusFault(), let status = fault.status { return injectedStatus(status, fault: fault) }
            return try await replay()
        }
    }

    // MARK: - Faults

    /// A `status=` fault for this request: its own header's, else (for `/v1/messages` only, so
    /// `GET /` and `count_tokens` probes leave it queued) one queued for its session, else `--fault`'s.
    private func statusFault() -> FaultPlan? {
        if let headerFault { return headerFault.status == nil ? nil : headerFault }
        guard request.path == "/v1/messages" else { return nil }
        return server.faults.take(session: note.session, if: { $0.status != nil }) ?? options.fault.flatMap { $0.status == nil ? nil : $0 }
    }

    /// The fault for a response about to be replayed: the header's, else one queued for the
    /// session (used up only here, by a request that replays), else `--fault`'s.
    private func replayFault() -> FaultPlan? {
        headerFault ?? server.faults.take(session: note.session) ?? options.fault
    }

    // MARK: - Replay

    private func replay() async throws -> Response {
        let auto = options.mode == .auto
        let store: CassetteStore?
        do {
            store = try server.registry.store(for: cassette, mode: auto ? .createIfMissing : .existing)
        } catch VCRError.cassetteNotFound(let name) where cassette != server.registry.defaultCassette {
            throw VCRError.cassetteNotFound(name)
        } catch VCRError.cassetteNotFound {
            store = nil
        }
        let query = engine.query(for: request, session: note.session, parsed: .some(parsed))
        let lookup = try await engine.lookup(query, in: store, cassetteName: cassette.name, completeOnly: auto, as: flavor)
        if case .hit(let recorded, let position, let count) = lookup {
            if recorded.recordedFrom != flavor, let answer = try await answer(insteadOf: recorded, store: store) { return emulated(answer) }
            var response = try await play(hit(recorded, position: position, count: count, query: query))
            if flavor == .anthropic, request.path == AnthropicEmulator.countTokensPath {
                response.headers[VCRResponder.compatHeader] = "count_tokens recorded"
            }
            return response
        }
        if case .miss = lookup, let answer = try await emulatedAnswer(store: store) {
            return emulated(answer)
        }
        if case .miss = lookup, let store, let generated = try await engine.rule(matching: query, in: store) {
            return try await play(playback(generated, result: .synthesized, detail: nil))
        }
        if auto, let store {
            guard !store.isReadOnly else { throw VCRError.cassetteReadOnly(path: store.path) }
            return try await forward(recordInto: store, key: query.key)
        }
        let result: RequestResult
        let message: String
        var missID: Int?
        switch lookup {
        case .exhausted(let reason):
            (result, message) = (.exhausted, reason)
        default:
            let diagnosis = try await engine.diagnose(query, in: store, cassetteName: cassette.name)
            (result, message) = (.miss, diagnosis.message)
            missID = server.misses.add { id in
                MissLog.Entry(
                    id: id, time: note.time, session: note.session, cassette: cassette.name, method: request.method, path: request.path,
                    message: VCRError.noMatch(diagnosis.message).message, request: request, received: query.body,
                    nearestID: diagnosis.nearestID, nearest: diagnosis.nearest, leftOut: diagnosis.leftOut)
            }
        }
        let error = VCRError.noMatch(message)
        server.report(RequestOutcome(note, result, status: options.missStatus, detail: error.message, missID: missID))
        return HTTPConversions.errorResponse(
            error, status: options.missStatus, extraHeaders: HeaderList(pairs: [("x-vcr-miss", "1")]), flavor: flavor)
    }

    // MARK: - Emulation

    /// What the flavour's server answers without a model: Ollama's routing and validation; the API's
    /// `count_tokens` estimate, its model list, Ollama's body validation with the API's headers, and
    /// the API's 404 for the routes only Ollama serves.
    private func emulatedAnswer(store: CassetteStore?) async throws -> EmulatedAnswer? {
        let ollama = ollamaAnswer()
        guard flavor == .anthropic else { return ollama }
        switch (request.method, request.path) {
        case ("POST", AnthropicEmulator.countTokensPath):
            return AnthropicEmulator.countTokens(body: request.body)
        case ("GET", "/v1/models"):
            return AnthropicEmulator.models(try await store?.models() ?? [])
        default:
            guard let ollama else { return nil }
            if request.path == "/v1/messages", ollama.status == 400 {
                return EmulatedAnswer(status: 400, headers: AnthropicEmulator.errorHeaders(status: 400), body: ollama.body, reason: ollama.reason)
            }
            return AnthropicEmulator.notFound(method: request.method, path: request.path)
        }
    }

    /// The flavour's own answer where a recording made by the other server cannot stand: Ollama has
    /// no `count_tokens` (nor any route it does not serve), and the API's model list is not Ollama's.
    private func answer(insteadOf recorded: PreparedReplay, store: CassetteStore?) async throws -> EmulatedAnswer? {
        switch flavor {
        case .ollama:
            let answer = ollamaAnswer()
            return answer?.status == 404 ? answer : nil
        case .anthropic:
            return request.method == "GET" && request.path == "/v1/models" ? AnthropicEmulator.models(try await store?.models() ?? []) : nil
        }
    }

    /// Ollama's model-independent answer to this request, if it has one.
    private func ollamaAnswer() -> EmulatedAnswer? {
        OllamaEmulator.answer(method: request.method, path: request.path, query: request.query, headers: request.headers, body: request.body)
    }

    private func emulated(_ answer: EmulatedAnswer) -> Response {
        server.report(RequestOutcome(note, .emulated, status: answer.status, detail: answer.reason, logNote: "emulated \(answer.reason)"))
        var response = HTTPConversions.response(status: answer.status, headers: answer.headers, body: answer.body, flavor: flavor)
        if flavor == .anthropic, request.path == AnthropicEmulator.countTokensPath, answer.status == 200 {
            response.headers[VCRResponder.compatHeader] = "count_tokens estimated"
        }
        return response
    }

    /// A matching recording made ready to play: localized to this machine, with what the journal says of it.
    private func hit(_ recorded: PreparedReplay, position: Int, count: Int, query: ReplayEngine.Query) -> Playback {
        let local = engine.localize(recorded, for: query)
        let rewrites = local.used.isEmpty ? nil : "rewrote " + local.used.map { "\($0.substitution) (\($0.count)×)" }.joined(separator: ", ")
        let detail = [count > 1 ? "recording \(min(position, count - 1) + 1) of \(count)" : nil, rewrites].compactMap { $0 }.joined(separator: "; ")
        return playback(local.replay, result: .replayed, detail: detail.isEmpty ? nil : detail, substitutions: local.used.map(\.substitution))
    }

    /// A recording about to be written: shaped for the flavour, faults applied, the headers
    /// messages-vcr adds, and the report made when it ends (complete or cut).
    struct Playback: Sendable {
        var replay: PreparedReplay
        var timing: TimingPolicy
        /// `x-vcr-interaction`, and `x-vcr-compat` when the request uses features Ollama ignores.
        var extraHeaders: HTTPFields
        var finish: @Sendable (_ complete: Bool) -> Void
    }

    private func playback(
        _ prepared: PreparedReplay, result: RequestResult, detail: String?, substitutions: [MachineValues.Substitution] = []
    ) -> Playback {
        let fault = replayFault()
        let shaped = FlavorShaper(target: flavor).shape(prepared)  // recordings come shaped (and cached) from the engine; rules' answers do not
        let replay = fault.map { FaultInjector.apply($0, to: shaped) } ?? shaped
        var extra = HTTPFields()
        extra[VCRResponder.interactionHeader] = replay.interactionID
        let server = self.server, note = self.note, timing = self.timing
        let details = [detail, fault.map { "fault \($0)" }].compactMap { $0 }.joined(separator: "; ")
        let rewritten = substitutions.isEmpty ? "" : " rewrote " + substitutions.map(\.name).joined(separator: ",")
        return Playback(replay: replay, timing: timing, extraHeaders: extra) { complete in
            server.report(RequestOutcome(
                note, result, status: replay.status ?? 502, interactionID: replay.interactionID, detail: details.isEmpty ? nil : details,
                timing: timing.description, logNote: (complete ? result.rawValue : "\(result.rawValue) (cut)") + rewritten,
                substitutions: substitutions))
        }
    }

    /// Writes a playback through Hummingbird and reports it when it ends.
    private func play(_ playback: Playback) async throws -> Response {
        try await ReplayPlayer().response(
            for: playback.replay, timing: playback.timing, arrival: arrival, extraHeaders: playback.extraHeaders, flavor: flavor,
            onFinish: playback.finish)
    }

    /// The playback of a `POST /v1/messages` that a recording answers at `instant` pace and that can
    /// be written at once on the connection's event loop (``HotPathHandler``): the index is
    /// loaded, the recording prepared, no fault, no header check, no cut to reproduce. Nil: answer through
    /// ``run()`` (nothing was used up: no cursor taken, no fault dequeued).
    func immediatePlayback() -> Playback? {
        guard options.mode == .replay || options.mode == .auto, request.method == "POST", request.path == "/v1/messages",
            timing == .instant, headerFault == nil, options.fault == nil, server.faults.pending == 0,
            flavor == .ollama || AnthropicEmulator.rejection(path: request.path, headers: request.headers) == nil,
            let store = try? server.registry.store(for: cassette, mode: .existing)
        else { return nil }
        let query = engine.query(for: request, session: note.session, parsed: .some(parsed))
        guard case .hit(let recorded, let position, let count)? = engine.lookupIfReady(
            query, in: store, cassetteName: cassette.name, completeOnly: options.mode == .auto, as: flavor)
        else { return nil }
        var playback = hit(recorded, position: position, count: count, query: query)
        if let compat = note.compat { playback.extraHeaders[VCRResponder.compatHeader] = compat }
        return playback
    }

    private func injectedStatus(_ status: Int, fault: FaultPlan) -> Response {
        let body = AnthropicErrorBody.encode(
            type: FaultPlan.errorType(forStatus: status), message: "messages-vcr: injected fault status=\(status)")
        var headers = HeaderList(pairs: [("Content-Type", "application/json")])
        if flavor == .anthropic {
            headers = AnthropicEmulator.errorHeaders(status: status)
        } else if status == 429 {
            headers.fields.append(.init(name: "retry-after", value: "1"))
        }
        server.report(RequestOutcome(note, .fault, status: status, detail: "fault \(fault)", logNote: "fault \(fault)"))
        return HTTPConversions.response(status: status, headers: headers, body: body, flavor: flavor)
    }

    // MARK: - Forwarding

    private func forward(recordInto store: CassetteStore?, key: String?) async throws -> Response {
        try await server.proxy.forward(forwardPlan(recordInto: store, key: key))
    }

    /// The forwarding of this request (counted as forwarded), stored into `store` under `key` when given.
    private func forwardPlan(recordInto store: CassetteStore?, key: String?) -> ForwardPlan {
        server.stats.increment(\.forwarded)
        let alias = options.modelAliases.rewrite(self.upstreamBody)
        let aliasNote = alias.map { "model \($0.from) sent upstream as \($0.to)" }
        let session = note.session == RequestNote.defaultSession ? nil : note.session
        let server = self.server, note = self.note
        let recording = store.map { store in
            RecordingProxy.Recording(store: store, matchKey: key, matchRulesFingerprint: engine.rulesFingerprint, session: session) { stored, done in
                guard let key else { return done() }
                server.engine.recorded(stored, key: key, in: store, session: note.session, then: done)
            }
        }
        return ForwardPlan(note: note, request: request, upstreamBody: alias?.body ?? self.upstreamBody, recording: recording) { response, stored in
            let outcome = response.outcome == .complete ? nil : "outcome \(response.outcome.rawValue)"
            let unstored = recording != nil && stored == nil ? "not stored (see the error above)" : nil
            let detail = [aliasNote, outcome, unstored].compactMap { $0 }.joined(separator: "; ")
            server.report(RequestOutcome(
                note, stored == nil ? .forwarded : .recorded, status: response.status, interactionID: stored?.id,
                detail: detail.isEmpty ? nil : detail, logNote: outcome == nil ? "" : "outcome=\(response.outcome.rawValue)"))
        }
    }

    /// The forwarding of a request that can be carried out on the connection's event loop
    /// (``ForwardRelay``): `--mode passthrough` or `record`, whatever the path. Nil: through ``run()``.
    func immediateForward() throws -> ForwardPlan? {
        switch options.mode {
        case .passthrough:
            return forwardPlan(recordInto: nil, key: nil)
        case .record:
            let store = try server.registry.store(for: cassette, mode: .createIfMissing)
            guard !store.isReadOnly else { return nil }
            return forwardPlan(recordInto: store, key: engine.query(for: request, session: note.session, parsed: .some(parsed)).key)
        case .replay, .auto:
            return nil
        }
    }
}
