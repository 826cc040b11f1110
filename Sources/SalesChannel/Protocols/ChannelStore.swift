import Foundation

/// Where SalesChannel keeps its own state: order records, their history, the outbox, the
/// checkpoints and the quarantine. It is three protocols, each a concern a part of the engine
/// uses (``SyncStore`` for the sync, ``OrderStore`` for the operations on one order,
/// ``OutboxStore`` for the runner), plus the counts for progress lines and summaries.
///
/// Contract (checked by `ChannelStoreConformance` in `SalesChannelTesting`, one group of checks
/// per protocol):
/// - ``SyncStore/commit(_:from:decide:)`` stores a page atomically: the records the `decide`
///   function returns, their effects and events, the quarantined orders and the new checkpoint,
///   all or nothing. `decide` runs inside the transaction against the stored record, so
///   concurrent writers never lose each other's changes.
/// - An effect's idempotency key is unique: enqueuing it again is a no-op.
/// - ``OutboxStore/claimJobs(limit:now:lease:)`` hands out runnable jobs: pending (or running
///   with an expired lease), due, and for ordered effects only when every earlier ordered effect
///   of the same order is done. No job is handed to two claimers while its lease runs.
/// - ``OutboxStore/finish(_:outcome:now:decide:)`` marks a job done and applies its outcome to the
///   record in one transaction; ``OutboxStore/fail(_:reason:retryAt:now:decide:)`` schedules a
///   retry or, with no retry date, dead-letters the job. Both are fenced by the job's claim.
public protocol ChannelStore: SyncStore, OrderStore, OutboxStore {
    /// Counts for progress lines and summaries.
    func statistics() async throws -> StoreStatistics

    /// Releases the store's connections (a command that is done with it); nothing may be asked
    /// of the store afterwards. The default does nothing.
    func close() async

    /// How processes sharing this store share the work (a database server's store), or `nil`
    /// when one process owns it (the default).
    var coordination: (any WorkCoordination)? { get }
}

/// What the sync needs: checkpoints, and pages committed with their records and effects.
public protocol SyncStore: Sendable {
    /// The stored checkpoint of a source.
    func checkpoint(for sourceID: String) async throws -> SyncCheckpoint?

    /// Every source id work is stored under (a checkpoint, records), with that work: for
    /// telling whether a deployment still has a source for each (see ``StoredSource``).
    func sources() async throws -> [StoredSource]

    /// Stores one page from a source in one transaction (see the protocol's contract).
    @discardableResult
    func commit(
        _ page: OrderPage, from sourceID: String,
        decide: @escaping @Sendable (OrderRecord?, ChannelOrder) -> WorkflowDecision
    ) async throws -> CommitSummary
}

/// Orders one at a time (a shipment, a recovery, accepted totals) and the listings.
public protocol OrderStore: Sendable {
    /// Changes one stored record in one transaction (a shipment, a recovery).
    /// - Throws: ``StoreError`` `.orderNotFound`, or whatever `decide` throws.
    @discardableResult
    func update(
        _ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord) throws -> WorkflowDecision
    ) async throws -> OrderRecord

    /// Stores a decision for an order that may not be stored yet (recovery of one order by id).
    @discardableResult
    func upsert(
        _ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord?) throws -> WorkflowDecision
    ) async throws -> OrderRecord?

    func record(_ id: AmazonOrderID) async throws -> OrderRecord?

    /// Records in purchase order, newest last; hidden (Pending) ones only when asked.
    func records(includeHidden: Bool) async throws -> [OrderRecord]

    /// A stretch of a listing (``OrderScan``): records in its order that pass what it narrows by,
    /// `scan.limit` of them unless the listing ends sooner (fewer means the end). A store that
    /// cannot narrow may answer every such record after the position; the default does that
    /// from ``records(includeHidden:)``.
    func scanRecords(_ scan: OrderScan) async throws -> [OrderRecord]

    func events(for id: AmazonOrderID) async throws -> [OrderEvent]

    func quarantined() async throws -> [QuarantinedOrder]

    /// Keeps items an adapter could not use (a pushed notice that does not parse, or that no
    /// source serves), each once per source, order and reason.
    func quarantine(_ items: [QuarantinedOrder]) async throws
}

/// The outbox: claims under fenced leases, settling, retries, replays and pruning.
public protocol OutboxStore: Sendable {
    /// Claims up to `limit` runnable jobs for `lease` seconds, each with a new
    /// ``OutboxJob/claim`` token.
    func claimJobs(limit: Int, now: Date, lease: TimeInterval) async throws -> [OutboxJob]

    /// Extends the leases of jobs still being worked on (a runner's heartbeat), so that a slow
    /// effect is not taken over by another runner; a crashed runner's leases simply run out.
    /// Only a job still held under the same claim is renewed.
    /// - Returns: the ids of the jobs whose lease was lost (taken over or settled meanwhile).
    @discardableResult
    func renewLeases(_ jobs: [OutboxJob], until: Date) async throws -> [Int64]

    /// Marks a job done and folds its outcome into the record, with any follow-up effects.
    /// `finish` and ``fail(_:reason:retryAt:now:decide:)`` are fenced: when the job is no
    /// longer running under `job.claim`, they change nothing and throw ``LeaseLost``.
    func finish(
        _ job: OutboxJob, outcome: EffectOutcome, now: Date,
        decide: @escaping @Sendable (OrderRecord) -> WorkflowDecision
    ) async throws
    /// Records a failed attempt: retried at `retryAt`, or dead-lettered when it is `nil`.
    func fail(
        _ job: OutboxJob, reason: String, retryAt: Date?, now: Date,
        decide: @escaping @Sendable (OrderRecord) -> WorkflowDecision
    ) async throws
    /// Jobs with the given statuses (all when empty), oldest first.
    func jobs(statuses: Set<OutboxJob.Status>) async throws -> [OutboxJob]

    /// The jobs of one order, oldest first.
    func jobs(for id: AmazonOrderID) async throws -> [OutboxJob]

    /// Puts dead-lettered jobs back in line with a fresh count of attempts (`ids` empty: all).
    /// - Returns: how many were replayed.
    @discardableResult
    func replayDeadJobs(_ ids: [Int64], now: Date) async throws -> Int

    /// Runs finished (`done`) jobs again: each becomes a new pending job with the same effect,
    /// the next ``OutboxJob/generation`` and that generation's idempotency key, and the order
    /// gets a `replayed` event.
    /// - Throws: ``StoreError`` `.jobNotFound` for an id that is not a job, `.jobNotFinished` for
    ///   one that is not done or whose replay is still waiting; nothing is replayed then.
    /// - Returns: the new jobs, in the order of `ids`.
    func replayJobs(_ ids: [Int64], now: Date) async throws -> [OutboxJob]

    /// Deletes `done` jobs last changed before `cutoff` whose order is final (shipped, canceled
    /// or unfulfillable at Amazon) and has no job left that is not done. Such an order's effects
    /// are never decided again (the record's plans and shipments say what was done), so its keys
    /// are no longer needed to keep an effect from running twice.
    /// - Returns: how many jobs were deleted.
    @discardableResult
    func pruneFinishedJobs(before cutoff: Date) async throws -> Int

    /// The earliest time a job that is next in its order's line becomes due (a running job:
    /// when its lease ends), or `nil` when nothing is left but done and dead-lettered jobs and
    /// what waits behind them.
    func nextDueJob() async throws -> Date?
}

extension ChannelStore {
    public func close() async {}
    public var coordination: (any WorkCoordination)? { nil }
}

/// The rule every store applies to a replay request, given the jobs of the orders concerned.
public enum ReplayRule {
    /// Checks `ids` against `jobs` (every job of the orders concerned) and returns, for each id,
    /// the job to copy and its new generation.
    public static func plan(_ ids: [Int64], among jobs: [OutboxJob]) throws(StoreError) -> [(job: OutboxJob, generation: Int)] {
        var plan: [(job: OutboxJob, generation: Int)] = []
        for id in ids {
            guard let job = jobs.first(where: { $0.id == id }) else {
                throw StoreError(.jobNotFound, "no job with id \(id); `saleschannel jobs --all` lists them")
            }
            guard job.effect.isReplayable else {
                throw StoreError(.jobNotFinished, "job \(id) (\(job.effect.name)) acts on the commerce system itself, which keeps what it did; only deliveries (handoffs, cancellations to sinks, shipment confirmations, notifications) are replayed")
            }
            guard job.status == .done else {
                throw StoreError(.jobNotFinished, "job \(id) (\(job.effect.name)) is \(job.status.rawValue), not done; only finished jobs are replayed"
                    + (job.status == .dead ? " (`saleschannel jobs retry \(id)` puts a dead-lettered job back)" : ""))
            }
            let siblings = jobs.filter { $0.amazonOrderID == job.amazonOrderID && $0.effect.name == job.effect.name }
            if let waiting = siblings.first(where: { $0.status == .pending || $0.status == .running }) {
                throw StoreError(.jobNotFinished, "job \(id) (\(job.effect.name)) is already being replayed as job \(waiting.id), which is \(waiting.status.rawValue)")
            }
            // A dead replay would hold a new one behind it for ever (ordered effects wait).
            if let dead = siblings.first(where: { $0.status == .dead }) {
                throw StoreError(.jobNotFinished, "job \(id) (\(job.effect.name)) was replayed as job \(dead.id), which is dead-lettered; `saleschannel jobs retry \(dead.id)` tries that one again")
            }
            if plan.contains(where: { $0.job.amazonOrderID == job.amazonOrderID && $0.job.effect.name == job.effect.name }) {
                throw StoreError(.jobNotFinished, "job \(id) (\(job.effect.name)): the same effect of order \(job.amazonOrderID) is asked twice")
            }
            plan.append((job, (siblings.map(\.generation).max() ?? 1) + 1))
        }
        return plan
    }
}

/// What a listing asks of the store: the filters a store can answer from its columns, in
/// purchase order from a position; the engine applies the rest of the query to what comes back.
public struct OrderScan: Hashable, Sendable {
    public enum Position: Hashable, Sendable {
        /// From the start.
        case start
        /// From about this purchase date on (a page's cursor, to the millisecond): the store
        /// may answer a little before it; the engine drops what it has shown.
        case near(Date)
        /// Strictly after this record (the last one of the previous stretch).
        case after(Date, AmazonOrderID)
    }

    public var includeHidden = false
    public var fulfillmentChannel: FulfillmentChannel?
    public var amazonStatus: AmazonOrderStatus?
    public var marketplace: MarketplaceID?
    public var purchasedFrom: Date?
    public var purchasedBefore: Date?
    /// Text every answer's stored record contains, ignoring ASCII case (the search of
    /// ``OrderQuery/text`` when it is plain ASCII): a store may narrow by it; the engine checks
    /// the real search.
    public var contains: String?
    public var descending = false
    public var position = Position.start
    public var limit = 500

    public init() {}

    /// Whether `record` passes the filters and comes after the position.
    public func admits(_ record: OrderRecord) -> Bool {
        let order = record.order
        if !includeHidden && !record.visible { return false }
        if let fulfillmentChannel, order.fulfillmentChannel != fulfillmentChannel { return false }
        if let amazonStatus, order.status != amazonStatus { return false }
        if let marketplace, order.marketplaceID != marketplace { return false }
        if let purchasedFrom, order.purchaseDate < purchasedFrom { return false }
        if let purchasedBefore, order.purchaseDate >= purchasedBefore { return false }
        switch position {
        case .start, .near: return true
        case .after(let date, let id):
            let key = (order.purchaseDate, record.amazonOrderID.rawValue)
            return descending ? key < (date, id.rawValue) : key > (date, id.rawValue)
        }
    }
}

extension ChannelStore {
    /// Every record after the position that passes the scan's filters, in its order (no limit).
    public func scanRecords(_ scan: OrderScan) async throws -> [OrderRecord] {
        let records = try await records(includeHidden: scan.includeHidden).filter(scan.admits)
            .sorted { ($0.order.purchaseDate, $0.amazonOrderID.rawValue) < ($1.order.purchaseDate, $1.amazonOrderID.rawValue) }
        return scan.descending ? records.reversed() : records
    }
}

/// Work stored under one source id.
public struct StoredSource: Hashable, Sendable {
    public var id: String
    public var checkpoint: SyncCheckpoint?
    /// Orders imported by this source.
    public var orders: Int
    /// Jobs waiting or running that only this source can run: shipment confirmations to the
    /// channel.
    public var openConfirmations: Int
    /// Shipment confirmations dead-lettered (refused by the channel, or out of attempts).
    public var deadConfirmations: Int
    public init(id: String, checkpoint: SyncCheckpoint?, orders: Int, openConfirmations: Int, deadConfirmations: Int = 0) {
        self.id = id
        self.checkpoint = checkpoint
        self.orders = orders
        self.openConfirmations = openConfirmations
        self.deadConfirmations = deadConfirmations
    }
}

/// What committing one page did.
public struct CommitSummary: Hashable, Sendable {
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    public var skipped = 0
    public var effects = 0
    public var quarantined = 0
    public init() {}
}

/// Counts over the whole store.
public struct StoreStatistics: Hashable, Codable, Sendable {
    public var orders = 0
    public var visibleOrders = 0
    public var commerceOrders = 0
    public var shippedOrders = 0
    public var canceledOrders = 0
    public var jobsPending = 0
    public var jobsDead = 0
    /// Jobs claimed under a lease that has not expired yet (this or another process runs them).
    public var jobsRunning = 0
    /// When the oldest job waiting to run (pending) was created.
    public var oldestPendingJob: Date?
    public var quarantined = 0
    public init() {}
}

/// A store failure, with what to do about it.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public enum Code: String, Hashable, Sendable {
        case orderNotFound = "order-not-found"
        case jobNotFound = "job-not-found"
        /// A replay asked of a job that has not finished (or whose last replay has not).
        case jobNotFinished = "job-not-finished"
        case corrupt
        case schemaTooNew = "schema-too-new"
        case schemaTooOld = "schema-too-old"
        /// No store at the configured place yet.
        case missing
        /// The file at the store's place is not a SalesChannel store.
        case foreign
        /// The store's place cannot be written (permissions, a missing folder, a full disk).
        case unavailable
    }

    public var description: String { message }

    public static func orderNotFound(_ id: AmazonOrderID) -> StoreError {
        StoreError(.orderNotFound, "order \(id) is not in the store; `saleschannel orders --all` lists what is")
    }
}
