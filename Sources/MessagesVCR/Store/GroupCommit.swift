import GRDB
import NIOConcurrencyHelpers

/// Writes interactions that end at about the same time in one transaction: while one transaction
/// is being written, the interactions that end meanwhile queue up and go into the next. Each
/// caller returns only once its interaction is committed, so "on disk before the client sees the
/// end of the body" still holds, but many concurrent recordings share one commit instead of
/// queueing for one each. A transaction that fails is retried one interaction at a time, so a
/// write that cannot succeed (a full disk) fails only its own interaction.
final class GroupCommit: Sendable {
    private typealias Waiter = (interaction: Interaction, continuation: CheckedContinuation<Interaction, any Error>)

    private let writer: any DatabaseWriter
    private let state = NIOLockedValueBox<(pending: [Waiter], flushing: Bool)>(([], false))

    init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// Stores `interaction` with the next sequence number; returns it as stored once committed.
    func save(_ interaction: Interaction) async throws -> Interaction {
        try await withCheckedThrowingContinuation { continuation in
            let startFlushing = state.withLockedValue { state -> Bool in
                state.pending.append((interaction, continuation))
                guard !state.flushing else { return false }
                state.flushing = true
                return true
            }
            if startFlushing { Task { await self.flush() } }
        }
    }

    private func flush() async {
        while true {
            let batch = state.withLockedValue { state -> [Waiter] in
                defer { state.pending = [] }
                if state.pending.isEmpty { state.flushing = false }
                return state.pending
            }
            guard !batch.isEmpty else { return }
            do {
                let stored = try await write(batch.map(\.interaction))
                for (waiter, interaction) in zip(batch, stored) { waiter.continuation.resume(returning: interaction) }
            } catch where batch.count > 1 {
                for waiter in batch {
                    do {
                        waiter.continuation.resume(returning: try await write([waiter.interaction])[0])
                    } catch {
                        waiter.continuation.resume(throwing: error)
                    }
                }
            } catch {
                batch[0].continuation.resume(throwing: error)
            }
        }
    }

    /// One IMMEDIATE transaction: sequence numbers are taken inside it, so two processes sharing
    /// the file never collide.
    private func write(_ interactions: [Interaction]) async throws -> [Interaction] {
        try await writer.writeWithoutTransaction { db in
            var stored = interactions
            try db.inTransaction(.immediate) {
                let base = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM interaction") ?? 0
                for index in stored.indices {
                    stored[index].seq = base + index + 1
                    try CassetteStore.insert(stored[index], into: db)
                }
                return .commit
            }
            return stored
        }
    }
}
