import HTTPTypes
import Hummingbird

/// One request on its way through the mode's stages: match → replay, or forward → record.
struct Stage: Sendable {
    let responder: VCRResponder
    let request: RecordedRequest
    let cassette: CassetteRegistry.CassetteReference
    let session: String
    let arrival: ContinuousClock.Instant
    let startedAt: UInt64
    let note: JournalNote

    private var options: ServeOptions { responder.options }
    private var engine: ReplayEngine { responder.engine }

    func run(timingHeader: String?) async throws -> Response {
        switch options.mode {
        case .passthrough:
            return try await forward(recordInto: nil, key: nil)
        case .record:
            let store = try responder.registry.store(for: cassette, mode: .createIfMissing)
            return try await forward(recordInto: store, key: engine.query(for: request, session: session).key)
        case .replay, .auto:
            let timing: TimingPolicy
            do {
                timing = try timingHeader.map { try TimingPolicy(parsing: $0) } ?? options.timing
            } catch let error as TimingPolicy.ParseError {
                throw VCRError.badRequest("x-vcr-timing: \(error.description)")
            }
            return try await replay(timing: timing)
        }
    }

    private func replay(timing: TimingPolicy) async throws -> Response {
        let auto = options.mode == .auto
        let store: CassetteStore?
        do {
            store = try responder.registry.store(for: cassette, mode: auto ? .createIfMissing : .existing)
        } catch VCRError.cassetteNotFound(let name) where cassette != responder.registry.defaultCassette {
            throw VCRError.cassetteNotFound(name)
        } catch VCRError.cassetteNotFound {
            store = nil
        }
        let query = engine.query(for: request, session: session)
        switch try await engine.lookup(query, in: store, cassetteName: cassette.name, completeOnly: auto) {
        case .hit(let replay, let position, let count):
            responder.stats.increment(\.replayed)
            responder.coverage.used(cassette, interactionID: replay.interactionID)
            var extra = HTTPFields()
            extra[VCRResponder.interactionHeader] = replay.interactionID
            let log = responder.log, journal = responder.journal, note = self.note, request = self.request, startedAt = self.startedAt
            let detail = count > 1 ? "recording \(min(position, count - 1) + 1) of \(count)" : nil
            return try await ReplayPlayer().response(for: replay, timing: timing, arrival: arrival, extraHeaders: extra) { complete in
                log.write(.init(method: request.method, path: request.path, status: replay.status ?? 502, startedAt: startedAt,
                                interactionID: replay.interactionID, note: complete ? "replayed" : "replayed (cut)"))
                journal.append(note.entry(result: "replayed", interactionID: replay.interactionID, status: replay.status ?? 502,
                                          detail: detail, timing: timing.description))
            }
        case .miss(let message), .exhausted(let message):
            if auto, let store {
                return try await forward(recordInto: store, key: query.key)
            }
            responder.stats.increment(\.misses)
            let error = VCRError.noMatch(message)
            responder.log.logger.warning("miss: \(message)")
            responder.log.write(.init(method: request.method, path: request.path, status: 404, startedAt: startedAt, note: "miss"))
            responder.journal.append(note.entry(result: "miss", status: 404, detail: error.message))
            responder.coverage.missed(cassette, .init(time: note.time, session: session, method: request.method, path: request.path, detail: error.message))
            return HTTPConversions.errorResponse(error, extraHeaders: HeaderList(pairs: [("x-vcr-miss", "1")]))
        }
    }

    private func forward(recordInto store: CassetteStore?, key: String?) async throws -> Response {
        responder.stats.increment(\.forwarded)
        var recording: RecordingProxy.Recording? = nil
        if let store {
            let engine = self.engine, session = self.session, journal = responder.journal, note = self.note
            recording = .init(store: store, matchKey: key, matchRulesFingerprint: engine.rules.fingerprint) { stored in
                if let key { await engine.recorded(stored, key: key, in: store, session: session) }
                journal.append(note.entry(result: "recorded", interactionID: stored.id, status: stored.response.status,
                                          detail: stored.response.outcome == .complete ? nil : "outcome \(stored.response.outcome.rawValue)"))
            }
        }
        return try await responder.proxy.forward(request, upstreamBody: request.body, recording: recording, startedAt: startedAt)
    }
}
