import Foundation

/// The match rule that would make a miss match, where one obviously would: a date, a time or a
/// UUID that changed (a `--normalize`), or an absolute path whose folder changed (a `--rewrite`,
/// and `--preset claude-code` when the request is Claude Code's).
enum RuleSuggestion {
    /// Suggestions for `changes` (recorded vs received), each once, with why.
    static func suggest(_ changes: [JSONDiff.Change]) -> [(rule: String, why: String)] {
        var found: [(rule: String, why: String)] = []
        func add(_ rule: String, _ why: String) { if !found.contains(where: { $0.rule == rule }) { found.append((rule, why)) } }
        for change in changes {
            guard case .string(let recorded)? = change.recorded, case .string(let received)? = change.received else { continue }
            let (old, new) = differingTokens(recorded, received)
            for (pattern, placeholder, what) in patterns where matches(pattern, old) && matches(pattern, new) {
                add("--normalize '\(pattern)=>\(placeholder)'", "\(change.path): a \(what) changed (\(old) → \(new))")
            }
            if old.hasPrefix("/"), new.hasPrefix("/"), let (from, to) = differingFolders(old, new) {
                add("--rewrite '\(from)=>\(to)'", "\(change.path): a path moved (\(from) → \(to))")
                if recorded.contains("Primary working directory: ") { add("--preset claude-code", "the request is Claude Code's: the preset learns its folders") }
            }
        }
        return found
    }

    static let patterns: [(String, String, String)] = [
        (#"\d{4}-\d{2}-\d{2}"#, "<date>", "date"),
        (#"\d{2}:\d{2}:\d{2}"#, "<time>", "time"),
        (#"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"#, "<uuid>", "UUID"),
    ]

    private static func matches(_ pattern: String, _ text: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
    }

    /// The whitespace- and quote-delimited tokens around the first difference of `a` and `b`.
    static func differingTokens(_ a: String, _ b: String) -> (String, String) {
        let left = Array(a), right = Array(b)
        var start = 0
        while start < left.count, start < right.count, left[start] == right[start] { start += 1 }
        func token(_ characters: [Character]) -> String {
            let stops: Set<Character> = [" ", "\n", "\t", "\"", "'", "`", "(", ")", ",", ";"]
            var from = min(start, characters.count), to = from
            while from > 0, !stops.contains(characters[from - 1]) { from -= 1 }
            while to < characters.count, !stops.contains(characters[to]) { to += 1 }
            return String(characters[from..<to])
        }
        return (token(left), token(right))
    }

    /// The folders of two paths once their common trailing components are removed.
    static func differingFolders(_ a: String, _ b: String) -> (String, String)? {
        var left = a.split(separator: "/", omittingEmptySubsequences: false), right = b.split(separator: "/", omittingEmptySubsequences: false)
        while left.count > 1, right.count > 1, left.last == right.last {
            left.removeLast()
            right.removeLast()
        }
        let from = left.joined(separator: "/"), to = right.joined(separator: "/")
        return from.count > 1 && to.count > 1 && from != to ? (from, to) : nil
    }
}
