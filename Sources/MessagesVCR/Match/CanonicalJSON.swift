/// The canonical form of a JSON body for matching: keys sorted, numbers normalised, compact,
/// so two bodies that mean the same thing give the same bytes whatever their whitespace or key order.
enum CanonicalJSON {
    /// `value` in canonical form.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        GoJSONWriter.append(value, to: &out, sortKeys: true, number: normalizeNumber)
        return out
    }

    /// A number literal in canonical form: `1.0`, `1e0` and `1` are all `1`; `0.10` is `0.1`.
    /// Literals that do not fit a finite Double (`1e999999`) keep their (lower-cased) text.
    static func normalizeNumber(_ literal: String) -> String {
        guard let double = Double(literal), double.isFinite else { return literal.lowercased() }
        if double == 0 { return "0" }
        if double == double.rounded(), abs(double) < 1e15 { return String(Int64(double)) }
        return "\(double)"
    }
}
