/// Random identifiers in the formats Ollama and messages-vcr use.
@usableFromInline enum RandomID {
    /// `prefix` + `_` + 2×`byteCount` lowercase hex characters, e.g. `req_` + 24 hex.
    /// - Parameters:
    ///   - prefix: the id's prefix without the underscore (`req`, `msg`).
    ///   - byteCount: how many random bytes to encode.
    static func hex(prefix: String, byteCount: Int = 12) -> String {
        // Eight bytes per draw: the system generator makes one system call per draw.
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(byteCount + 7)
        while bytes.count < byteCount {
            withUnsafeBytes(of: generator.next()) { bytes.append(contentsOf: $0) }
        }
        bytes.removeLast(bytes.count - byteCount)
        return prefix.isEmpty ? HexEncoding.encode(bytes) : prefix + "_" + HexEncoding.encode(bytes)
    }

    /// Like ``hex(prefix:byteCount:)`` but drawn from `generator` (seeded for deterministic output).
    static func hex(prefix: String, byteCount: Int = 12, using generator: inout some RandomNumberGenerator) -> String {
        // One draw per byte, as always: a seed keeps giving the ids it gave before.
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix.isEmpty ? HexEncoding.encode(bytes) : prefix + "_" + HexEncoding.encode(bytes)
    }

    /// An Anthropic-style request id, `req_` + 24 lowercase hex.
    static func requestID() -> String { hex(prefix: "req") }

    /// A short interaction id: 12 lowercase hex characters.
    @usableFromInline static func interactionID() -> String { hex(prefix: "", byteCount: 6) }
}
