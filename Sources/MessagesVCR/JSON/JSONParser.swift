/// A non-recursive JSON parser with Go `encoding/json` Decoder semantics:
/// the same syntax errors, worded the same way, the same 10,000-level nesting limit,
/// duplicate keys resolved last-wins, invalid UTF-8 and lone surrogates turned into U+FFFD.
///
/// It never recurses, so a body nested 100,000 levels deep costs an error, not a stack.
struct JSONParser {
    /// Go's `maxNestingDepth`.
    static let maxDepth = 10_000

    private let bytes: [UInt8]
    private var position: Int
    private let depthLimit: Int

    private enum Container {
        case array([JSONValue])
        /// `index` (key → member position) is built only once an object has many members: a
        /// duplicate among a few is found faster by looking, and most objects are small.
        case object([JSONMember], index: [String: Int]?, key: String)
    }

    /// Members an object gets before its keys are indexed for finding duplicates.
    private static let indexedMembers = 12

    /// Parses the first JSON value of `bytes`, ignoring whatever follows it (as Go's Decoder does).
    /// - Parameter bytes: the document.
    /// - Returns: the value and the offset just past it.
    static func parseFirstValue(_ bytes: [UInt8]) throws(JSONParseError) -> (value: JSONValue, end: Int) {
        var parser = JSONParser(bytes: bytes)
        let value = try parser.parseValue()
        return (value, parser.position)
    }

    /// Parses `bytes` as exactly one JSON value (whitespace around it allowed).
    /// - Parameter maxDepth: the deepest nesting accepted (Go's limit unless given).
    static func parse(_ bytes: [UInt8], maxDepth: Int = maxDepth) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, depthLimit: maxDepth)
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.position < bytes.count {
            throw .invalidCharacter(bytes[parser.position], "after top-level value", at: parser.position)
        }
        return value
    }

    private init(bytes: [UInt8], depthLimit: Int = maxDepth) {
        self.bytes = bytes
        self.position = 0
        self.depthLimit = depthLimit
    }

    // MARK: - Structure

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        var stack: [Container] = []
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw stack.isEmpty ? .eof(at: position) : .unexpectedEOF(at: position) }
            var value: JSONValue
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "{"):
                try checkDepth(stack.count + 1, byte)
                position += 1
                skipWhitespace()
                guard position < bytes.count else { throw .unexpectedEOF(at: position) }
                if bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    value = .object([])
                } else {
                    let key = try parseObjectKey()
                    stack.append(.object([], index: nil, key: key))
                    continue
                }
            case UInt8(ascii: "["):
                try checkDepth(stack.count + 1, byte)
                position += 1
                skipWhitespace()
                guard position < bytes.count else { throw .unexpectedEOF(at: position) }
                if bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    value = .array([])
                } else {
                    stack.append(.array([]))
                    continue
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            case UInt8(ascii: "t"):
                try parseLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try parseLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try parseLiteral("null")
                value = .null
            default:
                throw .invalidCharacter(byte, "looking for beginning of value", at: position)
            }

            // Attach the finished value to its parents, closing containers as they end.
            while let top = stack.popLast() {
                skipWhitespace()
                switch top {
                case .array(var items):
                    items.append(value)
                    guard position < bytes.count else { throw .unexpectedEOF(at: position) }
                    let next = bytes[position]
                    position += 1
                    if next == UInt8(ascii: ",") {
                        stack.append(.array(items))
                    } else if next == UInt8(ascii: "]") {
                        value = .array(items)
                        continue
                    } else {
                        throw .invalidCharacter(next, "after array element", at: position - 1)
                    }
                case .object(var members, var index, let key):
                    if let existing = index.map({ $0[key] }) ?? members.lastIndex(where: { $0.key == key }) {
                        members[existing].value = value
                    } else {
                        index?[key] = members.count
                        members.append(JSONMember(key, value))
                        if index == nil, members.count == Self.indexedMembers {
                            index = Dictionary(members.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { $1 })
                        }
                    }
                    guard position < bytes.count else { throw .unexpectedEOF(at: position) }
                    let next = bytes[position]
                    position += 1
                    if next == UInt8(ascii: ",") {
                        skipWhitespace()
                        let nextKey = try parseObjectKey()
                        stack.append(.object(members, index: index, key: nextKey))
                    } else if next == UInt8(ascii: "}") {
                        value = .object(members)
                        continue
                    } else {
                        throw .invalidCharacter(next, "after object key:value pair", at: position - 1)
                    }
                }
                break
            }
            if stack.isEmpty { return value }
        }
    }

    private func checkDepth(_ depth: Int, _ byte: UInt8) throws(JSONParseError) {
        if depth > depthLimit { throw .invalidCharacter(byte, "exceeded max depth", at: position) }
    }

    /// Parses `"key"` and the `:` after it; `position` is at the key's opening quote (after whitespace).
    private mutating func parseObjectKey() throws(JSONParseError) -> String {
        guard position < bytes.count else { throw .unexpectedEOF(at: position) }
        guard bytes[position] == UInt8(ascii: "\"") else {
            throw .invalidCharacter(bytes[position], "looking for beginning of object key string", at: position)
        }
        let key = try parseString()
        skipWhitespace()
        guard position < bytes.count else { throw .unexpectedEOF(at: position) }
        guard bytes[position] == UInt8(ascii: ":") else {
            throw .invalidCharacter(bytes[position], "after object key", at: position)
        }
        position += 1
        return key
    }

    // MARK: - Scalars

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0a, 0x0d: position += 1
            default: return
            }
        }
    }

    private mutating func parseLiteral(_ literal: StaticString) throws(JSONParseError) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        let name = literal.description
        for i in 1..<expected.count {
            let at = position + i
            guard at < bytes.count else { throw .unexpectedEOF(at: at) }
            if bytes[at] != expected[i] {
                let wanted = String(UnicodeScalar(expected[i]))
                throw .invalidCharacter(bytes[at], "in literal \(name) (expecting '\(wanted)')", at: at)
            }
        }
        position += expected.count
    }

    private mutating func parseNumber() throws(JSONParseError) -> String {
        let start = position
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        if bytes[position] == UInt8(ascii: "-") {
            position += 1
            guard position < bytes.count else { throw .unexpectedEOF(at: position) }
            guard isDigit(bytes[position]) else { throw .invalidCharacter(bytes[position], "in numeric literal", at: position) }
        }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count else { throw .unexpectedEOF(at: position) }
            guard isDigit(bytes[position]) else {
                throw .invalidCharacter(bytes[position], "after decimal point in numeric literal", at: position)
            }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            guard position < bytes.count else { throw .unexpectedEOF(at: position) }
            if bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
                guard position < bytes.count else { throw .unexpectedEOF(at: position) }
            }
            guard isDigit(bytes[position]) else {
                throw .invalidCharacter(bytes[position], "in exponent of numeric literal", at: position)
            }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// Parses a string; `position` is at the opening quote.
    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1
        let start = position
        // Fast path: no escapes, scanned without bounds checks.
        position = bytes.withUnsafeBufferPointer { buffer in
            var index = start
            while index < buffer.count {
                let byte = buffer[index]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                index += 1
            }
            return index
        }
        if position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[start..<position], as: UTF8.self)
                position += 1
                return text
            }
            if byte < 0x20 { throw .invalidCharacter(byte, "in string literal", at: position) }
        }
        var buffer = [UInt8](bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { throw .unexpectedEOF(at: position) }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escape)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0c)
                case UInt8(ascii: "n"): buffer.append(0x0a)
                case UInt8(ascii: "r"): buffer.append(0x0d)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800..<0xDC00).contains(scalar), position + 1 < bytes.count,
                        bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                    {
                        let save = position
                        position += 2
                        let low = try parseHex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            position = save  // the second escape stands on its own
                        }
                    }
                    let decoded = UnicodeScalar(scalar) ?? "\u{FFFD}"
                    buffer.append(contentsOf: Array(String(Character(decoded)).utf8))
                default:
                    throw .invalidCharacter(escape, "in string escape code", at: position - 1)
                }
            default:
                if byte < 0x20 { throw .invalidCharacter(byte, "in string literal", at: position) }
                buffer.append(byte)
                position += 1
            }
        }
        throw .unexpectedEOF(at: position)
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count else { throw .unexpectedEOF(at: position) }
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw .invalidCharacter(byte, "in \\u hexadecimal character escape", at: position)
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}
