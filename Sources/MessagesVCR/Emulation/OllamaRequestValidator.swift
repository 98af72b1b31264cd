/// Ollama's validation of `POST /v1/messages`, in its order and with its messages (reference §2.3):
/// JSON bind (Go's syntax and type errors, `EOF` for an empty body), `model is required`,
/// `max_tokens is required and must be positive`, `messages is required`, then the conversion
/// errors (image sources, base64 data, `tool_use` without `id` or `name`, tool schemas).
/// These answers need no model and no recording.
enum OllamaRequestValidator {
    /// The 400 message Ollama would give `body`, or nil when Ollama would pass it on to the model.
    static func rejection(of body: [UInt8]) -> String? {
        let value: JSONValue
        do {
            value = try JSONParser.parseFirstValue(body).value
        } catch {
            return error.message
        }
        if let typeError = GoDecodeCheck.firstError(value) { return typeError }
        let model = field("model", in: value)?.stringValue ?? ""
        if model.isEmpty { return "model is required" }
        let maxTokens = field("max_tokens", in: value).flatMap { $0.intValue } ?? 0
        if maxTokens <= 0 { return "max_tokens is required and must be positive" }
        let messages = field("messages", in: value)?.arrayValue ?? []
        if messages.isEmpty { return "messages is required" }
        for message in messages {
            for block in blocks(of: message) {
                if let error = conversionError(block) { return error }
            }
        }
        for tool in field("tools", in: value)?.arrayValue ?? [] {
            if let error = toolError(tool) { return error }
        }
        return nil
    }

    /// A top-level member as Go decodes it: every key that matches the field case-insensitively
    /// is decoded in turn, so the last one wins.
    static func field(_ name: String, in object: JSONValue) -> JSONValue? {
        object.objectMembers?.last { $0.key.lowercased() == name }?.value
    }

    private static func blocks(of message: JSONValue) -> [JSONValue] {
        let content = message.objectMembers?.last { $0.key.lowercased() == "content" }?.value
        return content?.arrayValue ?? []
    }

    private static func conversionError(_ block: JSONValue) -> String? {
        switch block["type"]?.stringValue {
        case "image":
            guard let source = block["source"], source != .null else { return "invalid image source" }
            return imageSourceError(type: source["type"]?.stringValue ?? "", data: source["data"]?.stringValue ?? "")
        case "tool_use":
            if (block["id"]?.stringValue ?? "").isEmpty { return "tool_use block missing required 'id' field" }
            if (block["name"]?.stringValue ?? "").isEmpty { return "tool_use block missing required 'name' field" }
            return nil
        case "tool_result":
            for item in block["content"]?.arrayValue ?? [] where item["type"]?.stringValue == "image" {
                guard let source = item["source"], source.objectMembers != nil else { return "invalid tool_result image source" }
                if let error = imageSourceError(type: source["type"]?.stringValue ?? "", data: source["data"]?.stringValue ?? "") { return error }
            }
            return nil
        default:
            return nil
        }
    }

    private static func imageSourceError(type: String, data: String) -> String? {
        guard type == "base64" else { return "invalid image source type: \(type). Only base64 images are supported." }
        if let offset = GoBase64.firstCorruptOffset(Array(data.utf8)) {
            return "invalid base64 image data: illegal base64 data at input byte \(offset)"
        }
        return nil
    }

    private static func toolError(_ tool: JSONValue) -> String? {
        if tool["type"]?.stringValue?.hasPrefix("web_search") == true { return nil }
        guard let schema = tool["input_schema"], schema != .null, schema.objectMembers == nil else { return nil }
        let kind: String
        switch schema {
        case .string: kind = "string"
        case .number: kind = "number"
        case .bool: kind = "bool"
        default: kind = "array"
        }
        return "invalid input_schema for tool \(goQuote(tool["name"]?.stringValue ?? "")): json: cannot unmarshal \(kind) into Go value of type api.ToolFunctionParameters"
    }

    /// Go's `%q` for a plain string.
    static func goQuote(_ text: String) -> String { JSONDiff.quote(text, goStyle: true) }
}

/// Go's `base64.StdEncoding.DecodeString` error position (`CorruptInputError`): padding required,
/// `\r` and `\n` skipped anywhere.
enum GoBase64 {
    private static func isAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "+"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    /// The byte offset Go reports for malformed input, or nil when it decodes.
    static func firstCorruptOffset(_ input: [UInt8]) -> Int? {
        var si = 0
        while si < input.count {
            // One quantum of up to four characters.
            var j = 0
            while j < 4 {
                if si == input.count {
                    if j == 0 { return nil }
                    return si - j
                }
                let byte = input[si]
                si += 1
                if byte == 0x0a || byte == 0x0d { continue }
                if isAlphabet(byte) {
                    j += 1
                    continue
                }
                guard byte == UInt8(ascii: "=") else { return si - 1 }
                // Padding: only at the 3rd or 4th place, "==" at the 3rd.
                switch j {
                case 0, 1:
                    return si - 1
                case 2:
                    while si < input.count, input[si] == 0x0a || input[si] == 0x0d { si += 1 }
                    if si == input.count { return input.count }
                    if input[si] != UInt8(ascii: "=") { return si - 1 }
                    si += 1
                default:
                    break
                }
                while si < input.count, input[si] == 0x0a || input[si] == 0x0d { si += 1 }
                if si < input.count { return si }
                return nil
            }
        }
        return nil
    }
}
