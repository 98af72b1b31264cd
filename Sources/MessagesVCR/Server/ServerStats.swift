import NIOConcurrencyHelpers

/// Counters a running server reports at `GET /__vcr/health`.
public final class ServerStats: Sendable {
    /// A snapshot of the counters.
    public struct Counters: Sendable, Equatable {
        /// Requests received (admin routes excluded).
        public var requests = 0
        /// Interactions written to a cassette.
        public var recorded = 0
        /// Requests answered from a recording.
        public var replayed = 0
        /// Requests that matched no recording.
        public var misses = 0
        /// Requests answered as Ollama answers them without a model (routing, validation).
        public var emulated = 0
        /// Requests answered by a synthesis rule.
        public var synthesized = 0
        /// Requests forwarded upstream.
        public var forwarded = 0
        /// Requests answered with one of messages-vcr's own errors.
        public var errors = 0
        /// Interactions that could not be written.
        public var storeErrors = 0
        /// Replays written straight on the connection's event loop (instant, prepared; counted in ``replayed`` too).
        public var immediate = 0
        /// Requests forwarded on the connection's event loop over a pooled upstream connection (counted in ``forwarded`` too).
        public var relayed = 0
    }

    private let box = NIOLockedValueBox(Counters())

    /// Creates zeroed counters.
    public init() {}

    /// Adds one to a counter.
    public func increment(_ counter: WritableKeyPath<Counters, Int>) {
        box.withLockedValue { $0[keyPath: counter] += 1 }
    }

    /// The current values.
    public var snapshot: Counters { box.withLockedValue { $0 } }
}
