import Foundation

/// One part of a request that a client's harness writes and changes between its versions (its
/// system prompt, its built-in tools, its own reminders): left out of the match key, compared
/// with the recording's and reported as drift. A part may hold text the user controls (a
/// CLAUDE.md inside a reminder, an appended system prompt): those spans stay in the key.
///
/// `--drift-path PATH` makes a rule of a bare path; presets (``MatchPreset/harness``) add
/// conditions and kept spans.
public struct HarnessRule: Sendable, CustomStringConvertible {
    /// The nodes it may designate.
    public let path: JSONPath
    /// Only nodes whose member `member` (the node itself when nil) has text matching `pattern`.
    let condition: (member: String?, pattern: String)?
    /// Patterns whose matches (their capture groups, or the whole match when it has none) in the
    /// node's text are the user's: they stay in the match key, in order.
    let keep: [String]
    private let conditionRegex: NSRegularExpressionBox?
    private let keepRegexes: [NSRegularExpressionBox]

    /// Creates a rule.
    /// - Throws: ``JSONPath/ParseError`` for a bad path, ``MatchRules/RuleError`` for a pattern that does not compile.
    public init(_ path: String, if condition: (member: String?, pattern: String)? = nil, keep: [String] = []) throws {
        self.path = try JSONPath(path)
        self.condition = condition
        self.keep = keep
        func compile(_ pattern: String) throws -> NSRegularExpressionBox {
            do {
                return NSRegularExpressionBox(try NSRegularExpression(pattern: pattern, options: []))
            } catch {
                throw MatchRules.RuleError("harness rule \(path): the pattern \(pattern) does not compile")
            }
        }
        conditionRegex = try condition.map { try compile($0.pattern) }
        keepRegexes = try keep.map(compile)
    }

    /// `PATH`, with its condition and kept spans.
    public var description: String {
        var text = path.description
        if let condition { text += " if \(condition.member ?? "text") ~ /\(condition.pattern)/" }
        if !keep.isEmpty { text += " keeping " + keep.map { "/\($0)/" }.joined(separator: ", ") }
        return text
    }

    /// `value` with the nodes this rule designates taken out (or cut to the spans kept), each
    /// added to `parts` under its concrete path.
    func extract(from value: JSONValue, into parts: inout [HarnessPrint.Part]) -> JSONValue {
        extract(value, path.segments[...], at: "", into: &parts) ?? .null
    }

    /// Nil: the node is removed.
    private func extract(_ value: JSONValue, _ path: ArraySlice<JSONPath.Segment>, at location: String, into parts: inout [HarnessPrint.Part]) -> JSONValue? {
        guard let first = path.first else { return take(value, at: location.isEmpty ? "(body)" : location, into: &parts) }
        let rest = path.dropFirst()
        func child(_ key: String) -> String { location.isEmpty ? key : location + "." + key }
        switch (first, value) {
        case (.key(let name), .object(let members)):
            return .object(members.compactMap { member in
                guard member.key == name else { return member }
                return extract(member.value, rest, at: child(name), into: &parts).map { JSONMember(member.key, $0) }
            })
        case (.anyKey, .object(let members)):
            return .object(members.compactMap { member in
                extract(member.value, rest, at: child(member.key), into: &parts).map { JSONMember(member.key, $0) }
            })
        case (.index(let index), .array(let items)):
            return .array(items.enumerated().compactMap { offset, item in
                offset == index ? extract(item, rest, at: location + "[\(offset)]", into: &parts) : item
            })
        case (.anyIndex, .array(let items)):
            return .array(items.enumerated().compactMap { offset, item in extract(item, rest, at: location + "[\(offset)]", into: &parts) })
        case (.anyDepth, _):
            // Here, or one level further down.
            let here = extract(value, rest, at: location, into: &parts)
            switch here {
            case .object(let members)?:
                return .object(members.compactMap { member in
                    extract(member.value, path, at: child(member.key), into: &parts).map { JSONMember(member.key, $0) }
                })
            case .array(let items)?:
                return .array(items.enumerated().compactMap { offset, item in extract(item, path, at: location + "[\(offset)]", into: &parts) })
            default:
                return here
            }
        default:
            return value
        }
    }

    /// A designated node: unchanged when the condition does not hold; otherwise recorded in
    /// `parts` and replaced by its kept spans (removed when there are none).
    private func take(_ value: JSONValue, at location: String, into parts: inout [HarnessPrint.Part]) -> JSONValue? {
        if let condition, let regex = conditionRegex {
            let subject: JSONValue?
            if let member = condition.member, case .object(let members) = value { subject = members.first { $0.key == member }?.value } else { subject = value }
            guard let subject, Self.matches(regex, Self.text(of: subject)) else { return value }
        }
        parts.append(HarnessPrint.Part(path: location, bytes: CanonicalJSON.encode(value)))
        guard !keepRegexes.isEmpty else { return nil }
        let text = Self.text(of: value)
        let kept = keepRegexes.flatMap { Self.spans($0, in: text) }
        return kept.isEmpty ? nil : .array(kept.map { .string($0) })
    }

    /// The strings of a node, joined (a string is itself).
    private static func text(of value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .array(let items): return items.map(text(of:)).joined(separator: "\n")
        case .object(let members): return members.map { text(of: $0.value) }.joined(separator: "\n")
        default: return ""
        }
    }

    private static func matches(_ regex: NSRegularExpressionBox, _ text: String) -> Bool {
        regex.value.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Every match's capture groups (the whole match when it has none).
    private static func spans(_ regex: NSRegularExpressionBox, in text: String) -> [String] {
        regex.value.matches(in: text, options: [], range: NSRange(text.startIndex..., in: text)).flatMap { match in
            let groups = match.numberOfRanges > 1 ? (1..<match.numberOfRanges).map { match.range(at: $0) } : [match.range]
            return groups.compactMap { Range($0, in: text).map { String(text[$0]) } }
        }
    }
}
