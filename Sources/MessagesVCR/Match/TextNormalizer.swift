import Foundation

/// A `--normalize 'REGEX=>REPLACEMENT'` rule: rewrites matching substrings of every string in a
/// body (keys excluded) before matching, on the recorded side and the received side alike.
struct TextNormalizer: Sendable, CustomStringConvertible {
    /// The pattern as given.
    let pattern: String
    /// The replacement template (`$1` refers to a capture group).
    let replacement: String
    private let regex: NSRegularExpressionBox

    /// Parses `REGEX=>REPLACEMENT`.
    /// - Throws: ``ParseError`` when `=>` is missing or the pattern does not compile.
    public init(rule: String) throws {
        guard let arrow = rule.range(of: "=>") else { throw ParseError(rule: rule, reason: "expected REGEX=>REPLACEMENT") }
        try self.init(pattern: String(rule[..<arrow.lowerBound]), replacement: String(rule[arrow.upperBound...]))
    }

    /// Creates a normaliser from its parts.
    public init(pattern: String, replacement: String) throws {
        guard !pattern.isEmpty else { throw ParseError(rule: pattern + "=>" + replacement, reason: "empty pattern") }
        do {
            regex = NSRegularExpressionBox(try NSRegularExpression(pattern: pattern, options: []))
        } catch {
            throw ParseError(rule: pattern + "=>" + replacement, reason: "the pattern does not compile")
        }
        self.pattern = pattern
        self.replacement = replacement
    }

    /// `REGEX=>REPLACEMENT`.
    public var description: String { "\(pattern)=>\(replacement)" }

    /// `text` with every match replaced.
    func apply(_ text: String) -> String {
        let range = NSRange(text.startIndex..., in: text)
        guard regex.value.firstMatch(in: text, options: [], range: range) != nil else { return text }
        return regex.value.stringByReplacingMatches(in: text, options: [], range: range, withTemplate: replacement)
    }

    /// Why a rule did not parse.
    public struct ParseError: Error, CustomStringConvertible {
        /// The rule given.
        let rule: String
        /// What is wrong.
        let reason: String
        /// One line.
        public var description: String { "invalid --normalize rule \"\(rule)\": \(reason)" }
    }
}

/// NSRegularExpression is immutable and thread-safe, but not marked Sendable.
final class NSRegularExpressionBox: @unchecked Sendable {
    let value: NSRegularExpression
    init(_ value: NSRegularExpression) { self.value = value }
}
