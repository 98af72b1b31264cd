/// Cuts a Messages request body into parts at JSON boundaries — the `system` value, the `tools`
/// value, each element of `messages`, and the glue between them — so that a cassette stores each
/// part once. An agent's requests repeat the same system prompt, tool list and earlier messages
/// turn after turn; stored as shared parts they take a fraction of their raw size, and stay plain
/// text (no compression: `sqlite3` and `grep` still read them).
///
/// The parts concatenate to the exact original bytes. Bodies that are small, not a JSON object or
/// not well-formed are one part.
enum BodySegmenter {
    /// Bodies below this size are stored whole.
    static let minimumSize = 4096

    /// The byte ranges of `body`'s parts, in order, covering every byte.
    static func parts(_ body: [UInt8]) -> [Range<Int>] {
        guard body.count >= minimumSize, let cuts = cutPoints(body) else { return [0..<body.count] }
        var ranges: [Range<Int>] = []
        var start = 0
        for cut in cuts.sorted() where cut > start && cut < body.count {
            ranges.append(start..<cut)
            start = cut
        }
        ranges.append(start..<body.count)
        return ranges
    }

    /// Where parts begin and end, or nil when the body is not a well-formed top-level object.
    private static func cutPoints(_ body: [UInt8]) -> Set<Int>? {
        var scanner = Scanner(bytes: body)
        scanner.skipSpace()
        guard scanner.peek == UInt8(ascii: "{") else { return nil }
        scanner.index += 1
        var cuts: Set<Int> = []
        while true {
            scanner.skipSpace()
            if scanner.peek == UInt8(ascii: "}") { return cuts }
            guard let keyRange = scanner.string() else { return nil }
            let key = body[(keyRange.lowerBound + 1)..<(keyRange.upperBound - 1)]
            scanner.skipSpace()
            guard scanner.peek == UInt8(ascii: ":") else { return nil }
            scanner.index += 1
            scanner.skipSpace()
            let valueStart = scanner.index
            if key.elementsEqual("messages".utf8), scanner.peek == UInt8(ascii: "[") {
                scanner.index += 1
                while true {
                    scanner.skipSpace()
                    if scanner.peek == UInt8(ascii: "]") { scanner.index += 1; break }
                    let elementStart = scanner.index
                    guard scanner.value() else { return nil }
                    cuts.insert(elementStart)
                    cuts.insert(scanner.index)
                    scanner.skipSpace()
                    if scanner.peek == UInt8(ascii: ",") { scanner.index += 1 }
                }
            } else {
                guard scanner.value() else { return nil }
                if key.elementsEqual("system".utf8) || key.elementsEqual("tools".utf8) {
                    cuts.insert(valueStart)
                    cuts.insert(scanner.index)
                }
            }
            scanner.skipSpace()
            if scanner.peek == UInt8(ascii: ",") { scanner.index += 1 }
        }
    }

    /// A minimal JSON skimmer: finds where values end, string-aware, without building anything.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpace() {
            while let byte = peek, byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 { index += 1 }
        }

        /// Skips a string; returns its range including the quotes.
        mutating func string() -> Range<Int>? {
            guard peek == UInt8(ascii: "\"") else { return nil }
            let start = index
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""):
                    index += 1
                    return start..<index
                default: index += 1
                }
            }
            return nil
        }

        /// Skips one value (nested as deep as it goes, without recursion).
        mutating func value() -> Bool {
            var depth = 0
            repeat {
                skipSpace()
                guard let byte = peek else { return false }
                switch byte {
                case UInt8(ascii: "\""):
                    guard string() != nil else { return false }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    index += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    guard depth > 0 else { return false }
                    depth -= 1
                    index += 1
                case UInt8(ascii: ","), UInt8(ascii: ":"):
                    guard depth > 0 else { return false }
                    index += 1
                default:
                    while let next = peek, !(next == UInt8(ascii: ",") || next == UInt8(ascii: "}") || next == UInt8(ascii: "]")
                        || next == 0x20 || next == 0x0a || next == 0x0d || next == 0x09) {
                        index += 1
                    }
                }
            } while depth > 0
            return true
        }
    }
}
