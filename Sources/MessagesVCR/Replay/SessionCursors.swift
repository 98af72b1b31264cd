import NIOConcurrencyHelpers

/// Per-session positions among identical recordings: the k-th identical request in a session gets
/// the k-th matching recording. Sessions are named by the `x-vcr-session` header (`default` without it).
final class SessionCursors: Sendable {
    private struct Key: Hashable {
        var cassette: String
        var session: String
        var matchKey: String
    }

    private let positions = NIOLockedValueBox<[Key: Int]>([:])

    /// Creates empty cursors.
    public init() {}

    /// The position for this request (0 for the first) and moves past it.
    func take(cassette: String, session: String, matchKey: String) -> Int {
        positions.withLockedValue { positions in
            let key = Key(cassette: cassette, session: session, matchKey: matchKey)
            let position = positions[key, default: 0]
            positions[key] = position + 1
            return position
        }
    }

    /// The position the next identical request of this session gets, without moving past it.
    func peek(cassette: String, session: String, matchKey: String) -> Int {
        positions.withLockedValue { $0[Key(cassette: cassette, session: session, matchKey: matchKey), default: 0] }
    }

    /// Moves past `position` if the cursor still stands there (false: another request took it first).
    func take(cassette: String, session: String, matchKey: String, at position: Int) -> Bool {
        positions.withLockedValue { positions in
            let key = Key(cassette: cassette, session: session, matchKey: matchKey)
            guard positions[key, default: 0] == position else { return false }
            positions[key] = position + 1
            return true
        }
    }

    /// Forgets every position, or those of one session.
    func reset(session: String? = nil) {
        positions.withLockedValue { positions in
            if let session {
                positions = positions.filter { $0.key.session != session }
            } else {
                positions = [:]
            }
        }
    }

    /// The sessions that have taken at least one recording.
    var sessions: [String] {
        positions.withLockedValue { Array(Set($0.keys.map(\.session))).sorted() }
    }
}
