import Hummingbird

/// The `/__vcr/*` admin routes: state you can inspect (and reset) over HTTP.
struct AdminRoutes: Sendable {
    let options: ServeOptions
    let registry: CassetteRegistry
    let stats: ServerStats

    func respond(method: String, path: String) -> Response {
        switch (method, path) {
        case ("GET", "/__vcr/health"):
            return HTTPConversions.json(health())
        default:
            return HTTPConversions.errorResponse(.notFound("no admin route \(method) \(path)"))
        }
    }

    func health() -> JSONValue {
        let counters = stats.snapshot
        return .object([
            "status": "ok",
            "mode": .string(options.mode.rawValue),
            "cassette": .object(["name": .string(registry.defaultCassette.name), "path": .string(registry.defaultCassette.path)]),
            "upstream": .string(options.upstream.description),
            "counters": .object([
                "requests": .int(counters.requests), "recorded": .int(counters.recorded), "replayed": .int(counters.replayed),
                "misses": .int(counters.misses), "forwarded": .int(counters.forwarded), "errors": .int(counters.errors),
                "store_errors": .int(counters.storeErrors),
            ]),
        ])
    }
}
