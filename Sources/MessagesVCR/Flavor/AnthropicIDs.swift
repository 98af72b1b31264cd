import Foundation

/// Identifiers in the shapes each server mints (``IDShape``, ``ToolIDShape``), derived
/// deterministically from the recorded ones so that a replay gives the same ids every run, and
/// reversibly where a client sends them back.
///
/// Tool-use ids cross turns: a client answers `tool_use` with a `tool_result` naming its id, so the
/// next request carries the id the replay minted. Matching therefore compares tool ids in one
/// space, Ollama's (``canonicalToolID(_:)``):
/// - Ollama's `call_` + 8 `[a-z0-9]` becomes `toolu_01` + those 8 characters (in base58:
///   `0`→`A`, `l`→`L`) + 14 characters of a hash of them, or (llama.cpp) those 8 + 24 hash
///   characters. The 8 characters come back out, and the hash tells such an id from one the
///   server minted;
/// - a real `toolu_01…` or llama.cpp id becomes `call_` + 8 characters of its hash (one way;
///   matching maps the recorded request's ids the same way, so both sides meet).
enum AnthropicIDs {
    static let base58 = IDShape.base58

    /// The `toolu_01…` id (30 characters) for Ollama's `call_XXXXXXXX`; other ids are returned as they are.
    static func toolUseID(fromCall id: String) -> String { ToolIDShape.toolu.id(fromCall: id) }

    /// Ollama's `call_…` id for a `toolu_…` id: the carried one for an id ``toolUseID(fromCall:)``
    /// made, else `call_` + 8 characters of the id's hash. Other ids are returned as they are.
    static func callID(fromToolUse id: String) -> String {
        ToolIDShape.toolu.claims(id) ? ToolIDShape.canonical(id) : id
    }

    /// A tool id as matching compares it: in Ollama's `call_…` space, whichever server minted it.
    static func canonicalToolID(_ id: String) -> String { ToolIDShape.canonical(id) }

    /// A request body with every tool id in its messages (`tool_use.id`, `tool_result.tool_use_id`)
    /// in Ollama's space: what matching compares, so a conversation replayed under either flavour
    /// matches a recording made by either server.
    static func canonicalizingToolIDs(_ body: JSONValue) -> JSONValue {
        guard case .object(var members) = body, let index = members.firstIndex(where: { $0.key == "messages" }),
            case .array(let messages) = members[index].value, messages.contains(where: mentionsAPIToolID)
        else { return body }
        members[index].value = .array(messages.map { message in
            guard case .object(let fields) = message, case .array(let blocks)? = fields["content"] else { return message }
            return .object(fields.setting("content", .array(blocks.map { block in
                guard case .object(let blockFields) = block else { return block }
                switch blockFields["type"]?.stringValue {
                case "tool_use": return .object(blockFields.mappingString("id", canonicalToolID))
                case "tool_result": return .object(blockFields.mappingString("tool_use_id", canonicalToolID))
                default: return block
                }
            })))
        })
        return .object(members)
    }

    private static func mentionsAPIToolID(_ message: JSONValue) -> Bool {
        message["content"]?.arrayValue?.contains { block in
            (block["id"]?.stringValue ?? block["tool_use_id"]?.stringValue).map { id in ToolIDShape.others.contains { $0.claims(id) } } ?? false
        } ?? false
    }

    /// The API's `msg_01` + 22 base58 for a recorded message id (deterministic).
    static func anthropicMessageID(from id: String) -> String {
        IDShape.anthropicMessage.derived(from: id)
    }

    /// Ollama's `msg_` + 24 hex for a recorded message id (deterministic).
    static func ollamaMessageID(from id: String) -> String {
        IDShape.ollamaMessage.derived(from: id)
    }

    /// A fresh request id in the API's current shape: `req_011C` + 20 base58 (28 characters).
    static func requestID() -> String {
        var generator = SystemRandomNumberGenerator()
        return "req_011C" + String(decoding: (0..<20).map { _ in base58.randomElement(using: &generator)! }, as: UTF8.self)
    }

    /// A request id in the API's shape derived from `id` (deterministic), for replayed answers.
    static func requestID(from id: String) -> String {
        IDShape.anthropicRequest.derived(from: id)
    }

    /// Ollama's request id shape, `req_` + 24 hex, derived from `id` (deterministic).
    static func ollamaRequestID(from id: String) -> String {
        IDShape.ollamaRequest.derived(from: id)
    }

    /// An opaque thinking-block signature (base64 of a hash of `material`), as the API requires one.
    static func signature(for material: String) -> String {
        let digest = SHA256.digest(Array(("signature:" + material).utf8)) + SHA256.digest(Array(("signature2:" + material).utf8))
        return Data(digest).base64EncodedString()
    }
}
