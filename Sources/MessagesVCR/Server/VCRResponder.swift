import HTTPTypes
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
    let engine: ReplayEngine
    let journal: Journal
    let stats: ServerStats
    let coverage: Coverage
    let compat: CompatWarnings
    let faults: FaultQueue
    let log: RequestLog

    static let sessionHeader = HTTPField.Name("x-vcr-session")!
    static let timingHeader = HTTPField.Name("x-vcr-timing")!
    static let interactionHeader = HTTPField.Name("x-vcr-interaction")!
    static let faultHeader = HTTPField.Name("x-vcr-fault")!
    static let compatHeader = HTTPField.Name("x-vcr-compat")!
    static let adminTokenHeader = HTTPField.Name("x-vcr-admin-token")!

    func respond(to request: Request, context: Context) async throws -> Response {
        let arrival = ContinuousClock.now
        let startedAt = MonotonicClock.now()
        let method = request.method.rawValue
        let fullPath = request.uri.path
        if fullPath.hasPrefix("/__vcr/") || fullPath == "/__vcr" {
            if let token = options.adminToken, !Self.presents(token, in: request.headers) {
                return HTTPConversions.errorResponse(.unauthorized("admin routes need the --admin-token (header x-vcr-admin-token or Authorization: Bearer)"))
            }
            var request = request
            let body = (try? await readBody(&request)) ?? []
            return await AdminRoutes(
                options: options, registry: registry, engine: engine, journal: journal, stats: stats, coverage: coverage, faults: faults
            ).respond(
                method: method, path: fullPath,
                query: Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { $1 }),
                body: body)
        }
        stats.increment(\.requests)
        let session = request.headers[Self.sessionHeader] ?? "default"
        var note = JournalNote(session: session, method: method, path: fullPath, cassette: registry.defaultCassette.name)
        do {
            var cassette = registry.defaultCassette
            var path = fullPath
            if let prefix = CassettePrefix.split(fullPath) {
                cassette = try registry.reference(named: prefix.name, forWriting: options.mode == .record)
                path = prefix.rest
            }
            note.cassette = cassette.name
            note.path = path
            var request = request
            let body = try await readBody(&request)
            let query = request.uri.query.flatMap { $0.isEmpty ? nil : $0 }
            // Matching and storage see the body with secrets replaced; the upstream gets it as sent.
            let recorded = RecordedRequest(
                method: method, path: path, query: query, headers: HTTPConversions.headerList(request.headers),
                body: options.redactor.redact(body))
            let stage = Stage(
                responder: self, request: recorded, cassette: cassette, session: session, arrival: arrival, startedAt: startedAt,
                note: note, timing: try timing(request.headers[Self.timingHeader]), fault: try fault(request.headers[Self.faultHeader], session: session),
                upstreamBody: body)
            return try await stage.run()
        } catch let error as VCRError {
            stats.increment(\.errors)
            log.write(.init(method: method, path: fullPath, status: error.status, startedAt: startedAt, note: "error=\"\(error.message)\""))
            journal.append(note.entry(result: "error", status: error.status, detail: error.message))
            return HTTPConversions.errorResponse(error)
        }
    }

    private static func presents(_ token: String, in headers: HTTPFields) -> Bool {
        if headers[adminTokenHeader] == token { return true }
        return headers[.authorization] == "Bearer " + token
    }

    /// The request's `x-vcr-timing`, else `--timing`.
    private func timing(_ header: String?) throws -> TimingPolicy {
        guard let header else { return options.timing }
        do {
            return try TimingPolicy(parsing: header)
        } catch let error as TimingPolicy.ParseError {
            throw VCRError.badRequest("x-vcr-timing: \(error.description)")
        }
    }

    /// The request's `x-vcr-fault`, else one queued by `POST /__vcr/faults`, else `--fault`
    /// (a queued fault is used up only by a request that replays: faults apply to replays).
    private func fault(_ header: String?, session: String) throws -> FaultPlan? {
        guard let header else {
            guard options.mode == .replay || options.mode == .auto else { return nil }
            return faults.take(session: session) ?? options.fault
        }
        do {
            return try FaultPlan(parsing: header)
        } catch let error as FaultPlan.ParseError {
            throw VCRError.badRequest("x-vcr-fault: \(error.description)")
        }
    }

    /// Reads the whole request body, refusing more than `--max-body-bytes` without buffering the rest.
    private func readBody(_ request: inout Request) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > options.maxBodyBytes {
            throw VCRError.requestTooLarge(limit: options.maxBodyBytes)
        }
        let limit = options.maxBodyBytes, seconds = options.bodyTimeoutSeconds
        let started = MonotonicClock.now()
        do {
            // A client that trickles its body is answered 408 once the body timeout has passed
            // (one that stops sending is closed by the idle timeout). The body is read in this task
            // only: Hummingbird drains what is left after the response, never concurrently.
            var collected: [UInt8] = []
            for try await buffer in request.body {
                collected.append(contentsOf: buffer.readableBytesView)
                if collected.count > limit { throw VCRError.requestTooLarge(limit: limit) }
                if Double(MonotonicClock.since(started)) > seconds * 1e9 { throw VCRError.requestTimeout(seconds: seconds) }
            }
            return collected
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw VCRError.requestTooLarge(limit: limit)
        }
    }
}

/// What the journal needs to know about a request before its outcome is known.
struct JournalNote: Sendable {
    var session: String
    var method: String
    var path: String
    var cassette: String
    let time = Date()

    func entry(result: String, interactionID: String? = nil, status: Int? = nil, detail: String? = nil, timing: String? = nil) -> Journal.Entry {
        Journal.Entry(
            time: time, session: session, method: method, path: path, cassette: cassette, result: result,
            interactionID: interactionID, status: status, detail: detail, timing: timing)
    }
}

import Foundation
