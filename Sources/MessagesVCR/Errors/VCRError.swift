/// Every error messages-vcr raises itself. Each one reaches the client as an Anthropic-shaped
/// JSON error (see ``AnthropicErrorBody``) with the status and `error.type` given here.
public enum VCRError: Error, Sendable, Equatable {
    /// A `/c/NAME/` prefix or `--cassette` value that is not a valid cassette name.
    case invalidCassetteName(String)
    /// Replay mode was asked for a cassette file that does not exist.
    case cassetteNotFound(String)
    /// The cassette file exists but cannot be used (corrupt, not SQLite, newer format).
    case cassetteUnusable(path: String, reason: String)
    /// The upstream could not be reached (refused, DNS, connect timeout, reset before headers).
    case upstreamUnreachable(upstream: String, reason: String)
    /// The upstream did not answer with headers within the first-byte timeout.
    case upstreamTimeout(upstream: String, seconds: Double)
    /// The request body is larger than `--max-body-bytes`.
    case requestTooLarge(limit: Int)
    /// The request could not be read.
    case badRequest(String)
    /// The client took longer than the body timeout to send its request body.
    case requestTimeout(seconds: Double)
    /// An admin route was called without the `--admin-token`.
    case unauthorized(String)
    /// A foreign `Host`, or an admin write from another origin (``HostPolicy``).
    case forbidden(String)
    /// A cassette that can only be read (a JSON export) was asked to take a recording.
    case cassetteReadOnly(path: String)
    /// No recording matches the request (replay mode); the message carries the diagnosis.
    case noMatch(String)
    /// A route messages-vcr itself owns (`/__vcr/…`) that does not exist.
    case notFound(String)
    /// Something inside messages-vcr failed (storage, encoding).
    case internalFailure(String)

    /// The HTTP status the client receives.
    var status: Int {
        switch self {
        case .invalidCassetteName, .badRequest: return 400
        case .unauthorized: return 401
        case .forbidden: return 403
        case .cassetteReadOnly: return 409
        case .requestTimeout: return 408
        case .cassetteNotFound, .noMatch, .notFound: return 404
        case .requestTooLarge: return 413
        case .cassetteUnusable, .internalFailure: return 500
        case .upstreamUnreachable: return 502
        case .upstreamTimeout: return 504
        }
    }

    /// Anthropic's `error.type` for this error.
    var errorType: String {
        switch self {
        case .invalidCassetteName, .badRequest: return "invalid_request_error"
        case .unauthorized: return "authentication_error"
        case .forbidden: return "permission_error"
        case .cassetteReadOnly: return "invalid_request_error"
        case .requestTimeout: return "timeout_error"
        case .cassetteNotFound, .noMatch, .notFound: return "not_found_error"
        case .requestTooLarge: return "request_too_large"
        case .upstreamTimeout: return "timeout_error"
        case .cassetteUnusable, .internalFailure, .upstreamUnreachable: return "api_error"
        }
    }

    /// The human-readable message, always starting with `messages-vcr: `.
    public var message: String {
        switch self {
        case .invalidCassetteName(let name):
            return "messages-vcr: invalid cassette name \(Self.quoted(name)): use 1 to 100 of A-Z a-z 0-9 . _ - and no '..'"
        case .cassetteNotFound(let name):
            return "messages-vcr: cassette \(name) not found"
        case .cassetteUnusable(let path, let reason):
            return "messages-vcr: cassette \(path) cannot be used: \(reason)"
        case .upstreamUnreachable(let upstream, let reason):
            return "messages-vcr: upstream \(upstream) unreachable: \(reason)"
        case .upstreamTimeout(let upstream, let seconds):
            return "messages-vcr: upstream \(upstream) sent no response headers within \(Self.formatSeconds(seconds)) s"
        case .requestTooLarge(let limit):
            return "messages-vcr: request body is larger than --max-body-bytes (\(limit) bytes)"
        case .cassetteReadOnly(let path):
            return "messages-vcr: cassette \(path) is a JSON export and read-only: it cannot take a recording (messages-vcr import \(path) makes a .sqlite cassette that can)"
        case .badRequest(let reason), .unauthorized(let reason), .forbidden(let reason):
            return "messages-vcr: \(reason)"
        case .requestTimeout(let seconds):
            return "messages-vcr: the request body did not arrive within \(Self.formatSeconds(seconds)) s"
        case .noMatch(let detail), .notFound(let detail):
            return "messages-vcr: \(detail)"
        case .internalFailure(let reason):
            return "messages-vcr: internal error: \(reason)"
        }
    }

    /// Any error as one of messages-vcr's own: a ``VCRError`` as it is, anything else (a database or
    /// JSON error, say) as an ``internalFailure(_:)`` that names it.
    static func from(_ error: any Error) -> VCRError {
        if let error = error as? VCRError { return error }
        if error is CancellationError { return .internalFailure("the request was cancelled") }
        return .internalFailure("\(type(of: error)): \(error)")
    }

    private static func quoted(_ text: String) -> String {
        let cut = text.count > 120 ? String(text.prefix(120)) + "…" : text
        return "\"" + cut.unicodeScalars.map { $0.value < 0x20 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined() + "\""
    }

    private static func formatSeconds(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
