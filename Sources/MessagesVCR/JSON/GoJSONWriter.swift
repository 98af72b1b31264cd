/// Writes compact JSON the way Go's `encoding/json` does: `<`, `>`, `&`, U+2028 and U+2029 escaped,
/// `\b` `\f` `\n` `\r` `\t` short escapes, other control characters as `\u00XX`, everything else raw UTF-8.
///
/// Every body messages-vcr writes itself goes through this, so its answers have Ollama's bytes.
public enum GoJSONWriter {
    private static let hex = Array("0123456789abcdef".utf8)

    /// `value` as compact Go-style JSON, members in their stored order, numbers as their literal text.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        append(value, to: &out)
        return out
    }

    /// `value` as compact JSON; without `escapingHTML`, as nlohmann's `dump()` writes it (llama.cpp):
    /// `<`, `>`, `&`, U+2028 and U+2029 raw.
    static func encode(_ value: JSONValue, escapingHTML: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        append(value, to: &out, sortKeys: false, escapingHTML: escapingHTML, number: { $0 })
        return out
    }

    /// `value` as compact Go-style JSON text.
    static func string(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    /// Appends `value` to `out` (recursion is bounded by the input's depth).
    static func append(_ value: JSONValue, to out: inout [UInt8]) {
        append(value, to: &out, sortKeys: false, number: { $0 })
    }

    /// Appends `value` compactly, optionally with object keys sorted (by UTF-8 bytes) and number
    /// literals rewritten: the one compact writer behind Go-style output and ``CanonicalJSON``.
    static func append(_ value: JSONValue, to out: inout [UInt8], sortKeys: Bool, escapingHTML: Bool = true, number: (String) -> String) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let literal): out.append(contentsOf: number(literal).utf8)
        case .string(let text): appendString(text, to: &out, escapingHTML: escapingHTML)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(item, to: &out, sortKeys: sortKeys, escapingHTML: escapingHTML, number: number)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let ordered = sortKeys ? members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) } : members
            for (i, member) in ordered.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendString(member.key, to: &out, escapingHTML: escapingHTML)
                out.append(UInt8(ascii: ":"))
                append(member.value, to: &out, sortKeys: sortKeys, escapingHTML: escapingHTML, number: number)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `text` as a quoted, Go-escaped JSON string.
    static func appendString(_ text: String, to out: inout [UInt8], escapingHTML: Bool = true) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { appendEscaped($0, escapingHTML: escapingHTML, to: &out) }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `utf8` escaped as Go escapes a string; runs of bytes that need no escape are
    /// copied at once.
    private static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, escapingHTML: Bool, to out: inout [UInt8]) {
        let count = utf8.count
        out.reserveCapacity(out.count + count)
        var run = 0  // start of the bytes not yet copied
        var i = 0
        while i < count {
            let byte = utf8[i]
            var width = 1
            switch byte {
            case 0x20..<0x80 where byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
                && (!escapingHTML || (byte != UInt8(ascii: "<") && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "&"))):
                i += 1
                continue
            case 0x80...0xFF where !escapingHTML || !(byte == 0xE2 && i + 2 < count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9)):
                i += 1
                continue
            default:
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i]))
            }
            switch byte {
            case UInt8(ascii: "\""): out.append(0x5c); out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5c); out.append(0x5c)
            case 0x08: out.append(0x5c); out.append(UInt8(ascii: "b"))
            case 0x0c: out.append(0x5c); out.append(UInt8(ascii: "f"))
            case 0x0a: out.append(0x5c); out.append(UInt8(ascii: "n"))
            case 0x0d: out.append(0x5c); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5c); out.append(UInt8(ascii: "t"))
            case 0xE2:  // U+2028, U+2029
                out.append(contentsOf: "\\u202".utf8)
                out.append(utf8[i + 2] == 0xA8 ? UInt8(ascii: "8") : UInt8(ascii: "9"))
                width = 3
            default:  // other control characters, < > &
                out.append(contentsOf: [0x5c, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xf)]])
            }
            i += width
            run = i
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<count]))
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral {
    /// A string value.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A bool value.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer number value.
    public init(integerLiteral value: Int) { self = .number(String(value)) }

    /// An object from ordered `(key, value)` pairs.
    static func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(pairs.map { JSONMember($0.key, $0.value) })
    }

    /// An integer number value.
    static func int(_ value: some BinaryInteger) -> JSONValue { .number(String(value)) }
}
