/// A parsed JSON document that keeps what matters for byte-faithful work: object key order
/// (as sent), and numbers as their literal text (so `1e999999` or a 30-digit integer is not lost).
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// The number's literal text exactly as it appeared.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in document order; duplicate keys were resolved last-wins while parsing.
    case object([JSONMember])

    /// The value of `key` when this is an object.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    /// The value at `index` when this is an array.
    subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// The string payload, if this is a string.
    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number as an `Int`, if this is a number literal that is a whole number in range.
    var intValue: Int? {
        if case .number(let literal) = self { return Int(literal) }
        return nil
    }

    /// The boolean payload, if this is a bool.
    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// The members, if this is an object.
    var objectMembers: [JSONMember]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The JSON type name used in Go's type errors (`string`, `number`, `object`, …).
    var goTypeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// One `"key": value` member of a JSON object.
public struct JSONMember: Sendable, Hashable {
    /// The decoded key.
    public var key: String
    /// The member's value.
    var value: JSONValue

    /// Creates a member.
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}
