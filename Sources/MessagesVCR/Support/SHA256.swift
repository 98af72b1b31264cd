import CSHA256

/// SHA-256, used to content-address bodies in a cassette and to key recordings for matching.
///
/// It is the C target `CSHA256`, which uses the CPU's SHA instructions where there are some:
/// every request body is hashed on the replay path, and a plain implementation was a large share
/// of the server's CPU when replaying Claude Code's requests.
enum SHA256 {
    /// The digest of `bytes` as 64 lowercase hex characters.
    /// - Parameter bytes: the message to hash.
    static func hex<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        HexEncoding.encode(digest(bytes))
    }

    /// The 32-byte digest of `bytes`.
    /// - Parameter bytes: the message to hash.
    static func digest<Bytes: Collection>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        if let digest = bytes.withContiguousStorageIfAvailable({ digest(UnsafeRawBufferPointer($0)) }) { return digest }
        return Array(bytes).withUnsafeBytes { digest($0) }
    }

    private static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { digest, count in
            csha256_hash(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, digest.baseAddress)
            count = 32
        }
    }
}

/// Lowercase hexadecimal encoding.
enum HexEncoding {
    /// `bytes` as lowercase hex, two characters a byte.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if let hex = bytes.withContiguousStorageIfAvailable({ encode(UnsafeRawBufferPointer($0)) }) { return hex }
        return encode(Array(bytes))
    }

    /// `bytes` as lowercase hex, written straight into the string's storage (a content hash is
    /// encoded for every stored part and every part read back).
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            var index = 0
            for byte in bytes {
                out[index] = digit(byte >> 4)
                out[index + 1] = digit(byte & 0x0f)
                index += 2
            }
            return index
        }
    }

    @inline(__always)
    private static func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }
}
