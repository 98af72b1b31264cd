import Hummingbird

/// The general route's executor, in Hummingbird's task: asks ``RequestDecider`` for a plan, does
/// the I/O a plan needs (off the event loops: SQLite on its own queues, a cassette opened on the
/// thread pool), asks again, and carries the plan out as a Hummingbird response.
struct PlanRunner: Sendable {
    let decider: RequestDecider
    let registry: CassetteRegistry
    let engine: ReplayEngine
    let reporter: OutcomeReporter
    /// Nil in replay mode, where no plan forwards.
    let forwarder: Forwarder?

    /// How many times a decision may be asked for one request: each turn loads one thing, and a
    /// request needs at most a store, an index, a few recordings and a diagnosis.
    private static let maxTurns = 64

    /// The answer to `input`.
    func respond(to input: RequestInput) async throws -> Response {
        var known = Known(query: decider.query(for: input))
        for _ in 0..<Self.maxTurns {
            let plan = try decider.decide(input, known: known)
            if case .needs(let need) = plan {
                try await fulfil(need, for: input, known: &known)
                continue
            }
            // Another request took the cursor or the fault first: decide again.
            guard decider.claim(plan.claim) else { continue }
            return try await carryOut(plan, for: input)
        }
        throw VCRError.internalFailure("no decision for \(input.note.method) \(input.note.path) after \(Self.maxTurns) turns")
    }

    private func fulfil(_ need: Need, for input: RequestInput, known: inout Known) async throws {
        switch need {
        case .store(let cassette, let mode):
            do {
                _ = try await registry.openedStore(for: cassette, mode: mode)
            } catch VCRError.cassetteNotFound where cassette == registry.defaultCassette {
                known.storeMissing = true
            }
        case .index(let store):
            _ = try await engine.index(for: store)
        case .recording(let id, let store, let flavor):
            try await engine.prepare(id, in: store, as: flavor)
        case .rules(let store):
            try await engine.loadRules(for: store)
        case .models(let store):
            known.models = try await store?.models() ?? []
        case .diagnosis(let query, let store):
            known.diagnosis = try await engine.diagnose(query, in: store, cassetteName: input.note.cassette.name)
        }
    }

    private func carryOut(_ plan: RequestPlan, for input: RequestInput) async throws -> Response {
        switch plan {
        case .answer(let answer):
            reporter.answered(answer)
            return Response(status: .init(code: answer.status), headers: answer.headers, body: .init(byteBuffer: .init(bytes: answer.body)))
        case .play(let playback):
            let reporter = self.reporter
            return try await ReplayPlayer().response(
                for: playback.replay, timing: playback.timing, arrival: input.arrival, extraHeaders: playback.extraHeaders,
                flavor: input.note.flavor
            ) { complete in reporter.finished(playback, complete: complete) }
        case .forward(let forwarding):
            guard let forwarder else { throw VCRError.internalFailure("a plan forwards in replay mode") }
            return try await StreamedRelayClient.forward(forwarder.plan(forwarding, for: input), through: forwarder)
        case .admin, .needs:
            throw VCRError.internalFailure("plan \(plan) cannot be carried out")
        }
    }
}
