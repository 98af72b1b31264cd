import NIOConcurrencyHelpers

/// Counters a running server reports at `GET /__vcr/health`.
final class ServerStats: Sendable {
    /// A snapshot of the counters.
    struct Counters: Sendable, Equatable {
        /// Requests received (admin routes excluded).
        var requests = 0
        /// Interactions written to a cassette.
        public var recorded = 0
        /// Requests answered from a recording.
        var replayed = 0
        /// Requests that matched no recording.
        var misses = 0
        /// Requests answered as Ollama answers them without a model (routing, validation).
        var emulated = 0
        /// Requests answered by a synthesis rule.
        var synthesized = 0
        /// Requests forwarded upstream.
        var forwarded = 0
        /// Requests answered with one of messages-vcr's own errors.
        var errors = 0
        /// Interactions that could not be written.
        var storeErrors = 0
        /// Replays written straight on the connection's event loop (instant, prepared; counted in ``replayed`` too).
        var immediate = 0
        /// Requests forwarded on the connection's event loop over a pooled upstream connection (counted in ``forwarded`` too).
        var relayed = 0
    }

    private let box = NIOLockedValueBox(Counters())

    /// Creates zeroed counters.
    public init() {}

    /// Adds one to a counter.
    func increment(_ counter: WritableKeyPath<Counters, Int>) {
        box.withLockedValue { $0[keyPath: counter] += 1 }
    }

    /// The current values.
    var snapshot: Counters { box.withLockedValue { $0 } }
}
