/// Deterministic faults for one replayed (or synthesised) response, parsed from a spec such as
/// `stall=500@3;cut-after-events=6` (header `x-vcr-fault`, `POST /__vcr/faults`, `serve --fault`).
///
/// | part | effect |
/// |---|---|
/// | `status=CODE` | an Anthropic-shaped error with that status instead of the recording (429 adds `retry-after`) |
/// | `cut-after-events=N` | the connection closes after N events |
/// | `cut-after-bytes=N` | the connection closes after N body bytes |
/// | `stall=MS@N` | a pause of MS milliseconds after N events (before event N, counting from 0) |
/// | `error-event=TYPE@N` | after N events an `event: error` frame, then the response ends cleanly |
/// | `drop=message_stop` | the `message_stop` event is left out; the response ends cleanly |
///
/// Events and bytes are counted in the recorded stream.
public struct FaultPlan: Sendable, Equatable, CustomStringConvertible {
    /// A pause before an event.
    struct Stall: Sendable, Equatable {
        /// How long, in milliseconds.
        var milliseconds: Int
        /// How many events go out before it.
        var afterEvents: Int
    }

    /// Answer with this status instead of the recording.
    var status: Int?
    /// Close the connection after this many events.
    var cutAfterEvents: Int?
    /// Close the connection after this many bytes.
    var cutAfterBytes: Int?
    /// Pauses.
    var stalls: [Stall] = []
    /// An Anthropic error event (`error.type`) after this many events.
    var errorEvent: (type: String, afterEvents: Int)?
    /// Leave `message_stop` out.
    var dropMessageStop = false
    /// The spec as given.
    public let description: String

    /// Why a spec was refused.
    public struct ParseError: Error, CustomStringConvertible {
        /// One line naming the part at fault.
        public let description: String
    }

    /// Parses a spec.
    /// - Throws: ``ParseError`` naming the part that is wrong.
    public init(parsing spec: String) throws {
        description = spec
        let parts = spec.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw ParseError(description: "empty fault spec") }
        for part in parts {
            func fail(_ reason: String) -> ParseError { ParseError(description: "invalid fault spec \"\(spec)\": \"\(part)\" \(reason)") }
            guard let equals = part.firstIndex(of: "=") else { throw fail("is not NAME=VALUE") }
            let name = String(part[..<equals]), value = String(part[part.index(after: equals)...])
            func count(_ text: Substring) throws -> Int {
                guard let n = Int(text), n >= 0 else { throw fail("needs a whole number ≥ 0") }
                return n
            }
            func at(_ text: String) throws -> (Substring, Int) {
                let pieces = text.split(separator: "@", omittingEmptySubsequences: false)
                guard pieces.count == 2 else { throw fail("needs VALUE@N") }
                return (pieces[0], try count(pieces[1]))
            }
            switch name {
            case "status":
                guard let code = Int(value), (400...599).contains(code) else { throw fail("needs an HTTP error status 400...599") }
                status = code
            case "cut-after-events":
                cutAfterEvents = try count(Substring(value))
            case "cut-after-bytes":
                cutAfterBytes = try count(Substring(value))
            case "stall":
                let (millis, events) = try at(value)
                guard let ms = Int(millis), (0...600_000).contains(ms) else { throw fail("needs MS from 0 to 600000") }
                stalls.append(Stall(milliseconds: ms, afterEvents: events))
            case "error-event":
                let (type, events) = try at(value)
                guard !type.isEmpty, type.allSatisfy({ $0.isLetter || $0 == "_" }) else { throw fail("needs an error type such as overloaded_error") }
                errorEvent = (String(type), events)
            case "drop":
                guard value == "message_stop" else { throw fail("can only drop message_stop") }
                dropMessageStop = true
            default:
                throw fail("is not one of status, cut-after-events, cut-after-bytes, stall, error-event, drop")
            }
        }
    }

    public static func == (lhs: FaultPlan, rhs: FaultPlan) -> Bool { lhs.description == rhs.description }

    /// The Anthropic `error.type` for an injected status (Anthropic's own mapping, not Ollama's).
    static func errorType(forStatus status: Int) -> String {
        switch status {
        case 400: return "invalid_request_error"
        case 401: return "authentication_error"
        case 402: return "billing_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 413: return "request_too_large"
        case 429: return "rate_limit_error"
        case 504: return "timeout_error"
        case 529: return "overloaded_error"
        default: return "api_error"
        }
    }

    /// True when the plan changes the body (not only its status).
    var changesStream: Bool {
        cutAfterEvents != nil || cutAfterBytes != nil || !stalls.isEmpty || errorEvent != nil || dropMessageStop
    }
}
