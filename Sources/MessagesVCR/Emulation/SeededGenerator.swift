/// SplitMix64: a small, fast, seedable generator, so the same synthesis script always gives the
/// same ids.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// An Ollama message id: `msg_` + 24 lowercase hex.
    mutating func messageID() -> String { RandomID.hex(prefix: "msg", byteCount: 12, using: &self) }

    /// An Ollama tool-call id: `call_` + 8 of `[a-z0-9]` (reference §5.2).
    mutating func toolCallID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return "call_" + String((0..<8).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
    }
}
