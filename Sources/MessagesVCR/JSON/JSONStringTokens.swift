/// The string literals of a JSON document, found without building a tree, so that one of them can
/// be changed while every other byte stays as it was.
enum JSONStringTokens {
    /// A string literal that is a value (not an object key).
    struct Token: Equatable {
        /// The literal's bytes, quotes included.
        var range: Range<Int>
        /// The literal of the key this string is the value of (quotes included), or nil for an
        /// array element or a top-level string.
        var key: Range<Int>?

        /// Whether the key is `name` (a key without escapes, as every key of Ollama's answers is).
        func hasKey(_ name: String, in bytes: [UInt8]) -> Bool {
            guard let key, key.count == name.utf8.count + 2 else { return false }
            return bytes[(key.lowerBound + 1)..<(key.upperBound - 1)].elementsEqual(name.utf8)
        }
    }

    /// The value strings in `bytes[range]`, in order. Bytes that are not valid JSON give whatever
    /// was found before them.
    static func values(in bytes: [UInt8], range: Range<Int>) -> [Token] {
        var found: [Token] = []
        var lastKey: Range<Int>?
        var previous: UInt8 = 0  // the last structural byte before the current position
        var i = range.lowerBound
        while i < range.upperBound {
            let byte = bytes[i]
            guard byte == UInt8(ascii: "\"") else {
                if !isWhitespace(byte) { previous = byte }
                i += 1
                continue
            }
            guard let end = endOfString(in: bytes, from: i, limit: range.upperBound) else { break }
            var next = end
            while next < range.upperBound, isWhitespace(bytes[next]) { next += 1 }
            if next < range.upperBound, bytes[next] == UInt8(ascii: ":") {
                lastKey = i..<end
            } else {
                found.append(Token(range: i..<end, key: previous == UInt8(ascii: ":") ? lastKey : nil))
            }
            previous = UInt8(ascii: "\"")
            i = end
        }
        return found
    }

    /// The decoded text of the literal at `range`.
    static func decode(_ bytes: [UInt8], _ range: Range<Int>) -> String? {
        decodedBytes(bytes, range).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The decoded UTF-8 bytes of the literal at `range` (a literal with no escape is its own inside).
    static func decodedBytes(_ bytes: [UInt8], _ range: Range<Int>) -> [UInt8]? {
        let inside = (range.lowerBound + 1)..<(range.upperBound - 1)
        if !bytes[inside].contains(UInt8(ascii: "\\")) { return Array(bytes[inside]) }
        return (try? JSONParser.parse(Array(bytes[range])))?.stringValue.map { Array($0.utf8) }
    }

    /// The index just past the closing quote of the literal opening at `start`.
    private static func endOfString(in bytes: [UInt8], from start: Int, limit: Int) -> Int? {
        var i = start + 1
        while i < limit {
            switch bytes[i] {
            case UInt8(ascii: "\\"): i += 2
            case UInt8(ascii: "\""): return i + 1
            default: i += 1
            }
        }
        return nil
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09
    }
}
