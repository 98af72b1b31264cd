import Logging
import NIOConcurrencyHelpers

/// The request features Ollama silently ignores or handles differently from Anthropic's API
/// (reference §9): sent to the client as `x-vcr-compat: tool_choice; metadata; …` and logged once
/// per kind, so a user learns why their `tool_choice` did nothing.
public final class CompatWarnings: Sendable {
    private let logged = NIOLockedValueBox<Set<String>>([])

    /// What each feature means, for the log line.
    static let explanations: [String: String] = [
        "tool_choice": "Ollama parses tool_choice and ignores it",
        "metadata": "Ollama ignores metadata",
        "cache_control": "Ollama ignores prompt caching (no cache usage is reported)",
        "thinking.budget_tokens": "Ollama never reads thinking.budget_tokens",
        "document-block": "Ollama drops document blocks silently: the model never sees them",
        "citations": "Ollama ignores citations and never returns them",
        "stop_sequences": "Ollama reports a stop-sequence hit as end_turn, without stop_sequence",
        "redacted_thinking": "Ollama drops redacted_thinking blocks",
        "tool_result.is_error": "Ollama ignores is_error: the model cannot tell a failed tool",
        "server-tool": "Ollama turns Anthropic server/client tool types into plain functions",
        "unknown-field": "Ollama ignores unknown top-level fields",
    ]

    /// Creates a warner that has logged nothing yet.
    public init() {}

    /// The features of `body` that Ollama ignores or treats differently, in a stable order.
    public static func features(of body: JSONValue) -> [String] {
        guard let members = body.objectMembers else { return [] }
        var found: [String] = []
        func add(_ feature: String) { if !found.contains(feature) { found.append(feature) } }
        let known: Set<String> = [
            "model", "max_tokens", "messages", "system", "stream", "temperature", "top_p", "top_k", "stop_sequences", "tools",
            "tool_choice", "thinking", "metadata", "output_config",
        ]
        for member in members where member.value != .null {
            switch member.key {
            case "tool_choice": add("tool_choice")
            case "metadata": add("metadata")
            case "thinking" where member.value["budget_tokens"] != nil: add("thinking.budget_tokens")
            case "stop_sequences" where !(member.value.arrayValue ?? []).isEmpty: add("stop_sequences")
            case _ where !known.contains(member.key): add("unknown-field")
            default: break
            }
        }
        scan(body, add: add)
        for tool in body["tools"]?.arrayValue ?? [] {
            if let type = tool["type"]?.stringValue, type != "custom", !type.hasPrefix("web_search") { add("server-tool") }
        }
        let order = ["tool_choice", "metadata", "cache_control", "thinking.budget_tokens", "document-block", "citations", "stop_sequences",
                     "redacted_thinking", "tool_result.is_error", "server-tool", "unknown-field"]
        return order.filter(found.contains)
    }

    /// Walks every nested value for per-block features.
    private static func scan(_ value: JSONValue, add: (String) -> Void) {
        switch value {
        case .object(let members):
            switch value["type"]?.stringValue {
            case "document": add("document-block")
            case "redacted_thinking": add("redacted_thinking")
            case "tool_result" where value["is_error"] != nil: add("tool_result.is_error")
            default: break
            }
            for member in members {
                if member.key == "cache_control" { add("cache_control") }
                if member.key == "citations" { add("citations") }
                scan(member.value, add: add)
            }
        case .array(let items):
            items.forEach { scan($0, add: add) }
        default:
            break
        }
    }

    /// The header value for a parsed request `body` (nil when there is nothing to say), logging each kind the first time.
    public func headerValue(for body: JSONValue?, logger: Logger) -> String? {
        guard let value = body else { return nil }
        let features = Self.features(of: value)
        guard !features.isEmpty else { return nil }
        let fresh = logged.withLockedValue { seen in features.filter { seen.insert($0).inserted } }
        for feature in fresh { logger.info("compat: \(feature): \(Self.explanations[feature] ?? "")") }
        return features.joined(separator: "; ")
    }
}
