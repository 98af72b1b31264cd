/// Replaces whole occurrences of a few values (paths, ids) in text: the longest value that matches
/// at a position wins, and a value only matches where it stands whole — not preceded by a name
/// character (nor, for an absolute path, by `/` or `.`), and not followed by a name character (or
/// by `.` and a name character). So with `/a/proj` → `/b/proj`, `/a/proj/x.txt` and "in /a/proj."
/// change, `/a/project2`, `/a/proj.git`, `/x/a/proj` and `./a/proj` do not; an id such as
/// `a11a22c3` changes in `tasks/a11a22c3.output` but not in `xa11a22c3`. Name characters are ASCII letters, digits, `_`,
/// `-` and every non-ASCII byte.
///
/// Works on UTF-8 bytes. The same replacer serves matching (values → placeholders) and answers
/// (recorded values → live ones), where the text may arrive in pieces (``replace(segments:)``).
struct ValueReplacer: Sendable {
    /// What to find and what to put instead.
    struct Pair: Sendable, Hashable {
        var value: [UInt8]
        var replacement: [UInt8]
        /// The pair's position in the list the replacer was made from.
        var tag: Int
    }

    /// Longest value first; no empty value.
    let pairs: [Pair]
    /// The text is the inside of a JSON string literal (an `input_json_delta`): a value right after
    /// an escape such as `\n` still stands whole.
    let jsonEscaped: Bool
    /// The first byte of any value, for a fast skip.
    private let firstBytes: Set<UInt8>

    /// A replacer of `pairs` (empty values dropped; for a value given twice the first pair wins).
    init(_ pairs: [(value: String, replacement: String)], jsonEscaped: Bool = false) {
        var seen = Set<[UInt8]>()
        self.pairs = pairs.enumerated().map { Pair(value: Array($1.value.utf8), replacement: Array($1.replacement.utf8), tag: $0) }
            .filter { !$0.value.isEmpty && seen.insert($0.value).inserted }
            .sorted { $0.value.count > $1.value.count }
        self.jsonEscaped = jsonEscaped
        firstBytes = Set(self.pairs.map { $0.value[0] })
    }

    /// Whether there is anything to replace.
    var isEmpty: Bool { pairs.isEmpty }

    /// `text` with every whole occurrence replaced; `replaced` holds the tag of each pair used, once per occurrence.
    func replace(_ text: String) -> (text: String, replaced: [Int]) {
        guard !pairs.isEmpty else { return (text, []) }
        let (segments, replaced) = replace(segments: [Array(text.utf8)])
        return replaced.isEmpty ? (text, []) : (String(decoding: segments[0], as: UTF8.self), replaced)
    }

    /// Replaces occurrences in the text that `segments` make up together (a value may be split
    /// across them) and splits the result back into as many segments: bytes outside occurrences
    /// stay in their segment, and a replacement goes into the segment that held the occurrence's
    /// last byte (it goes out when the whole recorded value would have). `replaced` holds the tag
    /// of each pair used, once per occurrence.
    func replace(segments: [[UInt8]]) -> (segments: [[UInt8]], replaced: [Int]) {
        guard !pairs.isEmpty else { return (segments, []) }
        let text = segments.count == 1 ? segments[0] : Array(segments.joined())
        var ends: [Int] = []  // ends[k]: index just past segment k in `text`
        var total = 0
        for segment in segments {
            total += segment.count
            ends.append(total)
        }
        var out = segments.map { _ in [UInt8]() }
        var replaced: [Int] = []
        var segment = 0
        var i = 0
        while i < text.count {
            while i >= ends[segment] { segment += 1 }
            if firstBytes.contains(text[i]), let pair = match(in: text, at: i) {
                let last = i + pair.value.count - 1
                var target = segment
                while last >= ends[target] { target += 1 }
                out[target].append(contentsOf: pair.replacement)
                replaced.append(pair.tag)
                i += pair.value.count
                continue
            }
            out[segment].append(text[i])
            i += 1
        }
        return replaced.isEmpty ? (segments, []) : (out, replaced)
    }

    /// The longest pair whose value stands whole at `start` of `text`.
    private func match(in text: [UInt8], at start: Int) -> Pair? {
        for pair in pairs where start + pair.value.count <= text.count {
            guard standsAlone(before: start, in: text, absolute: pair.value[0] == UInt8(ascii: "/")) else { continue }
            var equal = true
            for k in 0..<pair.value.count where text[start + k] != pair.value[k] {
                equal = false
                break
            }
            if equal, standsAlone(after: start + pair.value.count, in: text, value: pair.value) { return pair }
        }
        return nil
    }

    private func standsAlone(before start: Int, in text: [UInt8], absolute: Bool) -> Bool {
        guard start > 0 else { return true }
        let previous = text[start - 1]
        if jsonEscaped, start >= 2, text[start - 2] == UInt8(ascii: "\\"), !(start >= 3 && text[start - 3] == UInt8(ascii: "\\")) {
            return true  // right after an escape such as \n or \"
        }
        if Self.isNameByte(previous) { return false }
        if previous == UInt8(ascii: "/") || previous == UInt8(ascii: ".") { return !absolute && previous == UInt8(ascii: "/") }
        return true
    }

    private func standsAlone(after end: Int, in text: [UInt8], value: [UInt8]) -> Bool {
        guard end < text.count else { return true }
        let next = text[end]
        if value.last == UInt8(ascii: "/") { return true }  // a folder given with its slash: anything may follow
        if next == UInt8(ascii: ".") {  // `/a/proj.git` is another path; `a11a22c3.output` is the id's file
            return value.first != UInt8(ascii: "/") || end + 1 >= text.count || !Self.isNameByte(text[end + 1])
        }
        return !Self.isNameByte(next)
    }

    /// ASCII letters and digits, `_`, `-`, and any byte of a non-ASCII character.
    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"), 0x80...0xff:
            return true
        default:
            return false
        }
    }
}
