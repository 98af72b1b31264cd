import Hummingbird
import Logging
import NIOCore

/// The single responder behind every request: admin routes under `/__vcr/`, the `/c/NAME/` prefix,
/// then the mode's stage (record, passthrough, replay, auto). It answers every method and path:
/// the upstream (or its emulation) decides what exists.
struct VCRResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let options: ServeOptions
    let registry: CassetteRegistry
    let proxy: RecordingProxy
    let stats: ServerStats
    let log: RequestLog

    func respond(to request: Request, context: Context) async throws -> Response {
        let startedAt = MonotonicClock.now()
        let method = request.method.rawValue
        let fullPath = request.uri.path
        if fullPath.hasPrefix("/__vcr/") || fullPath == "/__vcr" {
            return AdminRoutes(options: options, registry: registry, stats: stats).respond(method: method, path: fullPath)
        }
        stats.increment(\.requests)
        do {
            var cassette = registry.defaultCassette
            var path = fullPath
            if let prefix = CassettePrefix.split(fullPath) {
                cassette = try registry.reference(named: prefix.name)
                path = prefix.rest
            }
            var request = request
            let body = try await readBody(&request)
            let query = request.uri.query.flatMap { $0.isEmpty ? nil : $0 }
            let recorded = RecordedRequest(
                method: method, path: path, query: query, headers: HTTPConversions.headerList(request.headers), body: body)
            return try await handle(recorded, cassette: cassette, startedAt: startedAt)
        } catch let error as VCRError {
            stats.increment(\.errors)
            log.write(.init(method: method, path: fullPath, status: error.status, startedAt: startedAt, note: "error=\"\(error.message)\""))
            return HTTPConversions.errorResponse(error)
        }
    }

    private func handle(_ request: RecordedRequest, cassette: CassetteRegistry.CassetteReference, startedAt: UInt64) async throws -> Response {
        switch options.mode {
        case .record:
            let store = try registry.store(for: cassette, mode: .createIfMissing)
            stats.increment(\.forwarded)
            return try await proxy.forward(request, upstreamBody: request.body, recording: .init(store: store), startedAt: startedAt)
        case .passthrough:
            stats.increment(\.forwarded)
            return try await proxy.forward(request, upstreamBody: request.body, recording: nil, startedAt: startedAt)
        case .replay, .auto:
            throw VCRError.notImplemented("mode \(options.mode)")
        }
    }

    /// Reads the whole request body, refusing more than `--max-body-bytes` without buffering the rest.
    private func readBody(_ request: inout Request) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > options.maxBodyBytes {
            throw VCRError.requestTooLarge(limit: options.maxBodyBytes)
        }
        do {
            let buffer = try await request.collectBody(upTo: options.maxBodyBytes)
            return Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw VCRError.requestTooLarge(limit: options.maxBodyBytes)
        }
    }
}
