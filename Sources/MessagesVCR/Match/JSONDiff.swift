/// The first places where two (canonical) JSON bodies differ, with both values, for miss reports.
enum JSONDiff {
    /// One differing place.
    struct Difference: Sendable, Equatable, CustomStringConvertible {
        /// A path such as `messages[2].content[0].text` (`(body)` for the root).
        public var path: String
        /// The recorded value, rendered short; nil when absent.
        public var recorded: String?
        /// The received value, rendered short; nil when absent.
        var received: String?

        /// `path: recorded X ≠ received Y`.
        public var description: String {
            "\(path): recorded \(recorded ?? "(absent)") ≠ received \(received ?? "(absent)")"
        }
    }

    /// How many characters of a value a report shows.
    static let window = 80

    /// Where two values differ, with both values whole (nil where absent).
    struct Change: Sendable, Equatable {
        /// A path such as `messages[2].content[0].text` (`(body)` for the root).
        public var path: String
        public var recorded: JSONValue?
        var received: JSONValue?

        /// The change as a report shows it: values short, strings from just before their first difference.
        var difference: Difference {
            if case .string(let left)? = recorded, case .string(let right)? = received {
                let (l, r) = JSONDiff.windows(left, right)
                return Difference(path: path, recorded: l, received: r)
            }
            return Difference(path: path, recorded: recorded.map(JSONDiff.render), received: received.map(JSONDiff.render))
        }
    }

    /// Up to `limit` differences, in document order (keys sorted).
    static func differences(recorded: JSONValue, received: JSONValue, limit: Int = 3) -> [Difference] {
        changes(recorded: recorded, received: received, limit: limit).map(\.difference)
    }

    /// Up to `limit` changes — the deepest nodes that differ — in document order (keys sorted).
    static func changes(recorded: JSONValue, received: JSONValue, limit: Int = 3) -> [Change] {
        var found: [Change] = []
        walk(recorded, received, path: "", into: &found, limit: limit)
        return found
    }

    private static func walk(_ a: JSONValue, _ b: JSONValue, path: String, into found: inout [Change], limit: Int) {
        guard found.count < limit, a != b else { return }
        switch (a, b) {
        case (.object(let left), .object(let right)):
            let leftByKey = Dictionary(left.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            let rightByKey = Dictionary(right.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            for key in Set(leftByKey.keys).union(rightByKey.keys).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                let child = path.isEmpty ? key : path + "." + key
                if let l = leftByKey[key], let r = rightByKey[key] {
                    walk(l, r, path: child, into: &found, limit: limit)
                } else {
                    found.append(Change(path: child, recorded: leftByKey[key], received: rightByKey[key]))
                }
                if found.count >= limit { return }
            }
        case (.array(let left), .array(let right)):
            for index in 0..<max(left.count, right.count) {
                let child = "\(path)[\(index)]"
                if index < left.count, index < right.count {
                    walk(left[index], right[index], path: child, into: &found, limit: limit)
                } else {
                    found.append(Change(path: child, recorded: index < left.count ? left[index] : nil, received: index < right.count ? right[index] : nil))
                }
                if found.count >= limit { return }
            }
        default:
            found.append(Change(path: path.isEmpty ? "(body)" : path, recorded: a, received: b))
        }
    }

    /// A value in short form: strings quoted, others compact JSON, cut to ``window`` characters.
    static func render(_ value: JSONValue) -> String {
        if case .string(let text) = value { return quote(cut(Array(text), from: 0)) }
        return cut(Array(String(decoding: CanonicalJSON.encode(value), as: UTF8.self)), from: 0)
    }

    /// Both strings shown from just before their first differing character.
    static func windows(_ left: String, _ right: String) -> (String, String) {
        let l = Array(left), r = Array(right)
        var first = 0
        while first < l.count, first < r.count, l[first] == r[first] { first += 1 }
        let start = first > window / 3 ? first - window / 3 : 0
        return (quote(cut(l, from: start)), quote(cut(r, from: start)))
    }

    private static func cut(_ characters: [Character], from start: Int) -> String {
        let begin = min(start, characters.count)
        let end = min(characters.count, begin + window)
        return (begin > 0 ? "…" : "") + String(characters[begin..<end]) + (end < characters.count ? "…" : "")
    }

    /// Quoted with escapes for `"`, `\` and control characters: `\u00XX` (readable JSON style), or
    /// with `goStyle` as Go's `%q` writes them (`\xXX`, DEL included).
    static func quote(_ text: String, goStyle: Bool = false) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || (goStyle && scalar.value == 0x7f):
                out += (goStyle ? "\\x" : "\\u00") + HexEncoding.encode([UInt8(scalar.value)])
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
