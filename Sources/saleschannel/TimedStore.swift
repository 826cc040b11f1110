import Foundation
import SalesChannel
import Synchronization

/// A ``ChannelStore`` that notes when each order's snapshot was committed.
final class TimedStore: ChannelStore {
    let base: any ChannelStore
    private let noted = Mutex<[String: [(at: Date, lastUpdate: Date)]]>([:])

    init(_ base: any ChannelStore) { self.base = base }

    var commits: [String: [(at: Date, lastUpdate: Date)]] { noted.withLock { $0 } }

    func checkpoint(for sourceID: String) async throws -> SyncCheckpoint? { try await base.checkpoint(for: sourceID) }

    func commit(
        _ page: OrderPage, from sourceID: String, decide: @escaping @Sendable (OrderRecord?, ChannelOrder) -> WorkflowDecision
    ) async throws -> CommitSummary {
        let summary = try await base.commit(page, from: sourceID, decide: decide)
        let now = Date()
        noted.withLock { noted in
            for order in page.orders { noted[order.amazonOrderID.rawValue, default: []].append((now, order.lastUpdateDate)) }
        }
        return summary
    }

    func update(_ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord) throws -> WorkflowDecision) async throws -> OrderRecord {
        try await base.update(id, decide: decide)
    }
    func upsert(_ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord?) throws -> WorkflowDecision) async throws -> OrderRecord? {
        try await base.upsert(id, decide: decide)
    }
    func record(_ id: AmazonOrderID) async throws -> OrderRecord? { try await base.record(id) }
    func records(includeHidden: Bool) async throws -> [OrderRecord] { try await base.records(includeHidden: includeHidden) }
    func scanRecords(_ scan: OrderScan) async throws -> [OrderRecord] { try await base.scanRecords(scan) }
    func events(for id: AmazonOrderID) async throws -> [OrderEvent] { try await base.events(for: id) }
    func quarantined() async throws -> [QuarantinedOrder] { try await base.quarantined() }
    func quarantine(_ items: [QuarantinedOrder]) async throws { try await base.quarantine(items) }
    func claimJobs(limit: Int, now: Date, lease: TimeInterval) async throws -> [OutboxJob] { try await base.claimJobs(limit: limit, now: now, lease: lease) }
    func renewLeases(_ jobs: [OutboxJob], until: Date) async throws -> [Int64] { try await base.renewLeases(jobs, until: until) }
    func finish(_ job: OutboxJob, outcome: EffectOutcome, now: Date, decide: @escaping @Sendable (OrderRecord) -> WorkflowDecision) async throws {
        try await base.finish(job, outcome: outcome, now: now, decide: decide)
    }
    func fail(_ job: OutboxJob, reason: String, retryAt: Date?, now: Date, decide: @escaping @Sendable (OrderRecord) -> WorkflowDecision) async throws {
        try await base.fail(job, reason: reason, retryAt: retryAt, now: now, decide: decide)
    }
    func jobs(statuses: Set<OutboxJob.Status>) async throws -> [OutboxJob] { try await base.jobs(statuses: statuses) }
    func replayDeadJobs(_ ids: [Int64], now: Date) async throws -> Int { try await base.replayDeadJobs(ids, now: now) }
    func replayJobs(_ ids: [Int64], now: Date) async throws -> [OutboxJob] { try await base.replayJobs(ids, now: now) }
    func jobs(for id: AmazonOrderID) async throws -> [OutboxJob] { try await base.jobs(for: id) }
    func sources() async throws -> [StoredSource] { try await base.sources() }
    func pruneFinishedJobs(before cutoff: Date) async throws -> Int { try await base.pruneFinishedJobs(before: cutoff) }
    func nextDueJob() async throws -> Date? { try await base.nextDueJob() }
    func statistics() async throws -> StoreStatistics { try await base.statistics() }
    func close() async { await base.close() }
}
