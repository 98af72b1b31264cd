/// A synthesis rule: when no recording matches a request and the rule's conditions hold, an
/// answer is generated for that request, in Ollama's bytes (``OllamaSynthesizer``). Rules let a
/// cassette stand in for Ollama for requests too large or too machine-specific to script exactly,
/// such as Claude Code's.
///
/// ```json
/// {"when": {"model": "qwen3-*", "last_user_text_contains": "echo hi", "has_tool_result": false, "tool_available": "Bash"},
///  "answer": {"content": [{"type": "tool_use", "name": "Bash", "input": {"command": "echo hi", "description": "Print hi"}}]}}
/// ```
/// Conditions (all optional, all must hold): `model` (a glob), `path` (default `/v1/messages`),
/// `stream`, `last_user_text_contains`, `any_user_text_contains` (any user message's text),
/// `has_tool_result` (the last user message carries a
/// `tool_result`), `tool_result_count` (how many `tool_result` blocks the conversation holds),
/// `tool_available` (a tool of that name is offered). In answer texts and tool inputs,
/// `{{tool_result}}` stands for the text of the last `tool_result`, and `{{cwd}}` for the working
/// directory the request names (Claude Code's `Primary working directory:` line), as a model
/// builds absolute paths from it.
public struct SynthesisRule: Sendable {
    /// Stable id (12 hex), unique in its cassette.
    var id: String
    /// Order among the cassette's rules: the first matching rule wins.
    var seq: Int
    /// Seeds the ids of generated answers (with the request's canonical body).
    var seed: UInt64
    /// The rule as written: `when`, `answer` and optional `defaults`.
    let definition: JSONValue
    /// The answer, parsed once.
    private let answer: OllamaAnswer

    /// Creates a rule, checking that its answer parses.
    /// - Throws: ``OllamaAnswer/ParseError``.
    public init(id: String, seq: Int = 0, seed: UInt64, definition: JSONValue) throws {
        guard let when = definition["when"], when.objectMembers != nil else { throw OllamaAnswer.ParseError("\"when\" must be an object of conditions") }
        let known: Set<String> = ["model", "path", "stream", "last_user_text_contains", "any_user_text_contains", "has_tool_result", "tool_result_count", "tool_available"]
        if let unknown = when.objectMembers?.first(where: { !known.contains($0.key) }) {
            throw OllamaAnswer.ParseError("unknown condition \"\(unknown.key)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        answer = try OllamaAnswer(json: try Self.required(definition["answer"]), defaults: definition["defaults"])
        self.id = id
        self.seq = seq
        self.seed = seed
        self.definition = definition
    }

    private static func required(_ value: JSONValue?) throws -> JSONValue {
        guard let value else { throw OllamaAnswer.ParseError("\"answer\" is missing") }
        return value
    }

    /// True when `body` (sent to `path`) meets every condition.
    func matches(method: String, path: String, body: JSONValue) -> Bool {
        guard method == "POST", let when = definition["when"] else { return false }
        if path != (when["path"]?.stringValue ?? AnthropicEmulator.messagesPath) { return false }
        if let model = when["model"]?.stringValue, !ModelAliases.glob(model, matches: body["model"]?.stringValue ?? "") { return false }
        if let stream = when["stream"]?.boolValue, stream != (body["stream"]?.boolValue ?? false) { return false }
        let lastUser = body["messages"]?.arrayValue?.last { $0["role"]?.stringValue == "user" }
        if let needle = when["last_user_text_contains"]?.stringValue, !Self.text(of: lastUser).contains(needle) { return false }
        if let needle = when["any_user_text_contains"]?.stringValue,
            !(body["messages"]?.arrayValue ?? []).contains(where: { $0["role"]?.stringValue == "user" && Self.text(of: $0).contains(needle) })
        {
            return false
        }
        if let wanted = when["has_tool_result"]?.boolValue, wanted != (Self.lastToolResult(in: lastUser) != nil) { return false }
        if let wanted = when["tool_result_count"]?.intValue, wanted != Self.toolResultCount(in: body) { return false }
        if let tool = when["tool_available"]?.stringValue, !(body["tools"]?.arrayValue ?? []).contains(where: { $0["name"]?.stringValue == tool }) {
            return false
        }
        return true
    }

    /// The answer generated for `body`: the same request always gets the same bytes and ids.
    /// - Parameters:
    ///   - body: the request.
    ///   - seedMaterial: what identifies the request (its canonical match form), hashed into the id seed.
    public func response(for body: JSONValue, seedMaterial: [UInt8]) -> RecordedResponse {
        var answer = self.answer
        let lastUser = body["messages"]?.arrayValue?.last { $0["role"]?.stringValue == "user" }
        let toolResult = Self.lastToolResult(in: lastUser) ?? ""
        let cwd = Self.workingDirectory(in: body) ?? ""
        func fill(_ text: String) -> String {
            text.replacingOccurrences(of: "{{tool_result}}", with: toolResult).replacingOccurrences(of: "{{cwd}}", with: cwd)
        }
        func fill(_ value: JSONValue) -> JSONValue {
            switch value {
            case .string(let text): return .string(fill(text))
            case .array(let items): return .array(items.map(fill))
            case .object(let members): return .object(members.map { JSONMember($0.key, fill($0.value)) })
            default: return value
            }
        }
        answer.blocks = answer.blocks.map { block in
            switch block {
            case .text(let text): return .text(fill(text))
            case .thinking(let text): return .thinking(fill(text))
            case .toolUse(let name, let input, let id): return .toolUse(name: name, input: fill(input), id: id)
            }
        }
        let digest = SHA256.digest(seedMaterial)
        let requestSeed = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        var synthesizer = OllamaSynthesizer(generator: SeededGenerator(seed: seed ^ requestSeed))
        return synthesizer.response(toRequest: body, answer: answer)
    }

    /// The text blocks (or string content) of a message, concatenated.
    static func text(of message: JSONValue?) -> String {
        guard let content = message?["content"] else { return "" }
        if let text = content.stringValue { return text }
        return (content.arrayValue ?? []).compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined()
    }

    /// How many `tool_result` blocks the conversation holds.
    static func toolResultCount(in body: JSONValue) -> Int {
        (body["messages"]?.arrayValue ?? []).reduce(0) { count, message in
            count + (message["content"]?.arrayValue ?? []).filter { $0["type"]?.stringValue == "tool_result" }.count
        }
    }

    /// The directory named by the first `Primary working directory: ` line in the system prompt or messages.
    static func workingDirectory(in body: JSONValue) -> String? {
        let marker = "Primary working directory: "
        var found: String?
        func search(_ value: JSONValue) {
            guard found == nil else { return }
            switch value {
            case .string(let text):
                guard let start = text.range(of: marker) else { return }
                found = String(text[start.upperBound...].prefix { $0 != "\n" })
            case .array(let items): items.forEach(search)
            case .object(let members): members.forEach { search($0.value) }
            default: break
            }
        }
        search(body["system"] ?? .null)
        search(body["messages"] ?? .null)
        return found
    }

    /// The text of the message's last `tool_result` block, or nil when it has none.
    static func lastToolResult(in message: JSONValue?) -> String? {
        guard let block = message?["content"]?.arrayValue?.last(where: { $0["type"]?.stringValue == "tool_result" }) else { return nil }
        if let text = block["content"]?.stringValue { return text }
        return (block["content"]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined()
    }
}
