import HTTPTypes
import HummingbirdCore
import Logging

/// Turns a request's head and body into a ``RequestInput``: the `Host`/`Origin` checks, the
/// `x-vcr-flavor`, `/c/NAME/` and `/s/SESSION/` prefixes, the `x-vcr-timing` and `x-vcr-fault`
/// headers, the body's redaction, parse and compat note. The one place both routes read requests.
struct RequestReader: Sendable {
    let options: ServeOptions
    let registry: CassetteRegistry
    let hosts: HostPolicy
    let compat: CompatWarnings
    let logger: Logger
    /// What request bodies mean (parsed, the compat note), kept for bodies sent again.
    private let bodies = BoundedMemo<BodyAnalysis>()

    /// A request body parsed once for matching, and the `x-vcr-compat` note of the features it uses.
    private struct BodyAnalysis: Sendable {
        var parsed: JSONValue?
        var compat: String?
    }

    init(options: ServeOptions, registry: CassetteRegistry, logger: Logger) {
        self.options = options
        self.registry = registry
        self.hosts = HostPolicy(bindHost: options.host, allowed: options.allowedHosts)
        self.compat = CompatWarnings()
        self.logger = logger
    }

    static let sessionHeader = HTTPField.Name("x-vcr-session")!
    static let timingHeader = HTTPField.Name("x-vcr-timing")!
    static let faultHeader = HTTPField.Name("x-vcr-fault")!
    static let flavorHeader = HTTPField.Name("x-vcr-flavor")!
    static let originHeader = HTTPField.Name("Origin")!

    /// A request read whole at once (the hot path's): an input, an admin route's, or the error it gets.
    func read(head: HTTPRequest, body: [UInt8], arrival: ContinuousClock.Instant) -> ReadRequest {
        var note = note(for: head)
        do {
            if try admit(head, note: &note) { return .admin(note) }
            guard body.count <= options.maxBodyBytes else { throw VCRError.requestTooLarge(limit: options.maxBodyBytes) }
            return .input(try input(head: head, note: note, body: body, arrival: arrival))
        } catch {
            return .refused(note, VCRError.from(error))
        }
    }

    /// What is known of a request from its head, before any check.
    func note(for head: HTTPRequest) -> RequestNote {
        RequestNote(
            session: head.headerFields[Self.sessionHeader] ?? RequestNote.defaultSession, method: head.method.rawValue,
            path: URI(head.path ?? "/").path, cassette: registry.defaultCassette, flavor: options.flavor, startedAt: MonotonicClock.now())
    }

    /// The checks of a request's head: `Host` and `Origin`, then (for others than admin routes) the
    /// flavour header and the path's prefixes, which `note` takes in.
    /// - Returns: whether it is for an admin route.
    func admit(_ head: HTTPRequest, note: inout RequestNote) throws -> Bool {
        let admin = note.path.hasPrefix("/__vcr/") || note.path == "/__vcr"
        if let refusal = hosts.refusal(
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
        try applyPrefixes(to: &note)
        return false
    }

    /// The `/c/NAME/` and `/s/SESSION/` prefixes of the path, taken into `note`.
    private func applyPrefixes(to note: inout RequestNote) throws {
        if let prefix = CassettePrefix.split(note.path) {
            note.cassette = try registry.reference(named: prefix.name, forWriting: options.mode == .record)
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

    /// The admitted request with its body, ready for the decision.
    func input(head: HTTPRequest, note: RequestNote, body: [UInt8], arrival: ContinuousClock.Instant) throws -> RequestInput {
        let query = URI(head.path ?? "/").query.flatMap { $0.isEmpty ? nil : $0 }
        // Matching and storage see the body with secrets replaced; the upstream gets it as sent.
        let request = RecordedRequest(
            method: note.method, path: note.path, query: query, headers: HTTPConversions.headerList(head.headerFields),
            body: options.redactor.redact(body))
        let compat = self.compat, logger = self.logger
        let analysis = bodies.value(for: .init(parts: [], bytes: request.body), bytes: request.body.count) {
            let parsed = MatchRules.parseForMatching(request.body)
            return BodyAnalysis(parsed: parsed, compat: compat.headerValue(for: parsed, logger: logger))
        }
        var note = note
        // The compat note goes into the answer's header and, through the note, into the journal.
        note.compat = analysis.compat
        return RequestInput(
            note: note, request: request, arrival: arrival, timing: try timing(head.headerFields[Self.timingHeader]),
            headerFault: try fault(head.headerFields[Self.faultHeader]), upstreamBody: body, parsed: analysis.parsed)
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

    /// The request's `x-vcr-fault`, parsed (queued and `--fault` faults are chosen by the decision).
    private func fault(_ header: String?) throws -> FaultPlan? {
        guard let header else { return nil }
        do {
            return try FaultPlan(parsing: header)
        } catch let error as FaultPlan.ParseError {
            throw VCRError.badRequest("x-vcr-fault: \(error.description)")
        }
    }
}
