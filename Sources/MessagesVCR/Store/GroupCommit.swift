import GRDB
import NIOConcurrencyHelpers

/// Writes interactions that end at about the same time in one transaction: while one transaction
/// is being written, the interactions that end meanwhile queue up and go into the next. Each
/// caller returns only once its interaction is committed, so "on disk before the client sees the
/// end of the body" still holds, but many concurrent recordings share one commit instead of
/// queueing for one each. A transaction that fails is retried one interaction at a time, so a
/// write that cannot succeed (a full disk) fails only its own interaction.
final class GroupCommit: Sendable {
    /// Called once an interaction is committed (with it as stored) or could not be; on the writer's queue.
    typealias Completion = @Sendable (Result<Interaction, any Error>) -> Void
    private typealias Waiter = (interaction: Interaction, completion: Completion)

    private let writer: any DatabaseWriter
    private let state = NIOLockedValueBox<(pending: [Waiter], flushing: Bool)>(([], false))

    init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// Stores `interaction` with the next sequence number and calls `completion` once it is
    /// committed, with no Swift task in between (the event loop's forwarding path waits this way).
    func enqueue(_ interaction: Interaction, completion: @escaping Completion) {
        let startFlushing = state.withLockedValue { state -> Bool in
            state.pending.append((interaction, completion))
            guard !state.flushing else { return false }
            state.flushing = true
            return true
        }
        if startFlushing { writer.asyncWriteWithoutTransaction { db in self.flush(db) } }
    }

    /// Writes batches on the writer's queue until none is pending.
    private func flush(_ db: Database) {
        while true {
            let batch = state.withLockedValue { state -> [Waiter] in
                defer { state.pending = [] }
                if state.pending.isEmpty { state.flushing = false }
                return state.pending
            }
            guard !batch.isEmpty else { return }
            do {
                let stored = try write(batch.map(\.interaction), in: db)
                for (waiter, interaction) in zip(batch, stored) { waiter.completion(.success(interaction)) }
            } catch where batch.count > 1 {
                for waiter in batch {
                    waiter.completion(Result { try write([waiter.interaction], in: db)[0] })
                }
            } catch {
                batch[0].completion(.failure(error))
            }
        }
    }

    /// One IMMEDIATE transaction: sequence numbers are taken inside it, so two processes sharing
    /// the file never collide.
    private func write(_ interactions: [Interaction], in db: Database) throws -> [Interaction] {
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
