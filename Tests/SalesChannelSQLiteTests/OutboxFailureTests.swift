import Foundation
import GRDB
import Logging
import SalesChannel
import SalesChannelSQLite
import SalesChannelTesting
import Synchronization
import Testing

/// A store that fails on purpose: the first `finish` of every job, and some claims, throw as a
/// locked or full database would. Everything else is the wrapped store's.
final class FailingStore: ChannelStore {
    let base: any ChannelStore
    private let finished = Mutex<Set<Int64>>([])
    private let claims = Mutex(0)
    /// Every how many claims one fails (0: never).
    let failEveryClaim: Int
    /// Every `finish` of these effects fails, for ever (a record that cannot be written).
    let finishNeverWorksFor: String?

    init(_ base: any ChannelStore, failEveryClaim: Int, finishNeverWorksFor: String? = nil) {
        self.base = base
        self.failEveryClaim = failEveryClaim
        self.finishNeverWorksFor = finishNeverWorksFor
    }

    struct Unavailable: Error, CustomStringConvertible { var description: String { "database is locked (injected)" } }

    func checkpoint(for sourceID: String) async throws -> SyncCheckpoint? { try await base.checkpoint(for: sourceID) }
    func commit(_ page: OrderPage, from sourceID: String, decide: @escaping @Sendable (OrderRecord?, ChannelOrder) -> WorkflowDecision) async throws -> CommitSummary {
        try await base.commit(page, from: sourceID, decide: decide)
    }
    func update(_ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord) throws -> WorkflowDecision) async throws -> OrderRecord {
        try await base.update(id, decide: decide)
    }
    func upsert(_ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord?) throws -> WorkflowDecision) async throws -> OrderRecord? {
        try await base.upsert(id, decide: decide)
    }
    func record(_ id: AmazonOrderID) async throws -> OrderRecord? { try await base.record(id) }
    func records(includeHidden: Bool) async throws -> [OrderRecord] { try await base.records(includeHidden: includeHidden) }
    func events(for id: AmazonOrderID) async throws -> [OrderEvent] { try await base.events(for: id) }
    func quarantined() async throws -> [QuarantinedOrder] { try await base.quarantined() }
    func quarantine(_ items: [QuarantinedOrder]) async throws { try await base.quarantine(items) }
    func claimJobs(limit: Int, now: Date, lease: TimeInterval) async throws -> [OutboxJob] {
        let count = claims.withLock { $0 += 1; return $0 }
        if failEveryClaim > 0, count % failEveryClaim == 0 { throw Unavailable() }
        return try await base.claimJobs(limit: limit, now: now, lease: lease)
    }
    func renewLeases(_ jobs: [OutboxJob], until: Date) async throws -> [Int64] { try await base.renewLeases(jobs, until: until) }
    func finish(_ job: OutboxJob, outcome: EffectOutcome, now: Date, decide: @escaping @Sendable (OrderRecord) -> WorkflowDecision) async throws {
        let first = finished.withLock { $0.insert(job.id).inserted }
        if first || finishNeverWorksFor.map({ job.effect.name.hasPrefix($0) }) == true { throw Unavailable() }
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
}

/// Errors of the store are not errors of effects: a settle that fails is tried again and never
/// runs the effect twice or dead-letters it; `run --once` rides out failing claims.
struct OutboxFailureTests {
    static func stores() throws -> [(String, any ChannelStore)] {
        [("in-memory", InMemoryChannelStore()), ("sqlite", SQLiteChannelStore(database: try SQLiteConformanceTests.freshDatabase()))]
    }

    /// Scripted orders into `store`, handed to `sink`, with near-zero retry delays and a lease far
    /// longer than the test: a job can run twice only through the store's failures, never because
    /// a slow machine let its lease run out.
    static func composition(_ store: any ChannelStore, sink: RecordingShipmentSink, orders: Int, seed: UInt64, maxAttempts: Int) -> Composition {
        Composition(
            store: store, backend: InMemoryCommerceBackend(), sources: [ScriptedOrderSource(count: orders, seed: seed)],
            customerPolicy: FixedCustomerPolicy(), sinks: ["erp": sink], retry: RetryPolicy(maxAttempts: maxAttempts, baseDelay: 0.001, maxDelay: 0.001),
            tuning: Composition.Tuning(lease: 3600))
    }

    static let quiet: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    @Test func aFailingSettleNeverRunsAnEffectTwiceNorDeadLettersIt() async throws {
        for (name, base) in try Self.stores() {
            let store = FailingStore(base, failEveryClaim: 3)
            let sink = RecordingShipmentSink()
            let composition = Self.composition(store, sink: sink, orders: 30, seed: 5, maxAttempts: 1)
            try await composition.runOnce(logger: Self.quiet)
            let jobs = try await base.jobs(statuses: [])
            #expect(!jobs.isEmpty)
            #expect(jobs.allSatisfy { $0.status == .done }, "\(name): \(jobs.filter { $0.status != .done }.map { "\($0.effect.name) \($0.status)" })")
            // With one attempt allowed, treating the failed settle as the effect's failure would have dead-lettered them all.
            let handoffJobs = jobs.filter { $0.effect.name.hasPrefix("handoff:") }.count
            let cancelJobs = jobs.filter { $0.effect.name.hasPrefix("cancel-handoff:") }.count
            #expect(sink.handoffs.count == handoffJobs && sink.cancellations.count == cancelJobs, "\(name)")
            #expect(sink.attempts == handoffJobs + cancelJobs, "\(name): \(sink.attempts) calls for \(handoffJobs + cancelJobs) jobs: an effect ran twice")
            let counters = composition.statistics.snapshot
            #expect(counters.storeErrors >= jobs.count, "\(name): \(counters.storeErrors) store errors counted")
            #expect(counters.deadLettered == 0 && counters.errors == 0, "\(name)")
        }
    }

    /// A store that never records one kind of result does not make `run --once` loop: each
    /// such job is retried like a failed attempt and dead-lettered after the allowed attempts.
    @Test func aStoreThatNeverRecordsAResultEndsInADeadLetterNotALoop() async throws {
        for (name, base) in try Self.stores() {
            let store = FailingStore(base, failEveryClaim: 0, finishNeverWorksFor: "handoff:")
            let sink = RecordingShipmentSink()
            let composition = Self.composition(store, sink: sink, orders: 12, seed: 6, maxAttempts: 2)
            try await composition.runOnce(logger: Self.quiet)
            let handoffs = try await base.jobs(statuses: []).filter { $0.effect.name.hasPrefix("handoff:") }
            #expect(!handoffs.isEmpty)
            #expect(handoffs.allSatisfy { $0.status == .dead && ($0.lastError ?? "").contains("could not be recorded") }, "\(name)")
            #expect(sink.handoffs.count == handoffs.count && sink.attempts == 2 * handoffs.count, "\(name): \(sink.attempts) deliveries, bounded by the attempts")
        }
    }

    /// A job this release cannot read is set aside with its reason; the others run.
    @Test func aJobThatCannotBeReadIsSetAsideAndBlocksNothing() async throws {
        let database = try SQLiteConformanceTests.freshDatabase()
        let store = SQLiteChannelStore(database: database)
        let composition = Composition(
            store: store, backend: InMemoryCommerceBackend(), sources: [ScriptedOrderSource(count: 10, seed: 9)],
            customerPolicy: FixedCustomerPolicy(), sinks: ["erp": RecordingShipmentSink()])
        try await OrderSync(source: composition.sources[0], composition: composition, logger: Logger(label: "test")).catchUp()
        let poisoned = try #require(try await store.jobs(statuses: [.pending]).first { $0.effect.name.hasPrefix("handoff:") })
        let queue = try DatabaseQueue(path: database.path)
        try await queue.write { db in
            try db.execute(sql: "UPDATE jobs SET effect = ? WHERE id = ?", arguments: [Data(#"{"teleport":{"to":"mars"}}"#.utf8), poisoned.id])
        }
        try queue.close()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        try await composition.runOnce(logger: logger)
        let dead = try await store.jobs(statuses: [.dead])
        #expect(dead.map(\.id) == [poisoned.id])
        #expect(dead.first?.lastError?.contains("this release cannot read the stored job") == true, "\(String(describing: dead.first?.lastError))")
        let others = try await store.jobs(statuses: []).filter { $0.id != poisoned.id }
        #expect(others.allSatisfy { $0.status == .done }, "\(others.filter { $0.status != .done }.map(\.effect.name))")
        #expect(try await store.events(for: poisoned.amazonOrderID).contains { $0.message.contains("set aside") })
    }
}
