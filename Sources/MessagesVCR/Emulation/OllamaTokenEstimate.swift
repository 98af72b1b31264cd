/// Ollama's request-based token estimate (`anthropic.EstimateInputTokens`, reference §4.4) and its
/// re-encoding of tool inputs (§5.2).
enum OllamaTokenEstimate {
    /// The `message_start` `input_tokens`: UTF-8 bytes of the system prompt, each message's role and
    /// text/thinking, tool_use/tool_result blocks re-serialised, and each tool's name, description and
    /// schema, divided by 4 (at least 1 when there is a message or a system prompt).
    ///
    /// Two approximations: the blocks are re-serialised in the client's key order (Go uses its struct
    /// order) and the schema is measured compact (Go uses the bytes as sent).
    static func inputTokens(_ request: JSONValue) -> Int {
        var total = 0
        let system = request["system"]
        if let text = system?.stringValue { total += text.utf8.count }
        for block in system?.arrayValue ?? [] { total += block["text"]?.stringValue?.utf8.count ?? 0 }
        let messages = request["messages"]?.arrayValue ?? []
        for message in messages {
            total += message["role"]?.stringValue?.utf8.count ?? 0
            if let text = message["content"]?.stringValue { total += text.utf8.count }
            for block in message["content"]?.arrayValue ?? [] {
                total += block["text"]?.stringValue?.utf8.count ?? 0
                total += block["thinking"]?.stringValue?.utf8.count ?? 0
                if let type = block["type"]?.stringValue, type == "tool_use" || type == "tool_result" {
                    total += GoJSONWriter.encode(block).count
                }
            }
        }
        for tool in request["tools"]?.arrayValue ?? [] {
            total += (tool["name"]?.stringValue?.utf8.count ?? 0) + (tool["description"]?.stringValue?.utf8.count ?? 0)
            total += tool["input_schema"].map { GoJSONWriter.encode($0).count } ?? 0
        }
        let estimate = total / 4
        return estimate == 0 && (!messages.isEmpty || system != nil) ? 1 : estimate
    }

    /// A tool input as Ollama re-encodes it: top-level keys in the model's order, nested object keys
    /// sorted (Go maps), numbers through float64 (`1.0` → `1`, `1e21` → `1e+21`).
    static func goToolInput(_ input: JSONValue) -> JSONValue {
        guard case .object(let members) = input else { return goValue(input) }
        return .object(members.map { JSONMember($0.key, goValue($0.value)) })
    }

    private static func goValue(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { JSONMember($0.key, goValue($0.value)) })
        case .array(let items):
            return .array(items.map(goValue))
        case .number(let literal):
            return .number(goFloat(literal))
        default:
            return value
        }
    }

    /// Go's `strconv.FormatFloat(f, 'g'-like, -1, 64)` as `encoding/json` writes a float64.
    static func goFloat(_ literal: String) -> String {
        guard let double = Double(literal), double.isFinite else { return literal }
        if double == 0 { return "0" }
        let magnitude = abs(double)
        if magnitude >= 1e-6, magnitude < 1e21 {
            if double == double.rounded(), magnitude < 1e15 { return String(Int64(double)) }
            let text = "\(double)"
            return text.contains("e") ? String(format: "%.0f", double) : text
        }
        var text = "\(double)"  // Swift writes 1e-07 and 1e+21, as Go does
        if !text.contains("e") { text = String(format: "%e", double) }
        return text
    }
}
