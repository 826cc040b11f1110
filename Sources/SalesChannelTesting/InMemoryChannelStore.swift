import Foundation
import SalesChannel
import Synchronization

/// A ``ChannelStore`` in memory, for tests of host apps and plugins. It honours the whole
/// contract (atomic commits, idempotency keys, ordered claims, leases) behind one lock.
public final class InMemoryChannelStore: ChannelStore {
    private let state = Mutex(State())

    struct State {
        var records: [AmazonOrderID: OrderRecord] = [:]
        var events: [OrderEvent] = []
        var jobs: [OutboxJob] = []
        var leases: [Int64: Date] = [:]
        var keys: Set<String> = []
        /// Ids are never reused, even after jobs are pruned.
        var lastJobID: Int64 = 0
        var checkpoints: [String: SyncCheckpoint] = [:]
        var quarantine: [QuarantinedOrder] = []

        mutating func store(_ decision: WorkflowDecision, now: Date) -> Int {
            guard let record = decision.record else { return 0 }
            records[record.amazonOrderID] = record
            events += decision.events
            var added = 0
            for effect in decision.effects {
                let key = effect.idempotencyKey(for: record.amazonOrderID)
                guard keys.insert(key).inserted else { continue }
                lastJobID += 1
                jobs.append(OutboxJob(
                    id: lastJobID, amazonOrderID: record.amazonOrderID, effect: effect, idempotencyKey: key,
                    status: .pending, attempts: 0, nextAttemptAt: now, lastError: nil, createdAt: now, updatedAt: now))
                added += 1
            }
            return added
        }

        func blocked(_ job: OutboxJob, by statuses: (OutboxJob.Status) -> Bool) -> Bool {
            job.effect.isOrdered && jobs.contains {
                $0.amazonOrderID == job.amazonOrderID && $0.effect.isOrdered && $0.id < job.id && statuses($0.status)
            }
        }
    }

    /// The time stamped on jobs the store creates (the composition's clock, in a test of time).
    public let clock: any SalesChannelClock

    public init(clock: any SalesChannelClock = SystemClock()) { self.clock = clock }

    public func checkpoint(for sourceID: String) async throws -> SyncCheckpoint? {
        state.withLock { $0.checkpoints[sourceID] }
    }

    public func sources() async throws -> [StoredSource] {
        state.withLock { state in
            var sources: [String: StoredSource] = [:]
            for (id, checkpoint) in state.checkpoints {
                sources[id] = StoredSource(id: id, checkpoint: checkpoint, orders: 0, openConfirmations: 0)
            }
            for record in state.records.values {
                var source = sources[record.sourceID] ?? StoredSource(id: record.sourceID, checkpoint: nil, orders: 0, openConfirmations: 0)
                source.orders += 1
                let confirmations = state.jobs.filter {
                    guard $0.amazonOrderID == record.amazonOrderID, case .confirmShipment = $0.effect else { return false }
                    return true
                }
                source.openConfirmations += confirmations.filter { $0.status == .pending || $0.status == .running }.count
                source.deadConfirmations += confirmations.filter { $0.status == .dead }.count
                sources[record.sourceID] = source
            }
            return sources.values.sorted { $0.id < $1.id }
        }
    }

    public func commit(
        _ page: OrderPage, from sourceID: String,
        decide: @escaping @Sendable (OrderRecord?, ChannelOrder) -> WorkflowDecision
    ) async throws -> CommitSummary {
        state.withLock { state in
            var summary = CommitSummary()
            for snapshot in page.orders {
                let stored = state.records[snapshot.amazonOrderID]
                let decision = decide(stored, snapshot)
                guard decision.changed else { summary.unchanged += 1; continue }
                guard decision.record != nil else { summary.skipped += 1; continue }
                if stored == nil { summary.inserted += 1 } else { summary.updated += 1 }
                summary.effects += state.store(decision, now: clock.now())
            }
            state.quarantine += page.quarantined
            summary.quarantined = page.quarantined.count
            state.checkpoints[sourceID] = page.checkpoint
            return summary
        }
    }

    public func update(
        _ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord) throws -> WorkflowDecision
    ) async throws -> OrderRecord {
        try state.withLock { state in
            guard let stored = state.records[id] else { throw StoreError.orderNotFound(id) }
            let decision = try decide(stored)
            guard decision.changed, let record = decision.record else { return stored }
            _ = state.store(decision, now: clock.now())
            return record
        }
    }

    public func upsert(
        _ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord?) throws -> WorkflowDecision
    ) async throws -> OrderRecord? {
        try state.withLock { state in
            let stored = state.records[id]
            let decision = try decide(stored)
            guard decision.changed, decision.record != nil else { return stored }
            _ = state.store(decision, now: clock.now())
            return decision.record
        }
    }

    public func record(_ id: AmazonOrderID) async throws -> OrderRecord? { state.withLock { $0.records[id] } }

    public func records(includeHidden: Bool) async throws -> [OrderRecord] {
        state.withLock { state in
            state.records.values.filter { includeHidden || $0.visible }
                .sorted { ($0.order.purchaseDate, $0.amazonOrderID) < ($1.order.purchaseDate, $1.amazonOrderID) }
        }
    }

    public func events(for id: AmazonOrderID) async throws -> [OrderEvent] {
        state.withLock { $0.events.filter { $0.amazonOrderID == id } }
    }

    public func quarantined() async throws -> [QuarantinedOrder] { state.withLock { $0.quarantine } }

    public func quarantine(_ items: [QuarantinedOrder]) async throws {
        state.withLock { state in
            for item in items where !state.quarantine.contains(where: {
                ($0.sourceID, $0.amazonOrderID, $0.reason) == (item.sourceID, item.amazonOrderID, item.reason)
            }) {
                state.quarantine.append(item)
            }
        }
    }

    public func claimJobs(limit: Int, now: Date, lease: TimeInterval) async throws -> [OutboxJob] {
        state.withLock { state in
            var claimed: [OutboxJob] = []
            for index in state.jobs.indices where claimed.count < limit {
                let job = state.jobs[index]
                let due = (job.status == .pending && job.nextAttemptAt <= now)
                    || (job.status == .running && (state.leases[job.id] ?? .distantFuture) <= now)
                guard due, !state.blocked(job, by: { $0 != .done }) else { continue }
                state.jobs[index].status = .running
                state.jobs[index].attempts += 1
                state.jobs[index].claim += 1
                state.jobs[index].updatedAt = now
                state.leases[job.id] = now.addingTimeInterval(lease)
                claimed.append(state.jobs[index])
            }
            return claimed
        }
    }

    public func renewLeases(_ jobs: [OutboxJob], until: Date) async throws -> [Int64] {
        state.withLock { state in
            var lost: [Int64] = []
            for held in jobs {
                if let current = state.jobs.first(where: { $0.id == held.id }), current.status == .running, current.claim == held.claim {
                    state.leases[held.id] = until
                } else {
                    lost.append(held.id)
                }
            }
            return lost
        }
    }

    public func finish(
        _ job: OutboxJob, outcome: EffectOutcome, now: Date,
        decide: @escaping @Sendable (OrderRecord) -> WorkflowDecision
    ) async throws {
        try settle(job, now: now, decide: decide) { job in
            job.status = .done
            job.lastError = nil
        }
    }

    public func fail(
        _ job: OutboxJob, reason: String, retryAt: Date?, now: Date,
        decide: @escaping @Sendable (OrderRecord) -> WorkflowDecision
    ) async throws {
        try settle(job, now: now, decide: decide) { job in
            job.status = retryAt == nil ? .dead : .pending
            job.nextAttemptAt = retryAt ?? now
            job.lastError = reason
        }
    }

    /// Ends an attempt: changes the job, releases its lease and applies `decide` to its record.
    private func settle(
        _ job: OutboxJob, now: Date, decide: (OrderRecord) -> WorkflowDecision, change: (inout OutboxJob) -> Void
    ) throws {
        try state.withLock { state in
            guard let index = state.jobs.firstIndex(where: { $0.id == job.id }) else { throw LeaseLost(jobID: job.id) }
            guard state.jobs[index].status == .running, state.jobs[index].claim == job.claim else { throw LeaseLost(jobID: job.id) }
            change(&state.jobs[index])
            state.jobs[index].updatedAt = now
            state.leases[job.id] = nil
            if let stored = state.records[job.amazonOrderID] {
                let decision = decide(stored)
                if decision.changed { _ = state.store(decision, now: now) }
            }
        }
    }

    public func jobs(statuses: Set<OutboxJob.Status>) async throws -> [OutboxJob] {
        state.withLock { $0.jobs.filter { statuses.isEmpty || statuses.contains($0.status) } }
    }

    public func replayDeadJobs(_ ids: [Int64], now: Date) async throws -> Int {
        try state.withLock { state in
            let targets = state.jobs.indices.filter { state.jobs[$0].status == .dead && (ids.isEmpty || ids.contains(state.jobs[$0].id)) }
            if !ids.isEmpty, targets.count != Set(ids).count {
                throw StoreError(.jobNotFound, "no dead-lettered job with id \(ids.map(String.init).joined(separator: ", "))")
            }
            for index in targets {
                state.jobs[index].status = .pending
                state.jobs[index].attempts = 0
                state.jobs[index].nextAttemptAt = now
                let job = state.jobs[index]
                state.events.append(OrderEvent(amazonOrderID: job.amazonOrderID, at: now, kind: .replayed, message: "job \(job.id) (\(job.effect.name)) replayed"))
            }
            return targets.count
        }
    }

    public func replayJobs(_ ids: [Int64], now: Date) async throws -> [OutboxJob] {
        try state.withLock { state in
            let orders = Set(state.jobs.filter { ids.contains($0.id) }.map(\.amazonOrderID))
            let plan = try ReplayRule.plan(ids, among: state.jobs.filter { orders.contains($0.amazonOrderID) })
            var replayed: [OutboxJob] = []
            for (job, generation) in plan {
                let key = job.effect.idempotencyKey(for: job.amazonOrderID, generation: generation)
                state.keys.insert(key)
                state.lastJobID += 1
                let copy = OutboxJob(
                    id: state.lastJobID, amazonOrderID: job.amazonOrderID, effect: job.effect, idempotencyKey: key,
                    status: .pending, attempts: 0, nextAttemptAt: now, lastError: nil, createdAt: now, updatedAt: now, generation: generation)
                state.jobs.append(copy)
                state.events.append(OrderEvent(
                    amazonOrderID: job.amazonOrderID, at: now, kind: .replayed,
                    message: "job \(job.id) (\(job.effect.name)) replayed as job \(copy.id), generation \(generation)"))
                replayed.append(copy)
            }
            return replayed
        }
    }

    public func pruneFinishedJobs(before cutoff: Date) async throws -> Int {
        state.withLock { state in
            let final = Set(state.records.values.filter { record in
                [.shipped, .canceled, .unfulfillable].contains(record.order.status)
                    && !state.jobs.contains { $0.amazonOrderID == record.amazonOrderID && $0.status != .done }
            }.map(\.amazonOrderID))
            let pruned = state.jobs.filter { $0.status == .done && $0.updatedAt < cutoff && final.contains($0.amazonOrderID) }
            let ids = Set(pruned.map(\.id))
            state.jobs.removeAll { ids.contains($0.id) }
            state.keys.subtract(pruned.map(\.idempotencyKey))
            return pruned.count
        }
    }

    public func jobs(for id: AmazonOrderID) async throws -> [OutboxJob] {
        state.withLock { $0.jobs.filter { $0.amazonOrderID == id } }
    }

    public func nextDueJob() async throws -> Date? {
        state.withLock { state in
            state.jobs.filter { ($0.status == .pending || $0.status == .running) && !state.blocked($0, by: { $0 != .done }) }
                .map { $0.status == .running ? (state.leases[$0.id] ?? $0.nextAttemptAt) : $0.nextAttemptAt }
                .min()
        }
    }

    public func statistics() async throws -> StoreStatistics {
        state.withLock { state in
            var stats = StoreStatistics()
            stats.orders = state.records.count
            stats.visibleOrders = state.records.values.filter(\.visible).count
            stats.commerceOrders = state.records.values.filter { $0.commerceOrderNumber != nil }.count
            stats.shippedOrders = state.records.values.filter { $0.order.status == .shipped }.count
            stats.canceledOrders = state.records.values.filter { $0.order.status == .canceled }.count
            stats.jobsPending = state.jobs.filter { $0.status == .pending || $0.status == .running }.count
            stats.jobsDead = state.jobs.filter { $0.status == .dead }.count
            stats.jobsRunning = state.jobs.filter { $0.status == .running }.count
            stats.oldestPendingJob = state.jobs.filter { $0.status == .pending }.map(\.createdAt).min()
            stats.quarantined = state.quarantine.count
            return stats
        }
    }
}
