import Foundation
import SalesChannel
import Synchronization

/// A ``SalesChannelClock`` a test moves by hand: `now()` is what the test set, and a sleeper
/// wakes when ``advance(by:)`` passes its deadline (or its task is cancelled). Retries, leases,
/// waits and expiries are then tested in virtual time, the same on any machine.
public final class TestClock: SalesChannelClock {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now: Date
        var sleepers: [UUID: Sleeper] = [:]
        /// Tasks waiting for someone to sleep (``untilSomeoneSleeps()``).
        var watchers: [CheckedContinuation<Void, Never>] = []
        /// Set by ``release()``: watchers no longer wait.
        var released = false
    }
    private let state: Mutex<State>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) {
        state = Mutex(State(now: start))
    }

    public func now() -> Date { state.withLock { $0.now } }

    /// How many tasks are sleeping on this clock.
    public var sleepers: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline of a sleeper, if any.
    public var nextDeadline: Date? { state.withLock { $0.sleepers.values.map(\.deadline).min() } }

    public func sleep(seconds: Double) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (resume, watchers) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
                    let deadline = state.now.addingTimeInterval(max(0, seconds))
                    if seconds <= 0 || Task.isCancelled { return (true, []) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    defer { state.watchers = [] }
                    return (false, state.watchers)
                }
                for watcher in watchers { watcher.resume() }
                if resume {
                    if Task.isCancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
                }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by seconds: Double) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = state.now.addingTimeInterval(seconds)
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers.removeValue(forKey: id) }
            return Array(due.values)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Returns once a task sleeps on this clock (at once if one does), or after ``release()``.
    public func untilSomeoneSleeps() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if !state.sleepers.isEmpty || state.released { return true }
                state.watchers.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Lets every ``untilSomeoneSleeps()`` return, now and from now on (the work being driven
    /// has finished).
    public func release() {
        let watchers = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.released = true
            defer { state.watchers = [] }
            return state.watchers
        }
        for watcher in watchers { watcher.resume() }
    }

    /// Runs `body` while moving the clock to the deadline of whatever sleeps on it, so that
    /// work that waits on the clock (retries, leases, `run --once`) runs through in virtual
    /// time. Nothing here sleeps on the machine's clock. One drive at a time per clock.
    public func driving<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        state.withLock { $0.released = false }
        let work = Task {
            defer { release() }
            return try await body()
        }
        while !state.withLock({ $0.released }) {
            if let next = nextDeadline {
                advance(to: next)
                await Task.yield()
            } else {
                await untilSomeoneSleeps()
            }
        }
        return try await work.value
    }

    /// Moves time to `date` (never back) and wakes the sleepers due by then.
    public func advance(to date: Date) {
        advance(by: max(0, date.timeIntervalSince(now())))
    }
}
