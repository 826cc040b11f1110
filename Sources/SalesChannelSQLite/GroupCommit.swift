import GRDB
import Synchronization

/// Group commit: writes that arrive while a transaction is being written wait for it and are then
/// committed together, each in its own savepoint.
///
/// A caller still sees its own write as atomic and durable when `write` returns: a write whose body
/// throws is rolled back to its savepoint alone and gets its error, the others in the group commit;
/// if the commit itself fails, every write in the group gets that error and none is stored. What
/// changes is the cost: a burst of writes (the outbox settling a batch of jobs, a backend creating
/// their commerce orders) pays for one transaction and one WAL commit instead of one each.
final class GroupCommit: Sendable {
    private let pool: DatabasePool
    private let state = Mutex(State())

    private struct State {
        var waiting: [Write] = []
        var flushing = false
    }

    /// One write of a group: `apply` runs inside the group's transaction and returns what to
    /// tell the caller once the transaction is committed; `abandon` tells it the group failed.
    private struct Write: Sendable {
        let apply: @Sendable (Database) -> @Sendable () -> Void
        let abandon: @Sendable (any Error) -> Void
    }

    init(pool: DatabasePool) { self.pool = pool }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let write = Write(
                apply: { db in
                    do {
                        var result: T?
                        try db.inSavepoint {
                            result = try body(db)
                            return .commit
                        }
                        let value = result!
                        return { continuation.resume(returning: value) }
                    } catch {
                        return { continuation.resume(throwing: error) }
                    }
                },
                abandon: { continuation.resume(throwing: $0) })
            let lead = state.withLock { state in
                state.waiting.append(write)
                if state.flushing { return false }
                state.flushing = true
                return true
            }
            if lead { flush() }
        }
    }

    /// Writes everything waiting in one transaction, then the next group, until none waits.
    private func flush() {
        let group = state.withLock { state in
            let group = state.waiting
            state.waiting.removeAll(keepingCapacity: true)
            if group.isEmpty { state.flushing = false }
            return group
        }
        guard !group.isEmpty else { return }
        pool.asyncWrite({ db -> [@Sendable () -> Void] in
            group.map { $0.apply(db) }
        }, completion: { _, result in
            switch result {
            case .success(let replies): for reply in replies { reply() }
            case .failure(let error): for write in group { write.abandon(error) }
            }
            self.flush()
        })
    }
}
