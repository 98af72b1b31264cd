/// The parts of a `POST /v1/messages` body that Ollama reads. Ollama decodes the body into Go
/// structs, so every other field — `tool_choice`, `metadata`, `cache_control`, a block's
/// `signature` or `citations`, a tool's `$schema`, any field a client adds in a new version — is
/// dropped before the model sees the request and cannot change the answer. Matching on this
/// projection keeps cassettes valid when a client starts sending something new. Keys are compared
/// case-insensitively, as Go's decoder does.
enum OllamaReadFields {
    /// What is kept of a JSON node.
    indirect enum Shape: Sendable {
        /// The whole node.
        case whole
        /// Of an object, only these keys (lower-cased), each with its own shape.
        case object([String: Shape])
        /// Every element of an array in this shape.
        case array(Shape)
        /// Every value of an object (a schema's `properties`) in this shape.
        case map(Shape)
        /// A string kept whole, anything else in this shape.
        case stringOr(Shape)
        /// A content block: its fields depend on its `type`.
        case block
    }

    static let schemaProperty: Shape = .object([
        "anyof": .array(.whole), "type": .whole, "items": .whole, "description": .whole, "enum": .whole,
        "properties": .map(.whole), "required": .whole,
    ])
    static let schema: Shape = .object([
        "type": .whole, "$defs": .map(.whole), "items": .whole, "required": .whole, "properties": .map(schemaProperty),
    ])
    static let textBlock: Shape = .object(["type": .whole, "text": .whole])
    static let request: Shape = .object([
        "model": .whole, "max_tokens": .whole, "stream": .whole, "temperature": .whole, "top_p": .whole, "top_k": .whole,
        "stop_sequences": .whole,
        "system": .stringOr(.array(textBlock)),
        "messages": .array(.object(["role": .whole, "content": .stringOr(.array(.block))])),
        "tools": .array(.object(["type": .whole, "name": .whole, "description": .whole, "input_schema": schema])),
        "thinking": .object(["type": .whole]),
        "output_config": .object(["effort": .whole]),
    ])

    /// The fields of each content block type; other types are dropped by Ollama, and kept here
    /// as their `type` alone.
    static let blocks: [String: Shape] = [
        "text": textBlock,
        "image": .object(["type": .whole, "source": .whole]),
        "tool_use": .object(["type": .whole, "id": .whole, "name": .whole, "input": .whole]),
        "server_tool_use": .object(["type": .whole, "id": .whole, "name": .whole, "input": .whole]),
        "tool_result": .object([
            "type": .whole, "tool_use_id": .whole,
            "content": .stringOr(.array(.object(["type": .whole, "text": .whole, "source": .whole]))),
        ]),
        "thinking": .object(["type": .whole, "thinking": .whole]),
        "web_search_tool_result": .object(["type": .whole, "tool_use_id": .whole, "content": .whole]),
    ]

    /// `body` reduced to what Ollama reads.
    static func project(_ body: JSONValue) -> JSONValue {
        var unused: [String]? = nil
        return keep(body, request, path: "", leftOut: &unused)
    }

    /// The paths of `body` that Ollama does not read, array indices written `[*]` and object
    /// keys of a schema's `properties` written `*`, each once, in document order.
    static func leftOut(of body: JSONValue) -> [String] {
        var found: [String]? = []
        _ = keep(body, request, path: "", leftOut: &found)
        var seen = Set<String>()
        return (found ?? []).filter { seen.insert($0).inserted }
    }

    private static func keep(_ value: JSONValue, _ shape: Shape, path: String, leftOut: inout [String]?) -> JSONValue {
        switch shape {
        case .whole:
            return value
        case .stringOr(let other):
            if case .string = value { return value }
            return keep(value, other, path: path, leftOut: &leftOut)
        case .array(let element):
            guard case .array(let items) = value else { return value }
            return .array(items.map { keep($0, element, path: path + "[*]", leftOut: &leftOut) })
        case .map(let member):
            guard case .object(let members) = value else { return value }
            return .object(members.map { JSONMember($0.key, keep($0.value, member, path: path + ".*", leftOut: &leftOut)) })
        case .block:
            let type = value["type"]?.stringValue ?? ""
            return keep(value, blocks[type] ?? .object(["type": .whole]), path: path, leftOut: &leftOut)
        case .object(let fields):
            guard case .object(let members) = value else { return value }
            var kept: [JSONMember] = []
            for member in members {
                let childPath = path.isEmpty ? member.key : path + "." + member.key
                if let field = fields[member.key.lowercased()] {
                    kept.append(JSONMember(member.key, keep(member.value, field, path: childPath, leftOut: &leftOut)))
                } else {
                    leftOut?.append(childPath)
                }
            }
            return .object(kept)
        }
    }
}
