/// Go's `encoding/json` type checking of a Messages request, as gin's `ShouldBindJSON` runs it into
/// Ollama's `anthropic.MessagesRequest` (reference §2.1–2.2): the first type error, worded as Go
/// words it, e.g. `json: cannot unmarshal string into Go struct field MessagesRequest.max_tokens of type int`.
///
/// Go keeps the first type error and goes on decoding; an error raised by a custom unmarshaller
/// (`MessageParam.UnmarshalJSON`) stops decoding at once and wins. Errors inside `messages` carry the
/// outer context (`MessagesRequest.messages…`), as Go ≥ 1.24's `addErrorContext` reports them.
enum GoDecodeCheck {
    /// A Go type, as far as the request's struct needs one.
    indirect enum GoType: Sendable {
        case string, int, float64, bool, any
        case slice(GoType)
        case structure(String, [(String, GoType)])

        var name: String {
            switch self {
            case .string: return "string"
            case .int: return "int"
            case .float64: return "float64"
            case .bool: return "bool"
            case .any: return "interface {}"
            case .slice(let element): return "[]" + element.name
            case .structure(let name, _): return name.contains(".") ? name : "anthropic." + name
            }
        }
    }

    static let toolChoice = GoType.structure("ToolChoice", [("type", .string), ("name", .string), ("disable_parallel_tool_use", .bool)])
    static let tool = GoType.structure("Tool", [("type", .string), ("name", .string), ("description", .string), ("input_schema", .any), ("max_uses", .int)])
    static let imageSource = GoType.structure("ImageSource", [("type", .string), ("media_type", .string), ("data", .string), ("url", .string)])
    static let contentBlock = GoType.structure("ContentBlock", [
        ("type", .string), ("text", .string), ("source", imageSource), ("id", .string), ("name", .string), ("input", .any),
        ("tool_use_id", .string), ("content", .any), ("is_error", .bool), ("thinking", .string), ("signature", .string),
    ])
    static let request = GoType.structure("MessagesRequest", [
        ("model", .string), ("max_tokens", .int), ("messages", .any), ("system", .any), ("stream", .bool),
        ("temperature", .float64), ("top_p", .float64), ("top_k", .int), ("stop_sequences", .slice(.string)),
        ("tools", .slice(tool)), ("tool_choice", toolChoice),
        ("thinking", .structure("ThinkingConfig", [("type", .string), ("budget_tokens", .int)])),
        ("metadata", .structure("Metadata", [("user_id", .string)])),
        ("output_config", .structure("OutputConfig", [("effort", .string)])),
    ])

    /// The anonymous struct `MessageParam.UnmarshalJSON` decodes into first.
    static let rawMessageType = #"struct { Role string "json:\"role\""; Content json.RawMessage "json:\"content\"" }"#

    /// A type error: `json: cannot unmarshal VALUE into Go struct field STRUCT.FIELD of type TYPE`.
    struct TypeError {
        var value: String
        var structName: String?
        var field: String
        var type: String

        var message: String {
            guard let structName else { return "json: cannot unmarshal \(value) into Go value of type \(type)" }
            return "json: cannot unmarshal \(value) into Go struct field \(structName).\(field) of type \(type)"
        }
    }

    /// The error binding `body` would give, or nil when it binds.
    static func firstError(_ body: JSONValue) -> String? {
        guard case .object(let members) = body else {
            if body == .null { return nil }
            return TypeError(value: describe(body, as: .any), structName: nil, field: "", type: "anthropic.MessagesRequest").message
        }
        var saved: TypeError?
        for member in members {
            guard let (name, type) = field(member.key, in: request) else { continue }
            if name == "messages" {
                if let message = messagesError(member.value) { return message }
                continue
            }
            if saved == nil { saved = check(member.value, as: type, structName: "MessagesRequest", path: name) }
        }
        return saved?.message
    }

    /// Go matches JSON keys to fields exactly, else case-insensitively.
    private static func field(_ key: String, in type: GoType) -> (String, GoType)? {
        guard case .structure(_, let fields) = type else { return nil }
        return fields.first { $0.0 == key } ?? fields.first { $0.0.lowercased() == key.lowercased() }
    }

    /// How Go names a JSON value in a type error (`number 1.5` when an integer was wanted).
    private static func describe(_ value: JSONValue, as type: GoType) -> String {
        switch value {
        case .number(let literal):
            if case .int = type { return "number " + literal }
            if case .float64 = type { return "number " + literal }
            return "number"
        case .string: return "string"
        case .bool: return "bool"
        case .array: return "array"
        case .object: return "object"
        case .null: return "null"
        }
    }

    /// The first type error of `value` decoded into `type` at `path` (Go's field stack, no indices).
    private static func check(_ value: JSONValue, as type: GoType, structName: String, path: String) -> TypeError? {
        func mismatch() -> TypeError { TypeError(value: describe(value, as: type), structName: structName, field: path, type: type.name) }
        if value == .null { return nil }
        switch (type, value) {
        case (.any, _), (.string, .string), (.bool, .bool):
            return nil
        case (.int, .number(let literal)):
            return Int(literal) == nil ? mismatch() : nil
        case (.float64, .number(let literal)):
            return Double(literal).map { $0.isFinite } == true ? nil : mismatch()
        case (.slice(let element), .array(let items)):
            for item in items {
                if let error = check(item, as: element, structName: structName, path: path) { return error }
            }
            return nil
        case (.structure(let name, _), .object(let members)):
            var first: TypeError?
            for member in members {
                guard let (fieldName, fieldType) = field(member.key, in: type) else { continue }
                if first == nil { first = check(member.value, as: fieldType, structName: name, path: path + "." + fieldName) }
            }
            return first
        default:
            return mismatch()
        }
    }

    /// `MessageParam.UnmarshalJSON` for each element: its errors stop decoding at once.
    private static func messagesError(_ value: JSONValue) -> String? {
        switch value {
        case .null: return nil
        case .array(let items):
            for item in items {
                if let error = messageParamError(item) { return error }
            }
            return nil
        default:
            return TypeError(value: describe(value, as: .any), structName: "MessagesRequest", field: "messages", type: "[]anthropic.MessageParam").message
        }
    }

    private static func messageParamError(_ item: JSONValue) -> String? {
        func wrapped(_ error: TypeError) -> String {
            TypeError(value: error.value, structName: "MessagesRequest", field: error.field.isEmpty ? "messages" : "messages." + error.field, type: error.type).message
        }
        guard case .object(let members) = item else {
            if item == .null { return "unexpected end of JSON input" }
            return wrapped(TypeError(value: describe(item, as: .any), structName: nil, field: "", type: rawMessageType))
        }
        var content: JSONValue?
        for member in members {
            switch member.key.lowercased() {
            case "role":
                if let error = check(member.value, as: .string, structName: "", path: "role") { return wrapped(error) }
            case "content":
                content = member.value
            default:
                break
            }
        }
        guard let content else { return "unexpected end of JSON input" }
        switch content {
        case .string, .null:
            return nil
        case .array(let blocks):
            var first: TypeError?
            for block in blocks where first == nil {
                guard case .object = block else {
                    first = TypeError(value: describe(block, as: .any), structName: nil, field: "", type: "anthropic.ContentBlock")
                    continue
                }
                first = check(block, as: contentBlock, structName: "ContentBlock", path: "").map { error in
                    var error = error
                    error.field = String(error.field.dropFirst())  // the block's own fields, no leading "."
                    return error
                }
            }
            return first.map(wrapped)
        default:
            return wrapped(TypeError(value: describe(content, as: .any), structName: nil, field: "", type: "[]anthropic.ContentBlock"))
        }
    }
}
