/// Random identifiers in the formats Ollama and messages-vcr use.
public enum RandomID {
    /// `prefix` + `_` + 2×`byteCount` lowercase hex characters, e.g. `req_` + 24 hex.
    /// - Parameters:
    ///   - prefix: the id's prefix without the underscore (`req`, `msg`).
    ///   - byteCount: how many random bytes to encode.
    public static func hex(prefix: String, byteCount: Int = 12) -> String {
        var generator = SystemRandomNumberGenerator()
        return hex(prefix: prefix, byteCount: byteCount, using: &generator)
    }

    /// Like ``hex(prefix:byteCount:)`` but drawn from `generator` (seeded for deterministic output).
    public static func hex(prefix: String, byteCount: Int = 12, using generator: inout some RandomNumberGenerator) -> String {
        // Eight bytes per draw (the system generator makes one system call per draw).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(byteCount + 7)
        while bytes.count < byteCount {
            withUnsafeBytes(of: generator.next().littleEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.removeLast(bytes.count - byteCount)
        return prefix.isEmpty ? HexEncoding.encode(bytes) : prefix + "_" + HexEncoding.encode(bytes)
    }

    /// An Anthropic-style request id, `req_` + 24 lowercase hex.
    public static func requestID() -> String { hex(prefix: "req") }

    /// A short interaction id: 12 lowercase hex characters.
    public static func interactionID() -> String { hex(prefix: "", byteCount: 6) }
}
