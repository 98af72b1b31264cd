import NIOConcurrencyHelpers

/// A small thread-safe cache of results that depend on their key alone (what a request body means
/// under fixed rules), so a request sent again — a retry, a test suite run twice against one
/// server, a load test — skips the work. Emptied when full; keys past ``maxKeyBytes`` are not kept.
final class BoundedMemo<Value: Sendable>: Sendable {
    /// What a value is kept under: a few strings (route, headers) and the body bytes.
    struct Key: Hashable, Sendable {
        var parts: [String]
        var bytes: [UInt8]

        /// The bytes hashed as one block (the synthesized hash feeds them one at a time).
        func hash(into hasher: inout Hasher) {
            hasher.combine(parts)
            hasher.combine(bytes.count)
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    private let entries = NIOLockedValueBox<[Key: Value]>([:])
    private let capacity: Int
    /// Bodies larger than this are computed every time (they are rarely sent twice, and big to keep).
    let maxKeyBytes: Int

    /// Bodies up to 16 KB are kept.
    static var defaultMaxKeyBytes: Int { 16 << 10 }

    init(capacity: Int = 512, maxKeyBytes: Int = defaultMaxKeyBytes) {
        self.capacity = capacity
        self.maxKeyBytes = maxKeyBytes
    }

    /// The value kept for `key`, else `compute()`'s, kept for next time.
    func value(for key: @autoclosure () -> Key, bytes count: Int, compute: () -> Value) -> Value {
        guard count <= maxKeyBytes else { return compute() }
        let key = key()
        if let value = entries.withLockedValue({ $0[key] }) { return value }
        let value = compute()
        entries.withLockedValue { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
        return value
    }
}
