import Foundation

/// A value that differs between the machine that recorded and the machine that replays (a working
/// directory, a home folder, an id minted per run), and that an answer may carry back.
///
/// Matching replaces each such value by one placeholder on both sides, so the request matches
/// wherever it was made; replaying rewrites the recorded value to the live one in the answer, so
/// a recorded `Read /home/dev/proj/notes.txt` reads the checkout the replay runs in.
public enum MachineValues {
    /// A `--rewrite 'RECORDED=>LIVE'` rule: a fixed pair.
    struct Rewrite: Sendable, Hashable, CustomStringConvertible {
        /// The value in recordings.
        public let recorded: String
        /// The value on this machine.
        let live: String

        /// Parses `RECORDED=>LIVE`.
        /// - Throws: ``MatchRules/RuleError`` when `=>` is missing or a side is empty.
        public init(rule: String) throws {
            guard let arrow = rule.range(of: "=>") else {
                throw MatchRules.RuleError("invalid --rewrite rule \"\(rule)\": expected RECORDED=>LIVE")
            }
            recorded = String(rule[..<arrow.lowerBound])
            live = String(rule[arrow.upperBound...])
            guard !recorded.isEmpty, !live.isEmpty else {
                throw MatchRules.RuleError("invalid --rewrite rule \"\(rule)\": both sides must be non-empty")
            }
        }

        /// `RECORDED=>LIVE`.
        public var description: String { "\(recorded)=>\(live)" }
    }

    /// A `--learn 'NAME=REGEX'` rule: every request says its own value, as the first capture group
    /// of `REGEX` in any string of its body (e.g. `cwd=Primary working directory: ([^\n]+)`).
    /// Distinct values are numbered in the order they first appear (`<cwd>`, `<cwd#2>`, …), so a
    /// request with two subagent ids pairs each recorded id with the live one in the same place.
    struct Learner: Sendable, CustomStringConvertible {
        /// The placeholder's name.
        public let name: String
        /// The pattern as given.
        let pattern: String
        /// A literal every match contains (known for the presets' rules): strings without it are skipped.
        let literal: [UInt8]?
        private let regex: NSRegularExpressionBox

        /// Values shorter than this are not learned (a working directory of `/` would be everywhere).
        static let minimumLength = 2

        /// Parses `NAME=REGEX`; `literal`, when given, must be in every match.
        /// - Throws: ``MatchRules/RuleError`` for a bad name, a pattern that does not compile or has no group.
        public init(rule: String, literal: String? = nil) throws {
            self.literal = literal.map { Array($0.utf8) }
            guard let equals = rule.firstIndex(of: "=") else {
                throw MatchRules.RuleError("invalid --learn rule \"\(rule)\": expected NAME=REGEX")
            }
            name = String(rule[..<equals])
            pattern = String(rule[rule.index(after: equals)...])
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw MatchRules.RuleError("invalid --learn rule \"\(rule)\": NAME must be letters, digits, - or _")
            }
            guard let compiled = try? NSRegularExpression(pattern: pattern), compiled.numberOfCaptureGroups >= 1 else {
                throw MatchRules.RuleError("invalid --learn rule \"\(rule)\": REGEX must compile and have a capture group")
            }
            regex = NSRegularExpressionBox(compiled)
        }

        /// `NAME=REGEX`.
        public var description: String { "\(name)=\(pattern)" }

        /// Whether `text`'s UTF-8 bytes contain `needle` (a plain byte search: far cheaper than the regex).
        static func contains(_ text: String, _ needle: [UInt8]) -> Bool {
            guard let first = needle.first else { return true }
            var text = text
            return text.withUTF8 { haystack in
                guard needle.count <= haystack.count else { return false }
                var i = 0
                let last = haystack.count - needle.count
                while i <= last {
                    if haystack[i] == first {
                        var j = 1
                        while j < needle.count, haystack[i + j] == needle[j] { j += 1 }
                        if j == needle.count { return true }
                    }
                    i += 1
                }
                return false
            }
        }

        /// Adds the values `text` states to `values` (in order, each once).
        func collect(from text: String, into values: inout [String]) {
            if let literal, !Self.contains(text, literal) { return }
            let range = NSRange(text.startIndex..., in: text)
            for match in regex.value.matches(in: text, options: [], range: range) {
                guard let group = Range(match.range(at: 1), in: text) else { continue }
                let value = String(text[group])
                if value.utf8.count >= Self.minimumLength, !values.contains(value) { values.append(value) }
            }
        }
    }

    /// A value a request stated, under the learner that found it.
    public struct Learned: Sendable, Hashable {
        /// The learner's name.
        public var name: String
        /// 1 for the first distinct value of this learner, 2 for the second…
        var ordinal: Int
        /// The value.
        var value: String

        /// The placeholder matching puts instead of the value: `<cwd>`, `<cwd#2>`.
        var placeholder: String { ordinal == 1 ? "<\(name)>" : "<\(name)#\(ordinal)>" }
    }

    /// One recorded value that an answer gets as a live one.
    struct Substitution: Sendable, Hashable, CustomStringConvertible {
        /// The learner's name, or `rewrite`.
        public var name: String
        public var recorded: String
        var live: String

        /// `name: recorded → live`.
        public var description: String { "\(name): \(recorded) → \(live)" }
    }

    /// What an answer recorded with `recorded` values must change for a request that stated `live`
    /// ones: learned values paired by learner and order, plus every `--rewrite`.
    static func substitutions(recorded: [Learned], live: [Learned], rewrites: [Rewrite]) -> [Substitution] {
        var found: [Substitution] = []
        for value in recorded {
            guard let now = live.first(where: { $0.name == value.name && $0.ordinal == value.ordinal }), now.value != value.value else { continue }
            found.append(Substitution(name: value.name, recorded: value.value, live: now.value))
        }
        for rewrite in rewrites where !found.contains(where: { $0.recorded == rewrite.recorded }) {
            found.append(Substitution(name: "rewrite", recorded: rewrite.recorded, live: rewrite.live))
        }
        return found
    }
}
