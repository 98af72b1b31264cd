import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore

/// The single responder behind every request: the `Host`/`Origin` checks, admin routes under
/// `/__vcr/`, the `/c/NAME/` prefix, then the mode's stage (record, passthrough, replay, auto). It
/// answers every method and path: the upstream (or its emulation) decides what exists.
///
/// It is also the one error boundary: whatever a request throws before its answer starts (a
/// ``VCRError``, a database or JSON error) becomes an Anthropic-shaped JSON error here, and is
/// logged at error level, journaled and counted through ``ServerContext/report(_:)``.
struct VCRResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let server: ServerContext

    static let sessionHeader = HTTPField.Name("x-vcr-session")!
    static let timingHeader = HTTPField.Name("x-vcr-timing")!
    static let interactionHeader = HTTPField.Name("x-vcr-interaction")!
    static let faultHeader = HTTPField.Name("x-vcr-fault")!
    static let compatHeader = HTTPField.Name("x-vcr-compat")!
    static let flavorHeader = HTTPField.Name("x-vcr-flavor")!
    static let adminTokenHeader = HTTPField.Name("x-vcr-admin-token")!
    static let originHeader = HTTPField.Name("Origin")!

    private var options: ServeOptions { server.options }

    func respond(to request: Request, context: Context) async throws -> Response {
        let arrival = ContinuousClock.now
        var note = note(for: request.head)
        do {
            var request = request
            if try admit(request.head, note: &note) { return try await respondAdmin(&request, note: note) }
            server.stats.increment(\.requests)
            try applyPrefixes(to: &note)
            let body = try await readBody(&request)
            return try await stage(for: request.head, note: note, body: body, arrival: arrival).run()
        } catch {
            let failure = VCRError.from(error)
            server.report(RequestOutcome(note, .error, status: failure.status, detail: failure.message))
            return HTTPConversions.errorResponse(failure, flavor: note.flavor)
        }
    }

    /// What the hot path (``HotPathHandler``) may do with a request read whole, on the
    /// connection's event loop.
    enum HotPathAnswer {
        /// Write this instant replay at once.
        case playback(Stage.Playback)
        /// Forward the request on a pooled connection of the loop.
        case forward(ForwardPlan, UpstreamChannelPool)
    }

    /// The hot path's answer to a request read whole: the same checks, prefixes, headers and
    /// matching as ``respond(to:context:)``, or nil to let it answer (an error, an admin route, a
    /// miss, a fault, anything that waits).
    func hotPathAnswer(head: HTTPRequest, body: [UInt8], arrival: ContinuousClock.Instant) -> HotPathAnswer? {
        var note = note(for: head)
        guard body.count <= options.maxBodyBytes, (try? admit(head, note: &note)) == false, (try? applyPrefixes(to: &note)) != nil,
            let stage = try? stage(for: head, note: note, body: body, arrival: arrival)
        else { return nil }
        if let pool = server.upstreamPool {
            guard let plan = try? stage.immediateForward() else { return nil }
            server.stats.increment(\.requests)
            server.stats.increment(\.relayed)
            return .forward(plan, pool)
        }
        guard head.method == .post, let playback = stage.immediatePlayback() else { return nil }
        server.stats.increment(\.requests)
        server.stats.increment(\.immediate)
        return .playback(playback)
    }

    /// What is known of a request from its head, before any check.
    private func note(for head: HTTPRequest) -> RequestNote {
        RequestNote(
            session: head.headerFields[Self.sessionHeader] ?? RequestNote.defaultSession, method: head.method.rawValue,
            path: URI(head.path ?? "/").path, cassette: server.registry.defaultCassette, flavor: options.flavor, startedAt: MonotonicClock.now())
    }

    /// The checks of a request's head: `Host` and `Origin`, then (for others than admin routes) the
    /// flavour header, which `note` takes in.
    /// - Returns: whether it is for an admin route.
    private func admit(_ head: HTTPRequest, note: inout RequestNote) throws -> Bool {
        let admin = note.path.hasPrefix("/__vcr/") || note.path == "/__vcr"
        if let refusal = server.hosts.refusal(
            authority: head.authority, origin: head.headerFields[Self.originHeader],
            adminWrite: admin && head.method != .get && head.method != .head)
        {
            throw refusal
        }
        if admin { return true }
        if let name = head.headerFields[Self.flavorHeader] {
            do {
                note.flavor = try Flavor(parsing: name)
            } catch {
                throw VCRError.badRequest("x-vcr-flavor: \(error.description)")
            }
        }
        return false
    }

    /// The `/c/NAME/` and `/s/SESSION/` prefixes of the path, taken into `note`.
    private func applyPrefixes(to note: inout RequestNote) throws {
        if let prefix = CassettePrefix.split(note.path) {
            note.cassette = try server.registry.reference(named: prefix.name, forWriting: options.mode == .record)
            note.path = prefix.rest
        }
        if let prefix = CassettePrefix.splitSession(note.path) {
            guard CassettePrefix.isValidSession(prefix.session) else {
                throw VCRError.badRequest("invalid session name \"\(prefix.session)\" in the path: use 1 to 200 of A-Z a-z 0-9 . _ ~ -")
            }
            note.session = prefix.session
            note.path = prefix.rest
        }
    }

    /// The request on its way through the mode's stages.
    private func stage(for head: HTTPRequest, note: RequestNote, body: [UInt8], arrival: ContinuousClock.Instant) throws -> Stage {
        let query = URI(head.path ?? "/").query.flatMap { $0.isEmpty ? nil : $0 }
        // Matching and storage see the body with secrets replaced; the upstream gets it as sent.
        let recorded = RecordedRequest(
            method: note.method, path: note.path, query: query, headers: HTTPConversions.headerList(head.headerFields),
            body: options.redactor.redact(body))
        return Stage(
            server: server, request: recorded, note: note, arrival: arrival, timing: try timing(head.headerFields[Self.timingHeader]),
            headerFault: try fault(head.headerFields[Self.faultHeader]), upstreamBody: body)
    }

    private func respondAdmin(_ request: inout Request, note: RequestNote) async throws -> Response {
        let query = Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { $1 })
        let inspector = note.path == "/__vcr/ui" || note.path.hasPrefix("/__vcr/ui/")
        if let token = options.adminToken, !Self.presents(token, in: request.headers) {
            guard inspector, request.method == .get else {
                throw VCRError.unauthorized("admin routes need the --admin-token (header x-vcr-admin-token or Authorization: Bearer)")
            }
            return query["token"] == token ? InspectorRoutes.acceptToken(token, path: note.path, query: query) : InspectorRoutes.tokenPage()
        }
        if inspector, request.method == .get || request.method == .head {
            return try await InspectorRoutes(server: server).respond(path: note.path, query: query, host: request.head.authority)
        }
        let body = try await readBody(&request)
        return try await AdminRoutes(server: server).respond(method: note.method, path: note.path, query: query, body: body)
    }

    /// Whether the request carries the admin token: in `x-vcr-admin-token`, as a bearer token, or
    /// (from a browser that opened the inspector with `?token=`) in the inspector's cookie.
    private static func presents(_ token: String, in headers: HTTPFields) -> Bool {
        if headers[adminTokenHeader] == token { return true }
        if headers[.authorization] == "Bearer " + token { return true }
        return InspectorRoutes.token(inCookie: headers[.cookie]) == token
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

    /// The request's `x-vcr-fault`, parsed (queued and `--fault` faults are chosen by ``Stage``).
    private func fault(_ header: String?) throws -> FaultPlan? {
        guard let header else { return nil }
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
