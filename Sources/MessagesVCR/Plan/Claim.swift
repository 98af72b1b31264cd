/// The session cursor and queued fault a plan uses up, each at the position it was decided at.
struct Claim: Sendable {
    var cursor: Cursor?
    var fault: FaultQueue.Ticket?

    /// A session's position among the recordings matching one key.
    struct Cursor: Sendable {
        var cassette: String
        var session: String
        var matchKey: String
        var position: Int
    }

    var isEmpty: Bool { cursor == nil && fault == nil }
}
