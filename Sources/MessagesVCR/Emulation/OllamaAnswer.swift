/// A model answer to turn into Ollama's bytes: its content blocks, stop reason, usage, pacing and
/// chunking. Parsed from the `answer` of a synthesis script entry.
public struct OllamaAnswer: Sendable {
    /// One content block of the answer.
    enum Block: Sendable, Equatable {
        case thinking(String)
        case text(String)
        /// A tool call: its name, its input object (top-level key order kept) and, optionally, a fixed
        /// id (a follow-up request that echoes it can then be scripted too); by default a seeded `call_` id.
        case toolUse(name: String, input: JSONValue, id: String? = nil)
    }

    /// The blocks, in the order the script gives them (Ollama's output puts thinking, text, tools).
    var blocks: [Block] = []
    /// `stop_reason`; default `tool_use` when there is a tool call, else `end_turn`.
    var stopReason: String?
    /// Final `usage.input_tokens`; default: the `message_start` estimate.
    var inputTokens: Int?
    /// Final `usage.output_tokens`; default: answer bytes / 4.
    var outputTokens: Int?
    /// Milliseconds before the first event (model load and prompt evaluation: nothing is sent meanwhile).
    var ttftMillis: Double = 300
    /// Milliseconds between deltas.
    var gapMillis: Double = 30
    /// Characters of text or thinking per delta.
    var chunkCharacters: Int = 8
    /// Instead of a message: an error Ollama's chat handler returns before the first chunk.
    var error: (status: Int, message: String)?

    /// Why an answer did not parse.
    public struct ParseError: Error, CustomStringConvertible {
        /// One line.
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Creates an answer from its parts.
    init(blocks: [Block]) { self.blocks = blocks }

    /// Parses an `answer` object: `{"content": [blocks], "stop_reason", "usage", "pacing": {"ttft_ms",
    /// "gap_ms" | "tokens_per_second"}, "chunk_chars"}` or `{"error": {"status", "message"}}`.
    init(json: JSONValue, defaults: JSONValue? = nil) throws {
        if let error = json["error"] {
            guard let status = error["status"]?.intValue, let message = error["message"]?.stringValue else {
                throw ParseError("answer.error needs a numeric status and a string message")
            }
            self.error = (status, message)
            return
        }
        for source in [defaults, json].compactMap({ $0 }) {
            if let pacing = source["pacing"] {
                if let ttft = Self.double(pacing["ttft_ms"]) { ttftMillis = ttft }
                if let gap = Self.double(pacing["gap_ms"]) { gapMillis = gap }
                if let rate = Self.double(pacing["tokens_per_second"]) {
                    guard rate > 0 else { throw ParseError("pacing.tokens_per_second must be positive") }
                    gapMillis = 1000 / rate
                }
            }
            if let chars = source["chunk_chars"]?.intValue {
                guard chars > 0 else { throw ParseError("chunk_chars must be positive") }
                chunkCharacters = chars
            }
        }
        guard ttftMillis >= 0, gapMillis >= 0 else { throw ParseError("pacing values must not be negative") }
        guard let content = json["content"]?.arrayValue else { throw ParseError("answer.content must be an array of blocks") }
        blocks = try content.enumerated().map { index, block in
            switch block["type"]?.stringValue {
            case "thinking":
                guard let text = block["thinking"]?.stringValue else { throw ParseError("answer.content[\(index)]: thinking block without \"thinking\"") }
                return .thinking(text)
            case "text":
                guard let text = block["text"]?.stringValue else { throw ParseError("answer.content[\(index)]: text block without \"text\"") }
                return .text(text)
            case "tool_use":
                guard let name = block["name"]?.stringValue else { throw ParseError("answer.content[\(index)]: tool_use block without \"name\"") }
                let input = block["input"] ?? .object([])
                guard input.objectMembers != nil else { throw ParseError("answer.content[\(index)]: tool_use input must be an object") }
                return .toolUse(name: name, input: input, id: block["id"]?.stringValue)
            default:
                throw ParseError("answer.content[\(index)]: type must be thinking, text or tool_use")
            }
        }
        stopReason = json["stop_reason"]?.stringValue
        inputTokens = json["usage"]?["input_tokens"]?.intValue
        outputTokens = json["usage"]?["output_tokens"]?.intValue
    }

    private static func double(_ value: JSONValue?) -> Double? {
        if case .number(let literal)? = value { return Double(literal) }
        return nil
    }
}
