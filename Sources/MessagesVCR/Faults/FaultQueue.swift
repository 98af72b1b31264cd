import NIOConcurrencyHelpers

/// Faults queued by `POST /__vcr/faults` for the next N requests (of one session, or of any).
final class FaultQueue: Sendable {
    private struct Entry {
        var id: Int
        var plan: FaultPlan
        var remaining: Int
        var session: String?
    }

    private let entries = NIOLockedValueBox<[Entry]>([])
    private let nextID = NIOLockedValueBox(0)

    /// Creates an empty queue.
    public init() {}

    /// Queues `plan` for the next `count` requests of `session` (nil: any session).
    public func add(_ plan: FaultPlan, count: Int, session: String?) {
        let id = nextID.withLockedValue { id in
            id += 1
            return id
        }
        entries.withLockedValue { $0.append(Entry(id: id, plan: plan, remaining: count, session: session)) }
    }

    /// The next fault queued for `session`, left in the queue: ``take(_:)`` uses it up once the
    /// request it was chosen for is answered.
    func peek(session: String) -> Ticket? {
        entries.withLockedValue { entries in
            entries.first { $0.session == nil || $0.session == session }.map { Ticket(id: $0.id, plan: $0.plan) }
        }
    }

    /// One use of a queued fault, chosen by ``peek(session:)``.
    struct Ticket: Sendable, Equatable {
        fileprivate var id: Int
        var plan: FaultPlan
    }

    /// Uses up one request of `ticket`'s fault if it is still queued (false: others used it up first).
    func take(_ ticket: Ticket) -> Bool {
        entries.withLockedValue { entries in
            guard let index = entries.firstIndex(where: { $0.id == ticket.id }) else { return false }
            entries[index].remaining -= 1
            if entries[index].remaining <= 0 { entries.remove(at: index) }
            return true
        }
    }

    /// Whether `ticket`'s fault is still queued.
    func holds(_ ticket: Ticket) -> Bool {
        entries.withLockedValue { entries in entries.contains { $0.id == ticket.id } }
    }

    /// How many requests still have a queued fault.
    var pending: Int { entries.withLockedValue { $0.reduce(0) { $0 + $1.remaining } } }
}
