import Foundation
import Synchronization

/// Wakes this process's idle outbox runner when new jobs were stored here (a sync page, a
/// refresh by a pushed notice, a recorded shipment), so that a commerce order is created at
/// once instead of after the runner's idle interval. Jobs stored by another process are still
/// found at the next interval.
public final class OutboxWake: Sendable {
    private struct State {
        var generation = 0
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// The count of signals so far: a runner reads it before it looks for work, and waits
    /// only if no signal came since.
    public var generation: Int { state.withLock { $0.generation } }

    /// New jobs are stored: every waiting runner looks again.
    public func signal() {
        let waiters = state.withLock { state in
            state.generation += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits up to `seconds` on `clock`, less when a signal comes after `generation` (at once if
    /// one came already), or the task is cancelled or shut down gracefully.
    func wait(seconds: Double, on clock: any SalesChannelClock, after generation: Int) async {
        guard self.generation == generation else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await pause(seconds: seconds, on: clock) }
            group.addTask { await self.nextSignal(after: generation) }
            await group.next()
            group.cancelAll()
        }
    }

    private func nextSignal(after generation: Int) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.generation != generation || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
