/// The canonical form of a JSON body for matching: keys sorted, numbers normalised, compact,
/// so two bodies that mean the same thing give the same bytes whatever their whitespace or key order.
public enum CanonicalJSON {
    /// `value` in canonical form.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        append(value, to: &out)
        return out
    }

    /// A number literal in canonical form: `1.0`, `1e0` and `1` are all `1`; `0.10` is `0.1`.
    /// Literals that do not fit a finite Double (`1e999999`) keep their (lower-cased) text.
    public static func normalizeNumber(_ literal: String) -> String {
        guard let double = Double(literal), double.isFinite else { return literal.lowercased() }
        if double == 0 { return "0" }
        if double == double.rounded(), abs(double) < 1e15 { return String(Int64(double)) }
        return "\(double)"
    }

    private static func append(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null, .bool, .string:
            GoJSONWriter.append(value, to: &out)
        case .number(let literal):
            out.append(contentsOf: normalizeNumber(literal).utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                GoJSONWriter.appendString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                append(member.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
