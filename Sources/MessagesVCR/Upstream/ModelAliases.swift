/// `--model-alias FROM=TO` rules: requests whose `model` matches FROM (a glob: `*` any run of
/// characters, `?` one) go upstream with model TO, as if `ollama cp TO FROM` had been run. The
/// recording keeps the request as the client sent it, so replay matches the client's own name.
public struct ModelAliases: Sendable {
    /// The rules in order; the first match wins.
    public let rules: [(pattern: String, target: String)]

    /// Why a rule was refused.
    public struct ParseError: Error, CustomStringConvertible {
        /// One line.
        public let description: String
    }

    /// Parses `FROM=TO` rules.
    /// - Throws: ``ParseError`` for a rule without `=` or with an empty side.
    public init(_ specs: [String] = []) throws {
        rules = try specs.map { spec in
            guard let equals = spec.lastIndex(of: "="), equals != spec.startIndex, spec.index(after: equals) != spec.endIndex else {
                throw ParseError(description: "invalid --model-alias \"\(spec)\": expected FROM=TO, e.g. 'claude-*=qwen3-coder'")
            }
            return (String(spec[..<equals]), String(spec[spec.index(after: equals)...]))
        }
    }

    /// The upstream model for `model`, or nil when no rule matches.
    func target(for model: String) -> String? {
        rules.first { Self.glob($0.pattern, matches: model) }?.target
    }

    /// `body` with its `model` replaced when a rule matches (re-encoded compactly), and the change made.
    func rewrite(_ body: [UInt8]) -> (body: [UInt8], from: String, to: String)? {
        guard !rules.isEmpty, let value = try? JSONParser.parseFirstValue(body).value, case .object(var members) = value,
            let index = members.lastIndex(where: { $0.key == "model" }), let model = members[index].value.stringValue,
            let target = target(for: model), target != model
        else { return nil }
        members[index].value = .string(target)
        return (GoJSONWriter.encode(.object(members)), model, target)
    }

    /// Shell-style glob match of `text` against `pattern` (`*`, `?`).
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
