/// Writes JSON for people to read and diff: two-space indents, members in their stored order, and
/// any array or object that holds only scalars on one line (a header pair, a chunk), so a cassette
/// export changes by whole lines when a recording changes.
///
/// Strings escape only what JSON requires (`"`, `\` and control characters); everything else is
/// raw UTF-8. The output is deterministic: the same value always gives the same bytes.
public enum PrettyJSONWriter {
    /// `value` as indented JSON text ending with a newline.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        append(value, indent: 0, to: &out)
        out.append(0x0a)
        return out
    }

    private static func isScalar(_ value: JSONValue) -> Bool {
        switch value {
        case .array(let items): return items.isEmpty
        case .object(let members): return members.isEmpty
        default: return true
        }
    }

    private static func newline(_ indent: Int, to out: inout [UInt8]) {
        out.append(0x0a)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    private static func append(_ value: JSONValue, indent: Int, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let literal): out.append(contentsOf: literal.utf8)
        case .string(let text): appendString(text, to: &out)
        case .array(let items):
            if items.isEmpty { return out.append(contentsOf: "[]".utf8) }
            let inline = items.allSatisfy(isScalar)
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(contentsOf: inline ? [UInt8(ascii: ","), UInt8(ascii: " ")] : [UInt8(ascii: ",")]) }
                if !inline { newline(indent + 1, to: &out) }
                append(item, indent: indent + 1, to: &out)
            }
            if !inline { newline(indent, to: &out) }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty { return out.append(contentsOf: "{}".utf8) }
            let inline = members.allSatisfy { isScalar($0.value) }
            out.append(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(contentsOf: inline ? [UInt8(ascii: ","), UInt8(ascii: " ")] : [UInt8(ascii: ",")]) }
                if !inline { newline(indent + 1, to: &out) }
                appendString(member.key, to: &out)
                out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
                append(member.value, indent: indent + 1, to: &out)
            }
            if !inline { newline(indent, to: &out) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// Appends `text` quoted, escaping only `"`, `\` and control characters.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5c, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5c, 0x5c])
            case 0x0a: out.append(contentsOf: [0x5c, UInt8(ascii: "n")])
            case 0x0d: out.append(contentsOf: [0x5c, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5c, UInt8(ascii: "t")])
            case 0x00..<0x20, 0x7f:
                out.append(contentsOf: [0x5c, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xf)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
