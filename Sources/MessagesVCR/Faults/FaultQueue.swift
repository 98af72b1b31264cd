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

    /// The next fault queued for `session`, used up by this call if `applies` says it applies to the
    /// request at hand; nil (and nothing used up) when none is queued or it does not apply.
    public func take(session: String, if applies: (FaultPlan) -> Bool = { _ in true }) -> FaultPlan? {
        entries.withLockedValue { entries in
            guard let index = entries.firstIndex(where: { $0.session == nil || $0.session == session }) else { return nil }
            let plan = entries[index].plan
            guard applies(plan) else { return nil }
            entries[index].remaining -= 1
            if entries[index].remaining <= 0 { entries.remove(at: index) }
            return plan
        }
    }

    /// How many requests still have a queued fault.
    public var pending: Int { entries.withLockedValue { $0.reduce(0) { $0 + $1.remaining } } }
}
