import Hummingbird

/// The `/__vcr/*` admin routes: state you can inspect (and reset) over HTTP.
///
/// | route | answers |
/// |---|---|
/// | `GET /__vcr/health` | mode, cassette, upstream, match rules, timing, counters |
/// | `GET /__vcr/journal?limit=N&session=ID` | the last requests and what became of them |
/// | `POST /__vcr/reset[?session=ID]` | resets the session cursors (all, or one session's) |
/// | `GET /__vcr/report` | the coverage report: recordings used, never used, and misses |
/// | `POST /__vcr/synth[?cassette=NAME]` | adds a synthesis script's interactions and rules to a cassette |
/// | `POST /__vcr/faults` | queues a fault for the next N requests: `{"spec": "...", "count": N, "session": "..."}` |
///
/// Errors are thrown, for ``VCRResponder`` to answer, log and journal.
struct AdminRoutes: Sendable {
    let options: ServeOptions
    let registry: CassetteRegistry
    let engine: ReplayEngine
    let journal: Journal
    let coverage: Coverage
    let faults: FaultQueue
    let stats: ServerStats

    func respond(method: String, path: String, query: [String: String], body: [UInt8]) async throws -> Response {
        switch (method, path) {
        case ("GET", "/__vcr/health"):
            return HTTPConversions.json(health())
        case ("GET", "/__vcr/journal"):
            let limit = query["limit"].flatMap(Int.init) ?? 100
            return HTTPConversions.json(Journal.json(journal.recent(limit: limit, session: query["session"])))
        case ("GET", "/__vcr/report"):
            return HTTPConversions.json(await coverage.report(registry: registry))
        case ("POST", "/__vcr/synth"):
            return try await synthesize(body, cassetteName: query["cassette"])
        case ("POST", "/__vcr/faults"):
            return try queueFault(body)
        case ("POST", "/__vcr/reset"):
            engine.cursors.reset(session: query["session"])
            return HTTPConversions.json(.object(["reset": .string(query["session"] ?? "all")]))
        default:
            throw VCRError.notFound("no admin route \(method) \(path)")
        }
    }

    private func synthesize(_ body: [UInt8], cassetteName: String?) async throws -> Response {
        let script: SynthesisScript
        do {
            script = try SynthesisScript(bytes: body)
        } catch let error as OllamaAnswer.ParseError {
            throw VCRError.badRequest("POST /__vcr/synth: \(error.description)")
        }
        let reference = try cassetteName.map { try registry.reference(named: $0, forWriting: true) } ?? registry.defaultCassette
        let store = try await registry.openedStore(for: reference, mode: .createIfMissing)
        guard !store.isReadOnly else { throw VCRError.cassetteReadOnly(path: store.path) }
        let added = try await SynthesisLoader.add(script, to: store)
        await engine.synthesized(added, in: store)
        return HTTPConversions.json(.object([
            "cassette": .string(reference.name),
            "interactions": .array(added.interactions.map { .string($0.id) }),
            "rules": .array(added.rules.map { .string($0.id) }),
        ]))
    }

    private func queueFault(_ body: [UInt8]) throws -> Response {
        let usage = #"POST /__vcr/faults takes {"spec": "...", "count": N, "session": "..."}"#
        guard case .success(let request) = Result(catching: { try JSONParser.parse(body) }) else {
            throw VCRError.badRequest("\(usage): the body is not JSON")
        }
        guard let spec = request["spec"]?.stringValue else { throw VCRError.badRequest("\(usage): \"spec\" is missing") }
        let count = request["count"]?.intValue ?? 1
        guard count > 0 else { throw VCRError.badRequest("\"count\" must be positive") }
        let plan: FaultPlan
        do {
            plan = try FaultPlan(parsing: spec)
        } catch let error as FaultPlan.ParseError {
            throw VCRError.badRequest("POST /__vcr/faults: \(error.description)")
        }
        let session = request["session"]?.stringValue
        faults.add(plan, count: count, session: session)
        return HTTPConversions.json(.object([
            "queued": .string(plan.description), "count": .int(count), "session": session.map { .string($0) } ?? .null,
        ]))
    }

    func health() -> JSONValue {
        let counters = stats.snapshot
        return .object([
            "status": "ok",
            "mode": .string(options.mode.rawValue),
            "cassette": .object(["name": .string(registry.defaultCassette.name), "path": .string(registry.defaultCassette.path)]),
            "upstream": .string(options.upstream.description),
            "timing": .string(options.timing.description),
            "on_exhausted": .string(options.onExhausted.rawValue),
            "miss_status": .int(options.missStatus),
            "rules": .array(options.rules.summary.map { .string($0) }),
            "sessions": .array(engine.cursors.sessions.map { .string($0) }),
            "fault": options.fault.map { .string($0.description) } ?? .null,
            "faults_queued": .int(faults.pending),
            "counters": .object([
                "requests": .int(counters.requests), "recorded": .int(counters.recorded), "replayed": .int(counters.replayed),
                "misses": .int(counters.misses), "emulated": .int(counters.emulated), "synthesized": .int(counters.synthesized), "forwarded": .int(counters.forwarded), "errors": .int(counters.errors),
                "store_errors": .int(counters.storeErrors), "immediate": .int(counters.immediate),
                "relayed": .int(counters.relayed),
            ]),
        ])
    }
}
