import Foundation
import NIOConcurrencyHelpers

/// The last requests that matched nothing, with what the inspector needs to show why: the request
/// as received (secrets redacted), both canonical bodies and the nearest recording.
final class MissLog: Sendable {
    /// One miss.
    struct Entry: Sendable {
        /// Increasing from 1 for the server's life; the journal and the inspector refer to it.
        var id: Int
        var time: Date
        var session: String
        public var cassette: String
        var method: String
        public var path: String
        /// The miss message the client got.
        public var message: String
        /// The request as received, secrets redacted.
        public var request: RecordedRequest
        /// What matching saw of it.
        var received: MatchRules.CanonicalBody
        /// The nearest recording of the same route, if any.
        var nearestID: String?
        /// What matching saw of the nearest recording.
        var nearest: MatchRules.CanonicalBody?
        /// Fields of the request matching left out.
        var leftOut: [String]
    }

    /// A miss about to be noted: its entry, made once its id is known.
    typealias Pending = @Sendable (Int) -> Entry

    private let capacity: Int
    private let state = NIOLockedValueBox<(entries: [Entry], next: Int)>(([], 1))

    /// Creates a log keeping the last `capacity` misses.
    public init(capacity: Int = 50) {
        self.capacity = capacity
    }

    /// Adds a miss and returns its id.
    func add(_ make: (Int) -> Entry) -> Int {
        state.withLockedValue { state in
            let entry = make(state.next)
            state.next += 1
            state.entries.append(entry)
            if state.entries.count > capacity { state.entries.removeFirst(state.entries.count - capacity) }
            return entry.id
        }
    }

    /// The miss `id`, while it is among the last kept.
    func entry(_ id: Int) -> Entry? {
        state.withLockedValue { $0.entries.first { $0.id == id } }
    }

    /// The misses kept, oldest first.
    var entries: [Entry] { state.withLockedValue { $0.entries } }
}
