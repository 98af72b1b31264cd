import NIOConcurrencyHelpers

/// Faults queued by `POST /__vcr/faults` for the next N requests (of one session, or of any).
public final class FaultQueue: Sendable {
    private struct Entry {
        var plan: FaultPlan
        var remaining: Int
        var session: String?
    }

    private let entries = NIOLockedValueBox<[Entry]>([])

    /// Creates an empty queue.
    public init() {}

    /// Queues `plan` for the next `count` requests of `session` (nil: any session).
    public func add(_ plan: FaultPlan, count: Int, session: String?) {
        entries.withLockedValue { $0.append(Entry(plan: plan, remaining: count, session: session)) }
    }

    /// The fault for the next request of `session`, used up by this call; nil when none is queued.
    public func take(session: String) -> FaultPlan? {
        entries.withLockedValue { entries in
            guard let index = entries.firstIndex(where: { $0.session == nil || $0.session == session }) else { return nil }
            let plan = entries[index].plan
            entries[index].remaining -= 1
            if entries[index].remaining <= 0 { entries.remove(at: index) }
            return plan
        }
    }

    /// How many requests still have a queued fault.
    public var pending: Int { entries.withLockedValue { $0.reduce(0) { $0 + $1.remaining } } }
}
