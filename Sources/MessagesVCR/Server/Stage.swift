import HTTPTypes
import Hummingbird

/// One request on its way through the mode's stages: match → replay (with faults), emulate, or
/// forward → record. Every answer carries `x-vcr-compat` when the request uses features Ollama ignores.
struct Stage: Sendable {
    let responder: VCRResponder
    let request: RecordedRequest
    let cassette: CassetteRegistry.CassetteReference
    let session: String
    let arrival: ContinuousClock.Instant
    let startedAt: UInt64
    let note: JournalNote
    let timing: TimingPolicy
    let fault: FaultPlan?
    /// The body as the client sent it (``request`` holds it with secrets redacted).
    let upstreamBody: [UInt8]

    private var options: ServeOptions { responder.options }
    private var engine: ReplayEngine { responder.engine }

    /// The request body parsed once, for matching and for the compat header.
    private let parsed: JSONValue?

    init(
        responder: VCRResponder, request: RecordedRequest, cassette: CassetteRegistry.CassetteReference, session: String,
        arrival: ContinuousClock.Instant, startedAt: UInt64, note: JournalNote, timing: TimingPolicy, fault: FaultPlan?, upstreamBody: [UInt8]
    ) {
        self.responder = responder
        self.request = request
        self.cassette = cassette
        self.session = session
        self.arrival = arrival
        self.startedAt = startedAt
        self.note = note
        self.timing = timing
        self.fault = fault
        self.upstreamBody = upstreamBody
        self.parsed = MatchRules.parseForMatching(request.body)
    }

    func run() async throws -> Response {
        var response = try await answer()
        if let compat = responder.compat.headerValue(for: parsed, logger: responder.log.logger) {
            response.headers[VCRResponder.compatHeader] = compat
        }
        return response
    }

    private func answer() async throws -> Response {
        switch options.mode {
        case .passthrough:
            return try await forward(recordInto: nil, key: nil)
        case .record:
            let store = try responder.registry.store(for: cassette, mode: .createIfMissing)
            return try await forward(recordInto: store, key: engine.query(for: request, session: session, parsed: .some(parsed)).key)
        case .replay, .auto:
            if let fault, let status = fault.status { return injectedStatus(status, fault: fault) }
            return try await replay()
        }
    }

    private func replay() async throws -> Response {
        let auto = options.mode == .auto
        let store: CassetteStore?
        do {
            store = try responder.registry.store(for: cassette, mode: auto ? .createIfMissing : .existing)
        } catch VCRError.cassetteNotFound(let name) where cassette != responder.registry.defaultCassette {
            throw VCRError.cassetteNotFound(name)
        } catch VCRError.cassetteNotFound {
            store = nil
        }
        let query = engine.query(for: request, session: session, parsed: .some(parsed))
        let lookup = try await engine.lookup(query, in: store, cassetteName: cassette.name, completeOnly: auto)
        if case .hit(let replay, let position, let count) = lookup {
            responder.stats.increment(\.replayed)
            responder.coverage.used(cassette, interactionID: replay.interactionID)
            let detail = count > 1 ? "recording \(min(position, count - 1) + 1) of \(count)" : nil
            return try await play(replay, result: "replayed", detail: detail)
        }
        if case .miss = lookup, let emulated = OllamaEmulator.answer(
            method: request.method, path: request.path, query: request.query, headers: request.headers, body: request.body)
        {
            return respondEmulated(emulated)
        }
        if case .miss = lookup, let store, let generated = try await engine.rule(matching: query, in: store) {
            responder.stats.increment(\.synthesized)
            responder.coverage.used(cassette, interactionID: generated.interactionID)
            return try await play(generated, result: "synthesized", detail: nil)
        }
        if auto, let store {
            return try await forward(recordInto: store, key: query.key)
        }
        let message: String
        switch lookup {
        case .exhausted(let reason): message = reason
        default: message = try await engine.diagnose(query, in: store, cassetteName: cassette.name)
        }
        responder.stats.increment(\.misses)
        let error = VCRError.noMatch(message)
        responder.log.logger.warning("miss: \(message)")
        responder.log.write(.init(method: request.method, path: request.path, status: 404, startedAt: startedAt, note: "miss"))
        responder.journal.append(note.entry(result: "miss", status: 404, detail: error.message))
        responder.coverage.missed(cassette, .init(time: note.time, session: session, method: request.method, path: request.path, detail: error.message))
        return HTTPConversions.errorResponse(error, extraHeaders: HeaderList(pairs: [("x-vcr-miss", "1")]))
    }

    /// Writes a prepared recording (faults applied) and logs it when it ends.
    private func play(_ prepared: PreparedReplay, result: String, detail: String?) async throws -> Response {
        let replay = fault.map { FaultInjector.apply($0, to: prepared) } ?? prepared
        var extra = HTTPFields()
        extra[VCRResponder.interactionHeader] = replay.interactionID
        let log = responder.log, journal = responder.journal, note = self.note, request = self.request, startedAt = self.startedAt
        let timing = self.timing
        let details = [detail, fault.map { "fault \($0)" }].compactMap { $0 }.joined(separator: "; ")
        return try await ReplayPlayer().response(for: replay, timing: timing, arrival: arrival, extraHeaders: extra) { complete in
            log.write(.init(method: request.method, path: request.path, status: replay.status ?? 502, startedAt: startedAt,
                            interactionID: replay.interactionID, note: complete ? result : "\(result) (cut)"))
            journal.append(note.entry(result: result, interactionID: replay.interactionID, status: replay.status ?? 502,
                                      detail: details.isEmpty ? nil : details, timing: timing.description))
        }
    }

    private func respondEmulated(_ emulated: EmulatedAnswer) -> Response {
        responder.stats.increment(\.emulated)
        responder.log.write(.init(method: request.method, path: request.path, status: emulated.status, startedAt: startedAt, note: "emulated \(emulated.reason)"))
        responder.journal.append(note.entry(result: "emulated", status: emulated.status, detail: emulated.reason))
        return HTTPConversions.response(status: emulated.status, headers: emulated.headers, body: emulated.body)
    }

    private func injectedStatus(_ status: Int, fault: FaultPlan) -> Response {
        let body = AnthropicErrorBody.encode(
            type: FaultPlan.errorType(forStatus: status), message: "messages-vcr: injected fault status=\(status)")
        var headers = HeaderList(pairs: [("Content-Type", "application/json")])
        if status == 429 { headers.fields.append(.init(name: "retry-after", value: "1")) }
        responder.log.write(.init(method: request.method, path: request.path, status: status, startedAt: startedAt, note: "fault \(fault)"))
        responder.journal.append(note.entry(result: "fault", status: status, detail: "fault \(fault)"))
        return HTTPConversions.response(status: status, headers: headers, body: body)
    }

    private func forward(recordInto store: CassetteStore?, key: String?) async throws -> Response {
        responder.stats.increment(\.forwarded)
        let alias = options.modelAliases.rewrite(self.upstreamBody)
        let upstreamBody = alias?.body ?? self.upstreamBody
        let aliasNote = alias.map { "model \($0.from) sent upstream as \($0.to)" }
        var recording: RecordingProxy.Recording? = nil
        if let store {
            let engine = self.engine, session = self.session, journal = responder.journal, note = self.note
            recording = .init(store: store, matchKey: key, matchRulesFingerprint: engine.rules.fingerprint) { stored in
                if let key { await engine.recorded(stored, key: key, in: store, session: session) }
                let outcome = stored.response.outcome == .complete ? nil : "outcome \(stored.response.outcome.rawValue)"
                let detail = [aliasNote, outcome].compactMap { $0 }.joined(separator: "; ")
                journal.append(note.entry(result: "recorded", interactionID: stored.id, status: stored.response.status,
                                          detail: detail.isEmpty ? nil : detail))
            }
        }
        return try await responder.proxy.forward(request, upstreamBody: upstreamBody, recording: recording, startedAt: startedAt)
    }
}
