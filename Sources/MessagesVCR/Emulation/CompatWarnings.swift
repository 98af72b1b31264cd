import Logging
import NIOConcurrencyHelpers

/// The request features Ollama silently ignores or handles differently from Anthropic's API
/// (reference §9): sent to the client as `x-vcr-compat: tool_choice; metadata; …` and logged once
/// per kind, so a user learns why their `tool_choice` did nothing.
final class CompatWarnings: Sendable {
    /// A request feature Ollama ignores or treats differently; the raw value is the header's word.
    enum Feature: String, Sendable, CaseIterable {
        case toolChoice = "tool_choice"
        case metadata
        case cacheControl = "cache_control"
        case thinkingBudget = "thinking.budget_tokens"
        case documentBlock = "document-block"
        case citations
        case stopSequences = "stop_sequences"
        case redactedThinking = "redacted_thinking"
        case toolResultIsError = "tool_result.is_error"
        case serverTool = "server-tool"
        case unknownField = "unknown-field"

        /// What it means, for the log line.
        var explanation: String {
            switch self {
            case .toolChoice: return "Ollama parses tool_choice and ignores it"
            case .metadata: return "Ollama ignores metadata"
            case .cacheControl: return "Ollama ignores prompt caching (no cache usage is reported)"
            case .thinkingBudget: return "Ollama never reads thinking.budget_tokens"
            case .documentBlock: return "Ollama drops document blocks silently: the model never sees them"
            case .citations: return "Ollama ignores citations and never returns them"
            case .stopSequences: return "Ollama reports a stop-sequence hit as end_turn, without stop_sequence"
            case .redactedThinking: return "Ollama drops redacted_thinking blocks"
            case .toolResultIsError: return "Ollama ignores is_error: the model cannot tell a failed tool"
            case .serverTool: return "Ollama turns Anthropic server/client tool types into plain functions"
            case .unknownField: return "Ollama ignores unknown top-level fields"
            }
        }
    }

    private let logged = NIOLockedValueBox<Set<Feature>>([])

    /// The top-level fields Ollama's `MessagesRequest` reads.
    static let knownFields: Set<String> = [
        "model", "max_tokens", "messages", "system", "stream", "temperature", "top_p", "top_k", "stop_sequences", "tools",
        "tool_choice", "thinking", "metadata", "output_config",
    ]

    /// Creates a warner that has logged nothing yet.
    public init() {}

    /// The features of `body` that Ollama ignores or treats differently, in declaration order.
    static func features(of body: JSONValue) -> [Feature] {
        guard let members = body.objectMembers else { return [] }
        var found = Set<Feature>()
        for member in members where member.value != .null {
            switch member.key {
            case "tool_choice": found.insert(.toolChoice)
            case "metadata": found.insert(.metadata)
            case "thinking" where member.value["budget_tokens"] != nil: found.insert(.thinkingBudget)
            case "stop_sequences" where !(member.value.arrayValue ?? []).isEmpty: found.insert(.stopSequences)
            case _ where !knownFields.contains(member.key): found.insert(.unknownField)
            default: break
            }
        }
        scan(body) { found.insert($0) }
        for tool in body["tools"]?.arrayValue ?? [] {
            if let type = tool["type"]?.stringValue, type != "custom", !type.hasPrefix("web_search") { found.insert(.serverTool) }
        }
        return Feature.allCases.filter(found.contains)
    }

    /// Walks every nested value for per-block features.
    private static func scan(_ value: JSONValue, add: (Feature) -> Void) {
        switch value {
        case .object(let members):
            switch value["type"]?.stringValue {
            case "document": add(.documentBlock)
            case "redacted_thinking": add(.redactedThinking)
            case "tool_result" where value["is_error"] != nil: add(.toolResultIsError)
            default: break
            }
            for member in members {
                if member.key == "cache_control" { add(.cacheControl) }
                if member.key == "citations" { add(.citations) }
                scan(member.value, add: add)
            }
        case .array(let items):
            items.forEach { scan($0, add: add) }
        default:
            break
        }
    }

    /// The header value for a parsed request `body` (nil when there is nothing to say), logging each kind the first time.
    func headerValue(for body: JSONValue?, logger: Logger) -> String? {
        guard let value = body else { return nil }
        let features = Self.features(of: value)
        guard !features.isEmpty else { return nil }
        let fresh = logged.withLockedValue { seen in features.filter { seen.insert($0).inserted } }
        for feature in fresh { logger.info("compat: \(feature.rawValue): \(feature.explanation)") }
        return features.map(\.rawValue).joined(separator: "; ")
    }
}
