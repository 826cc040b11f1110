import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs the outbox: claims due jobs, executes their effects with their idempotency keys, folds
/// outcomes into the records, retries failures with exponential backoff and full jitter, and
/// dead-letters a job after ``RetryPolicy/maxAttempts`` (or at once when the failure is
/// permanent, such as Amazon refusing a shipment with a 400).
public struct EffectRunner: Sendable {
    public let composition: Composition
    public let logger: Logger

    public init(composition: Composition, logger: Logger) {
        self.composition = composition
        self.logger = logger
    }

    /// Claims and runs one batch. - Returns: how many jobs ran.
    /// - Throws: only errors of the store while claiming; effects' failures are settled.
    public func runBatch() async throws -> Int {
        let jobs = try await composition.store.claimJobs(
            limit: composition.tuning.batchSize, now: composition.clock.now(), lease: composition.tuning.lease)
        guard !jobs.isEmpty else { return 0 }
        // A heartbeat keeps the leases of this batch alive while its effects run.
        let lease = composition.tuning.lease
        let store = composition.store
        let logger = self.logger
        let statistics = composition.statistics
        let settled = SettledJobs()
        await withTaskGroup(of: Void.self) { batch in
            batch.addTask {
                var reported: Set<Int64> = []
                while !Task.isCancelled {
                    try? await composition.clock.sleep(seconds: lease / 3)
                    guard !Task.isCancelled else { return }
                    // Only the jobs still running here: a settled one is no longer this runner's.
                    let running = settled.ids.withLock { done in jobs.filter { !done.contains($0.id) } }
                    do {
                        let lost = try await store.renewLeases(running, until: composition.clock.now().addingTimeInterval(lease))
                        let new = Set(lost).subtracting(reported)
                        if !new.isEmpty {
                            reported.formUnion(new)
                            logger.warning("lease lost while the effect ran; another runner took the job over", metadata: ["jobs": "\(new.sorted())"])
                        }
                    } catch {
                        // The batch ended while renewing: nothing is left to renew.
                        guard !Task.isCancelled else { return }
                        statistics.storeError()
                        logger.warning("could not renew the leases of running jobs; retrying", metadata: ["error": "\(error)"])
                    }
                }
            }
            await withTaskGroup(of: Void.self) { group in
                for job in jobs {
                    group.addTask {
                        await self.run(job)
                        settled.ids.withLock { _ = $0.insert(job.id) }
                    }
                }
                await group.waitForAll()
            }
            batch.cancelAll()
        }
        return jobs.count
    }

    /// Runs one claimed job and settles it. Errors of the effect are the job's (retried or
    /// dead-lettered); errors of the store are not: an effect that ran is never failed for them.
    func run(_ job: OutboxJob) async {
        let store = composition.store
        let clock = composition.clock
        let effect = job.effect
        let record: OrderRecord?
        do {
            record = try await store.record(job.amazonOrderID)
        } catch {
            composition.statistics.storeError()
            await setAside(job, because: "its order could not be read from the store: \(error)")
            return
        }
        guard let record else {
            _ = await settle(job, "dead-lettering") {
                try await store.fail(job, reason: "order \(job.amazonOrderID) is not stored", retryAt: nil, now: clock.now()) { .unchanged($0) }
            }
            return
        }
        let statistics = composition.statistics
        statistics.started(effect.name)
        let began = clock.now()
        let result: Result<EffectOutcome, any Error>
        do {
            result = .success(try await EffectExecutor(composition: composition).execute(job, record: record, now: clock.now()))
        } catch {
            result = .failure(error)
        }
        statistics.finished(effect.name)
        let seconds = clock.now().timeIntervalSince(began)
        let kind = StoredEffect(effect).kind
        let composition = self.composition
        switch result {
        case .success(let outcome):
            let settled = await settle(job, "finishing") {
                try await store.finish(job, outcome: outcome, now: clock.now()) { current in
                    composition.shaped(Workflow.apply(outcome, of: effect, to: current, now: clock.now()))
                }
            }
            guard settled == .recorded else {
                if case .failed(let error) = settled { await setAside(job, because: "it ran, but its result could not be recorded: \(error)") }
                return
            }
            statistics.metrics.effect(kind: kind, result: "done", seconds: seconds)
            statistics.update { counters in
                counters.effectsRun += 1
                switch outcome {
                case .commerceOrderCreated: counters.commerceOrdersCreated += 1
                case .handedOff: counters.handoffs += 1
                case .shipmentConfirmed: counters.shipmentsConfirmed += 1
                case .commerceOrderCanceled: counters.cancellations += 1
                default: break
                }
            }
        case .failure(let error):
            let reason = String(describing: error)
            let final = error.isPermanentFailure || job.attempts >= composition.retry.maxAttempts
            let retryAt = final
                ? nil
                : clock.now().addingTimeInterval(composition.retry.delay(afterAttempt: job.attempts, unit: Double.random(in: 0..<1)))
            let settled = await settle(job, "recording the failure of") {
                try await store.fail(job, reason: reason, retryAt: retryAt, now: clock.now()) { current in
                    composition.shaped(Workflow.failed(effect, on: current, reason: reason, final: final, now: clock.now(), generation: job.generation))
                }
            }
            guard settled == .recorded else {
                if case .failed(let error) = settled { await setAside(job, because: "\(reason); and the failure could not be recorded: \(error)") }
                return
            }
            statistics.metrics.effect(kind: kind, result: final ? "dead" : "failed", seconds: seconds)
            statistics.update {
                $0.errors += 1
                if final { $0.deadLettered += 1 }
            }
            logger.warning(final ? "job dead-lettered" : "job failed; will retry", metadata: [
                "job": "\(job.id)", "order": "\(job.amazonOrderID)", "effect": "\(effect.name)",
                "attempt": "\(job.attempts)", "error": "\(reason)",
            ])
        }
    }

    /// What became of a settle.
    enum Settled: Equatable {
        case recorded
        /// Another runner holds the job now; nothing was changed.
        case leaseLost
        /// The store kept failing.
        case failed(String)
    }

    /// Settles a job with the store. A lost lease is reported and nothing more is done (another
    /// runner holds the job). A store error is tried again a few times before giving up.
    func settle(_ job: OutboxJob, _ what: String, _ body: () async throws -> Void) async -> Settled {
        var attempt = 0
        while true {
            do {
                try await body()
                return .recorded
            } catch let lost as LeaseLost {
                composition.statistics.leaseLost()
                logger.warning("lease lost; another runner holds the job, this result is dropped", metadata: [
                    "job": "\(lost.jobID)", "order": "\(job.amazonOrderID)", "effect": "\(job.effect.name)",
                ])
                return .leaseLost
            } catch {
                attempt += 1
                composition.statistics.storeError()
                guard attempt < Self.settleAttempts else { return .failed("\(error)") }
                logger.warning("store error while \(what) a job; trying again", metadata: ["job": "\(job.id)", "error": "\(error)"])
                await pause(seconds: 0.05 * Double(attempt), on: composition.clock)
            }
        }
    }

    /// When the store keeps failing for one job (its order cannot be read, its result cannot be
    /// recorded), the job's status alone is settled, without touching its order: retried later
    /// like a failed attempt, dead-lettered after ``RetryPolicy/maxAttempts``. Looping on it at
    /// every lease would repeat the effect for ever and keep `run --once` from finishing.
    func setAside(_ job: OutboxJob, because reason: String) async {
        let final = job.attempts >= composition.retry.maxAttempts
        let retryAt = final ? nil : composition.clock.now().addingTimeInterval(composition.retry.delay(afterAttempt: job.attempts, unit: Double.random(in: 0..<1)))
        let store = composition.store
        let settled = await settle(job, "setting aside") {
            try await store.fail(job, reason: reason, retryAt: retryAt, now: composition.clock.now()) { .unchanged($0) }
        }
        if settled == .recorded, final { composition.statistics.update { $0.deadLettered += 1 } }
        logger.error(final ? "job dead-lettered: the store keeps failing for it" : "the store keeps failing for a job; it is retried later", metadata: [
            "job": "\(job.id)", "order": "\(job.amazonOrderID)", "effect": "\(job.effect.name)", "attempt": "\(job.attempts)",
            "reason": "\(reason)", "recorded": "\(settled == .recorded)",
        ])
    }

    /// How many times a settle is tried before the job is left to its lease.
    static let settleAttempts = 4

    /// How many store errors in a row `drain()` rides out before it gives up.
    static let drainStoreAttempts = 8

    /// Runs jobs until none is due or waiting for a retry; dead-lettered jobs are left.
    /// - Parameter waiting: told, once per wait, when nothing can run for a second or more: until
    ///   when, and how many jobs are held under a lease meanwhile (another process runs them, or
    ///   one that stopped held them: they are taken over when the lease expires).
    public func drain(waiting: @escaping @Sendable (DrainWait) -> Void = { _ in }) async throws {
        let told = Mutex<Date?>(nil)
        try await lanes { busy in
            var idle = IdleBackoff(limit: composition.tuning.idleInterval)
            var failures = 0
            while !Task.isCancelled {
                let ran: Int
                var due: Date?
                var othersBusy = false
                do {
                    ran = try await busy.running({ try await runBatch() })
                    // Looked at once: a lane that saw another busy must not then take "nothing
                    // due" for the end of the work.
                    othersBusy = busy.count > 0
                    if ran == 0, !othersBusy { due = try await composition.store.nextDueJob() }
                    failures = 0
                } catch {
                    // The store failed (a locked or busy database, a full disk): no effect's fault.
                    failures += 1
                    composition.statistics.storeError()
                    guard failures < Self.drainStoreAttempts else { throw error }
                    logger.warning("store error in the outbox; trying again", metadata: ["error": "\(error)", "attempt": "\(failures)"])
                    await pause(seconds: composition.retry.delay(afterAttempt: failures, unit: 0.5), on: composition.clock)
                    continue
                }
                if ran > 0 { idle.reset(); continue }
                // Another lane's jobs may still enqueue follow-ups: look again soon, then less often.
                if othersBusy { await pause(seconds: idle.next(), on: composition.clock); continue }
                guard let due else { return }
                if due.timeIntervalSince(composition.clock.now()) >= 1, told.withLock({ told in
                    defer { told = due }
                    return told != due
                }) {
                    let held = try await composition.store.statistics().jobsRunning
                    waiting(DrainWait(until: due, jobsHeldByLease: held))
                }
                await pause(seconds: min(max(due.timeIntervalSince(composition.clock.now()), 0.005), composition.tuning.idleInterval), on: composition.clock)
            }
        }
    }

    /// Runs for ever, until graceful shutdown.
    public func run() async throws {
        let pruning = PruneSchedule(clock: composition.clock)
        try await lanes { busy in
            var failures = 0
            var idle = IdleBackoff(limit: composition.tuning.idleInterval)
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                do {
                    let generation = composition.outboxWake.generation
                    let ran = try await busy.running { try await runBatch() }
                    failures = 0
                    if ran > 0 { idle.reset(); continue }
                    if busy.count > 0 { await pause(seconds: idle.next(), on: composition.clock); continue }
                    // Idle: the hourly pruning of finished jobs, by one lane.
                    if pruning.isDue() { await prune() }
                    let due = try await composition.store.nextDueJob()
                    let wait = due.map { min(max($0.timeIntervalSince(composition.clock.now()), 0.005), composition.tuning.idleInterval) }
                    await composition.outboxWake.wait(seconds: wait ?? composition.tuning.idleInterval, on: composition.clock, after: generation)
                } catch {
                    failures += 1
                    logger.error("outbox runner failed; retrying", metadata: ["error": "\(error)"])
                    await pause(seconds: composition.retry.delay(afterAttempt: failures, unit: Double.random(in: 0.5..<1)), on: composition.clock)
                }
            }
        }
    }

    /// Deletes the finished jobs of final orders older than ``Composition/Tuning/retentionDays``
    /// (nothing when it is 0). A failure is logged and tried again at the next pruning.
    public func prune() async {
        let days = composition.tuning.retentionDays
        guard days > 0 else { return }
        do {
            let cutoff = composition.clock.now().addingTimeInterval(-days * 86_400)
            let count = try await composition.store.pruneFinishedJobs(before: cutoff)
            if count > 0 { logger.info("pruned finished jobs", metadata: ["jobs": "\(count)", "retentionDays": "\(days)"]) }
        } catch {
            logger.warning("pruning finished jobs failed; tried again at the next pruning", metadata: ["error": "\(error)"])
        }
    }

    /// Runs `body` in ``Composition/Tuning/lanes`` concurrent loops sharing one count of lanes
    /// with a batch in flight; returns when every loop has.
    private func lanes(_ body: @escaping @Sendable (BusyLanes) async throws -> Void) async throws {
        let busy = BusyLanes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<composition.tuning.lanes { group.addTask { try await body(busy) } }
            try await group.waitForAll()
        }
    }

    public var service: OrderSync.Service { OrderSync.Service(name: "outbox runner", body: run) }
}

/// Why ``EffectRunner/drain(waiting:)`` waits: nothing can run before `until`.
public struct DrainWait: Sendable, Hashable {
    public var until: Date
    /// Jobs claimed under a lease that has not expired: held by another process, or by one that
    /// stopped without finishing them (taken over when the lease expires).
    public var jobsHeldByLease: Int
}

/// The jobs of a batch already settled, which its heartbeat no longer renews.
final class SettledJobs: Sendable {
    let ids = Mutex<Set<Int64>>([])
}

/// How many of the runner's lanes have a batch in flight.
final class BusyLanes: Sendable {
    private let value = Atomic<Int>(0)
    var count: Int { value.load(ordering: .acquiring) }

    func running<T>(_ body: () async throws -> T) async rethrows -> T {
        value.add(1, ordering: .acquiringAndReleasing)
        defer { value.subtract(1, ordering: .acquiringAndReleasing) }
        return try await body()
    }
}

/// How long a lane with nothing to claim waits while others work: 5 ms, doubling up to a limit,
/// so a lane looks again soon after a burst but does not poll the store while one slow effect runs.
struct IdleBackoff {
    let limit: Double
    private var current = 0.005

    init(limit: Double) { self.limit = limit }

    mutating func next() -> Double {
        defer { current = min(current * 2, limit) }
        return min(current, limit)
    }

    mutating func reset() { current = 0.005 }
}

/// When the running runner prunes: at its first idle moment, then hourly (on its clock).
final class PruneSchedule: Sendable {
    private let next = Mutex<Date?>(nil)
    private let clock: any SalesChannelClock
    init(clock: any SalesChannelClock) { self.clock = clock }

    /// Whether pruning is due now; if so, the next is an hour away (one lane prunes).
    func isDue() -> Bool {
        let now = clock.now()
        return next.withLock { next in
            guard next.map({ now >= $0 }) ?? true else { return false }
            next = now.addingTimeInterval(3600)
            return true
        }
    }
}
