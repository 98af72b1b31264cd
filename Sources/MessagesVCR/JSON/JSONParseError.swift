/// Why a body is not JSON, worded exactly as Go's `encoding/json` Decoder words it, because that is
/// the message Ollama puts in its 400 answer.
struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Go's message, e.g. `invalid character 'i' looking for beginning of object key string`.
    public let message: String
    /// Byte offset where the problem was found.
    let offset: Int

    /// The message, as Go prints it.
    public var description: String { message }

    static func eof(at offset: Int) -> JSONParseError { .init(message: "EOF", offset: offset) }
    static func unexpectedEOF(at offset: Int) -> JSONParseError { .init(message: "unexpected EOF", offset: offset) }
    static func tooDeep(at offset: Int) -> JSONParseError { .init(message: "exceeded max depth", offset: offset) }

    static func invalidCharacter(_ byte: UInt8, _ context: String, at offset: Int) -> JSONParseError {
        .init(message: "invalid character \(quoteChar(byte)) \(context)", offset: offset)
    }

    /// Go's `quoteChar`: the byte in single quotes, escaped as `strconv.Quote` would.
    static func quoteChar(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "'"): return "'\\''"
        case UInt8(ascii: "\""): return "'\"'"
        case UInt8(ascii: "\\"): return "'\\\\'"
        case 0x07: return "'\\a'"
        case 0x08: return "'\\b'"
        case 0x0c: return "'\\f'"
        case 0x0a: return "'\\n'"
        case 0x0d: return "'\\r'"
        case 0x09: return "'\\t'"
        case 0x0b: return "'\\v'"
        case 0x20...0x7e: return "'" + String(UnicodeScalar(byte)) + "'"
        case 0x00..<0x20, 0x7f: return "'\\x" + HexEncoding.encode([byte]) + "'"
        // Go converts the byte to the code point of the same value (Latin-1), then quotes it:
        // C1 controls, NBSP and the soft hyphen are not printable and come out as \u00XX.
        case 0x80...0xa0, 0xad: return "'\\u00" + HexEncoding.encode([byte]) + "'"
        default: return "'" + String(UnicodeScalar(byte)) + "'"
        }
    }
}
