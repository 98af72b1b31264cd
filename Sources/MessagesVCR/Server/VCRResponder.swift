import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore

/// Hummingbird's route for every request the hot path (``HotPathHandler``) does not answer: admin
/// routes under `/__vcr/`, then the decision (``RequestDecider``) carried out by ``PlanRunner``.
/// It answers every method and path: the upstream (or its emulation) decides what exists.
///
/// It is also Hummingbird's error boundary: whatever a request throws before its answer starts (a
/// ``VCRError``, a database or JSON error) becomes an Anthropic-shaped JSON error here, and is
/// logged at error level, journaled and counted through ``OutcomeReporter/report(_:)``. (The hot
/// path answers only plans that cannot fail before their head; the forwarding relay reports the
/// upstream's failures the same way, through the same error shape.)
struct VCRResponder: HTTPResponder {
    typealias Context = VCRRequestContext

    let options: ServeOptions
    let reader: RequestReader
    /// Requests the hot path read and left to this route.
    let handoffs: RequestHandoffs
    let stats: ServerStats
    let reporter: OutcomeReporter
    let runner: PlanRunner
    let admin: AdminRoutes
    let inspector: InspectorRoutes

    static let adminTokenHeader = HTTPField.Name("x-vcr-admin-token")!

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        var read = handoffs.take(head: request.head, on: context.channel)
        if read == nil { read = await readRequest(&request) }
        switch read! {
        case .admin(let note):
            do {
                return try await respondAdmin(&request, note: note)
            } catch {
                return fail(error, note: note)
            }
        case .refused(let note, let error):
            stats.increment(\.requests)
            return fail(error, note: note)
        case .input(let input):
            stats.increment(\.requests)
            do {
                return try await runner.respond(to: input)
            } catch {
                return fail(error, note: input.note)
            }
        }
    }

    /// Reads a request Hummingbird got straight from the connection: its checks, then its body.
    private func readRequest(_ request: inout Request) async -> ReadRequest {
        let arrival = ContinuousClock.now
        var note = reader.note(for: request.head)
        do {
            if try reader.admit(request.head, note: &note) { return .admin(note) }
            let body = try await readBody(&request)
            return .input(try reader.input(head: request.head, note: note, body: body, arrival: arrival))
        } catch {
            return .refused(note, VCRError.from(error))
        }
    }

    private func fail(_ error: any Error, note: RequestNote) -> Response {
        let failure = VCRError.from(error)
        reporter.report(RequestOutcome(note, .error, status: failure.status, detail: failure.message))
        return HTTPConversions.errorResponse(failure, flavor: note.flavor)
    }

    private func respondAdmin(_ request: inout Request, note: RequestNote) async throws -> Response {
        let query = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { $1 })
        let forInspector = note.path == "/__vcr/ui" || note.path.hasPrefix("/__vcr/ui/")
        if let token = options.adminToken, !Self.presents(token, in: request.headers) {
            guard forInspector, request.method == .get else {
                throw VCRError.unauthorized("admin routes need the --admin-token (header x-vcr-admin-token or Authorization: Bearer)")
            }
            return query["token"] == token ? InspectorRoutes.acceptToken(token, path: note.path, query: query) : InspectorRoutes.tokenPage()
        }
        if forInspector, request.method == .get || request.method == .head {
            return try await inspector.respond(path: note.path, query: query, host: request.head.authority)
        }
        let body = try await readBody(&request)
        return try await admin.respond(method: note.method, path: note.path, query: query, body: body)
    }

    /// Whether the request carries the admin token: in `x-vcr-admin-token`, as a bearer token, or
    /// (from a browser that opened the inspector with `?token=`) in the inspector's cookie.
    private static func presents(_ token: String, in headers: HTTPFields) -> Bool {
        if headers[adminTokenHeader] == token { return true }
        if headers[.authorization] == "Bearer " + token { return true }
        return InspectorRoutes.token(inCookie: headers[.cookie]) == token
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
