import Foundation
import Logging
import PostgresNIO
import SalesChannel

/// The ``ChannelStore`` several processes share: records, history, outbox, checkpoints and
/// quarantine in PostgreSQL.
///
/// - Every operation is one transaction; a page's records are locked (`FOR UPDATE`, in order of
///   their ids) while `decide` runs, so two processes never lose each other's changes.
/// - Jobs are claimed with `FOR UPDATE SKIP LOCKED`: claimers never wait on each other and never
///   get the same job; each claim increments the job's fencing token, and a settle by a runner
///   whose claim was taken over changes nothing (``LeaseLost``).
/// - Leases (jobs', sources', workers') are timed by the server's clock
///   (``PostgresStoreConfiguration/LeaseClock/server``), so a process whose clock is wrong can
///   neither keep a job for ever nor take one early.
public struct PostgresChannelStore: ChannelStore {
    public let database: PostgresStoreDatabase

    /// The time stamped on what the store writes itself (creation and first due times): the
    /// composition's clock. Leases are timed by the server unless configured otherwise.
    public var clock: any SalesChannelClock

    public init(database: PostgresStoreDatabase, clock: any SalesChannelClock = SystemClock()) {
        self.database = database
        self.clock = clock
    }

    public func close() async { await database.close() }

    public var coordination: (any WorkCoordination)? { self }

    /// The `now` leases compare with: `nil` (the server's clock) unless the caller's time is
    /// configured; in SQL, `COALESCE($x, <server time>)`.
    func leaseNow(_ callerNow: Date) -> Double? {
        database.configuration.leaseClock == .caller ? callerNow.timeIntervalSince1970 : nil
    }

    // MARK: Sync

    public func checkpoint(for sourceID: String) async throws -> SyncCheckpoint? {
        try await database.query("SELECT value FROM checkpoints WHERE source_id = \(sourceID)")
            .first.map { SyncCheckpoint(try $0.decode(String.self)) }
    }

    public func sources() async throws -> [StoredSource] {
        var sources: [String: StoredSource] = [:]
        for row in try await database.query("SELECT source_id, value FROM checkpoints") {
            let (id, value) = try row.decode((String, String).self)
            sources[id] = StoredSource(id: id, checkpoint: SyncCheckpoint(value), orders: 0, openConfirmations: 0)
        }
        let rows = try await database.query("""
            SELECT o.source_id, COUNT(*)::int8,
                   (SELECT COUNT(*) FROM jobs j JOIN orders p ON p.amazon_order_id = j.amazon_order_id
                    WHERE p.source_id = o.source_id AND j.status IN ('pending', 'running') AND j.effect_name LIKE 'confirm-shipment:%')::int8,
                   (SELECT COUNT(*) FROM jobs j JOIN orders p ON p.amazon_order_id = j.amazon_order_id
                    WHERE p.source_id = o.source_id AND j.status = 'dead' AND j.effect_name LIKE 'confirm-shipment:%')::int8
            FROM orders o GROUP BY o.source_id
            """)
        for row in rows {
            let (id, orders, open, dead) = try row.decode((String, Int, Int, Int).self)
            var source = sources[id] ?? StoredSource(id: id, checkpoint: nil, orders: 0, openConfirmations: 0)
            source.orders = orders
            source.openConfirmations = open
            source.deadConfirmations = dead
            sources[id] = source
        }
        return sources.values.sorted { $0.id < $1.id }
    }

    public func commit(
        _ page: OrderPage, from sourceID: String,
        decide: @escaping @Sendable (OrderRecord?, ChannelOrder) -> WorkflowDecision
    ) async throws -> CommitSummary {
        let now = clock.now()
        return try await database.transaction { connection in
            var summary = CommitSummary()
            var stored = try await lockRecords(page.orders.map(\.amazonOrderID.rawValue), connection)
            for snapshot in page.orders {
                let id = snapshot.amazonOrderID.rawValue
                let before = stored[id]
                let decision = decide(before, snapshot)
                guard decision.changed else { summary.unchanged += 1; continue }
                guard decision.record != nil else { summary.skipped += 1; continue }
                if before == nil { summary.inserted += 1 } else { summary.updated += 1 }
                summary.effects += try await store(decision, exists: before != nil, connection, now: now)
                stored[id] = decision.record
            }
            for bad in page.quarantined {
                try await connection.query("""
                    INSERT INTO quarantine(source_id, amazon_order_id, reason, payload, at)
                    VALUES (\(bad.sourceID), \(bad.amazonOrderID?.rawValue), \(bad.reason), \(bad.payload), \(bad.at.timeIntervalSince1970))
                    ON CONFLICT DO NOTHING
                    """, logger: database.logger)
                summary.quarantined += 1
            }
            try await connection.query("""
                INSERT INTO checkpoints(source_id, value, updated_at) VALUES (\(sourceID), \(page.checkpoint.value), \(now.timeIntervalSince1970))
                ON CONFLICT (source_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """, logger: database.logger)
            return summary
        }
    }

    public func update(
        _ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord) throws -> WorkflowDecision
    ) async throws -> OrderRecord {
        let now = clock.now()
        return try await database.transaction { connection in
            guard let stored = try await lockRecords([id.rawValue], connection)[id.rawValue] else { throw StoreError.orderNotFound(id) }
            let decision = try decide(stored)
            guard decision.changed, let record = decision.record else { return stored }
            try await store(decision, exists: true, connection, now: now)
            return record
        }
    }

    public func upsert(
        _ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord?) throws -> WorkflowDecision
    ) async throws -> OrderRecord? {
        let now = clock.now()
        return try await database.transaction { connection in
            let stored = try await lockRecords([id.rawValue], connection)[id.rawValue]
            let decision = try decide(stored)
            guard decision.changed, decision.record != nil else { return stored }
            try await store(decision, exists: stored != nil, connection, now: now)
            return decision.record
        }
    }

    // MARK: Reading

    public func record(_ id: AmazonOrderID) async throws -> OrderRecord? {
        try await database.query("SELECT record FROM orders WHERE amazon_order_id = \(id.rawValue)")
            .first.map { try Self.decodeRecord(try $0.decode(String.self)) }
    }

    public func records(includeHidden: Bool) async throws -> [OrderRecord] {
        try await database.query("""
            SELECT record FROM orders WHERE visible OR \(includeHidden) ORDER BY purchase_date, amazon_order_id
            """).map { try Self.decodeRecord(try $0.decode(String.self)) }
    }

    /// The scan's filters on the orders table's columns, in the order of its purchase-date
    /// index, a stretch at a time; the position is taken with a millisecond of slack and made
    /// exact by ``OrderScan/admits(_:)`` (as the SQLite store does).
    public func scanRecords(_ scan: OrderScan) async throws -> [OrderRecord] {
        var clauses: [String] = []
        var binds = PostgresBindings()
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        if !scan.includeHidden { clauses.append("visible") }
        if let channel = scan.fulfillmentChannel { clauses.append("fulfillment_channel = \(bind(channel.rawValue))") }
        if let status = scan.amazonStatus { clauses.append("amazon_status = \(bind(status.rawValue))") }
        if let marketplace = scan.marketplace { clauses.append("marketplace_id = \(bind(marketplace.rawValue))") }
        if let from = scan.purchasedFrom { clauses.append("purchase_date >= \(bind(from.timeIntervalSince1970 - 0.001))") }
        if let before = scan.purchasedBefore { clauses.append("purchase_date < \(bind(before.timeIntervalSince1970 + 0.001))") }
        if let text = scan.contains {
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            clauses.append("record ILIKE \(bind("%" + escaped + "%"))")
        }
        switch scan.position {
        case .start: break
        case .near(let date), .after(let date, _):
            let bound = date.timeIntervalSince1970 + (scan.descending ? 0.002 : -0.002)
            clauses.append(scan.descending ? "purchase_date <= \(bind(bound))" : "purchase_date >= \(bind(bound))")
        }
        let direction = scan.descending ? "DESC" : "ASC"
        let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        let limit = bind(scan.limit)
        var offset = 0
        var admitted: [OrderRecord] = []
        while true {
            var page = binds
            page.append(offset)
            let sql = "SELECT record FROM orders\(filter) ORDER BY purchase_date \(direction), amazon_order_id \(direction) LIMIT \(limit) OFFSET $\(page.count)"
            let rows = try await database.query(PostgresQuery(unsafeSQL: sql, binds: page))
            admitted += try rows.map { try Self.decodeRecord(try $0.decode(String.self)) }.filter(scan.admits)
            if rows.count < scan.limit || admitted.count >= scan.limit { return Array(admitted.prefix(scan.limit)) }
            offset += rows.count
        }
    }

    public func events(for id: AmazonOrderID) async throws -> [OrderEvent] {
        try await database.query("SELECT at, kind, message FROM order_events WHERE amazon_order_id = \(id.rawValue) ORDER BY id").map { row in
            let (at, kind, message) = try row.decode((Double, String, String).self)
            return OrderEvent(amazonOrderID: id, at: Date(timeIntervalSince1970: at), kind: OrderEvent.Kind(rawValue: kind), message: message)
        }
    }

    public func quarantine(_ items: [QuarantinedOrder]) async throws {
        try await database.transaction { connection in
            for bad in items {
                try await connection.query("""
                    INSERT INTO quarantine(source_id, amazon_order_id, reason, payload, at)
                    VALUES (\(bad.sourceID), \(bad.amazonOrderID?.rawValue), \(bad.reason), \(bad.payload), \(bad.at.timeIntervalSince1970))
                    ON CONFLICT DO NOTHING
                    """, logger: self.database.logger)
            }
        }
    }

    public func quarantined() async throws -> [QuarantinedOrder] {
        try await database.query("SELECT source_id, amazon_order_id, reason, payload, at FROM quarantine ORDER BY id").map { row in
            let (source, order, reason, payload, at) = try row.decode((String, String?, String, String, Double).self)
            return QuarantinedOrder(sourceID: source, amazonOrderID: order.map { AmazonOrderID(rawValue: $0) }, reason: reason,
                                    payload: payload, at: Date(timeIntervalSince1970: at))
        }
    }

    // MARK: Outbox

    public func claimJobs(limit: Int, now: Date, lease: TimeInterval) async throws -> [OutboxJob] {
        let leaseNow = leaseNow(now)
        let at = now.timeIntervalSince1970
        // Runnable: pending and due, or running under a lease that ran out; an ordered effect
        // only once every earlier ordered effect of its order is done. Locked rows (another
        // claimer's) are skipped, not waited for. One transaction with the setting aside of
        // jobs this release cannot read: a claim that fails leaves nothing claimed.
        return try await database.transaction { connection in
            let rows = try await connection.query("""
                WITH claimable AS (
                    SELECT j.id FROM jobs j
                    WHERE j.status IN ('pending', 'running')
                      AND ((j.status = 'pending' AND j.next_attempt_at <= \(at))
                           OR (j.status = 'running' AND j.lease_until <= COALESCE(\(leaseNow)::float8, extract(epoch FROM clock_timestamp())::float8)))
                      AND (NOT j.ordered OR NOT EXISTS (
                           SELECT 1 FROM jobs p WHERE p.amazon_order_id = j.amazon_order_id AND p.ordered
                           AND p.id < j.id AND p.status <> 'done'))
                    ORDER BY j.id LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED)
                UPDATE jobs SET status = 'running', attempts = jobs.attempts + 1, claim = jobs.claim + 1,
                    lease_until = COALESCE(\(leaseNow)::float8, extract(epoch FROM clock_timestamp())::float8) + \(lease),
                    updated_at = \(at)
                FROM claimable WHERE jobs.id = claimable.id
                RETURNING \(unescaped: Self.jobColumns(prefix: "jobs."))
                """, logger: database.logger).collect()
            var jobs: [OutboxJob] = []
            for row in rows {
                let job = try Self.job(row)
                if case .unreadable(let name, let reason) = job.effect {
                    // A job this release cannot read (a newer release wrote it, or it is damaged)
                    // is set aside with its reason; it blocks nothing else.
                    try await connection.query("""
                        UPDATE jobs SET status = 'dead', lease_until = NULL, updated_at = \(at),
                            last_error = \("this release cannot read the stored job (\(reason)); a newer release may")
                        WHERE id = \(job.id)
                        """, logger: database.logger)
                    try await insertEvent(job.amazonOrderID, at: now, kind: .deadLettered,
                                          message: "job \(job.id) (\(name)) set aside: it cannot be read by this release", connection)
                    continue
                }
                jobs.append(job)
            }
            return jobs.sorted { $0.id < $1.id }
        }
    }

    public func renewLeases(_ jobs: [OutboxJob], until: Date) async throws -> [Int64] {
        guard !jobs.isEmpty else { return [] }
        // Until the caller's `until` (its clock), or the server's time plus as long from now.
        let callerUntil = database.configuration.leaseClock == .caller ? until.timeIntervalSince1970 : nil
        let length = until.timeIntervalSince(clock.now())
        let renewed = try await database.query("""
            UPDATE jobs SET lease_until = COALESCE(\(callerUntil)::float8, extract(epoch FROM clock_timestamp())::float8 + \(length))
            FROM unnest(\(jobs.map(\.id))::int8[], \(jobs.map(\.claim))::int8[]) AS held(id, claim)
            WHERE jobs.id = held.id AND jobs.claim = held.claim AND jobs.status = 'running'
            RETURNING jobs.id
            """).map { try $0.decode(Int64.self) }
        let kept = Set(renewed)
        return jobs.map(\.id).filter { !kept.contains($0) }
    }

    public func finish(
        _ job: OutboxJob, outcome: EffectOutcome, now: Date,
        decide: @escaping @Sendable (OrderRecord) -> WorkflowDecision
    ) async throws {
        try await settle(job, status: .done, nextAttemptAt: nil, error: nil, now: now, decide: decide)
    }

    public func fail(
        _ job: OutboxJob, reason: String, retryAt: Date?, now: Date,
        decide: @escaping @Sendable (OrderRecord) -> WorkflowDecision
    ) async throws {
        try await settle(job, status: retryAt == nil ? .dead : .pending, nextAttemptAt: retryAt ?? now, error: reason, now: now, decide: decide)
    }

    /// Ends an attempt in one transaction, fenced by the job's claim: its new status, its lease
    /// released, and the record changed by `decide` with any follow-up effects.
    private func settle(
        _ job: OutboxJob, status: OutboxJob.Status, nextAttemptAt: Date?, error: String?, now: Date,
        decide: @escaping @Sendable (OrderRecord) -> WorkflowDecision
    ) async throws {
        try await database.transaction { connection in
            // The order first, then its job: the order in which a page's commit takes them, so
            // the two never wait on each other in a circle. A record this release cannot read
            // still lets its job's status move; the record itself is left as it is.
            let stored: OrderRecord?
            do { stored = try await lockRecords([job.amazonOrderID.rawValue], connection)[job.amazonOrderID.rawValue] } catch is DecodingError {
                stored = nil
            } catch is StoredFormError { stored = nil }
            let settled = try await connection.query("""
                UPDATE jobs SET status = \(status.rawValue), next_attempt_at = COALESCE(\(nextAttemptAt?.timeIntervalSince1970)::float8, next_attempt_at),
                    lease_until = NULL, last_error = \(error), updated_at = \(now.timeIntervalSince1970)
                WHERE id = \(job.id) AND status = 'running' AND claim = \(job.claim)
                RETURNING id
                """, logger: database.logger).collect()
            // Fenced: another runner holds the job now (or it was settled); change nothing.
            guard settled.count == 1 else { throw LeaseLost(jobID: job.id) }
            if let stored {
                let decision = decide(stored)
                if decision.changed { try await store(decision, exists: true, connection, now: now) }
            }
        }
    }

    public func jobs(statuses: Set<OutboxJob.Status>) async throws -> [OutboxJob] {
        let wanted = statuses.map(\.rawValue)
        return try await database.query("""
            SELECT \(unescaped: Self.jobColumns()) FROM jobs WHERE cardinality(\(wanted)::text[]) = 0 OR status = ANY(\(wanted)::text[]) ORDER BY id
            """).map(Self.job)
    }

    public func jobs(for id: AmazonOrderID) async throws -> [OutboxJob] {
        try await database.query("SELECT \(unescaped: Self.jobColumns()) FROM jobs WHERE amazon_order_id = \(id.rawValue) ORDER BY id").map(Self.job)
    }

    public func replayDeadJobs(_ ids: [Int64], now: Date) async throws -> Int {
        let at = now.timeIntervalSince1970
        return try await database.transaction { connection in
            let rows = try await connection.query("""
                SELECT id, amazon_order_id, effect_name FROM jobs
                WHERE status = 'dead' AND (cardinality(\(ids)::int8[]) = 0 OR id = ANY(\(ids)::int8[])) ORDER BY id FOR UPDATE
                """, logger: database.logger).collect()
            let found = try rows.map { try $0.decode((Int64, String, String).self) }
            if !ids.isEmpty, found.count != Set(ids).count {
                let known = Set(found.map(\.0))
                let missing = ids.filter { !known.contains($0) }.map(String.init).joined(separator: ", ")
                throw StoreError(.jobNotFound, "no dead-lettered job with id \(missing); `saleschannel jobs --failed` lists them")
            }
            for (id, order, name) in found {
                try await connection.query(
                    "UPDATE jobs SET status = 'pending', attempts = 0, next_attempt_at = \(at), updated_at = \(at) WHERE id = \(id)",
                    logger: database.logger)
                try await insertEvent(AmazonOrderID(order), at: now, kind: .replayed, message: "job \(id) (\(name)) replayed", connection)
            }
            return found.count
        }
    }

    public func replayJobs(_ ids: [Int64], now: Date) async throws -> [OutboxJob] {
        guard !ids.isEmpty else { return [] }
        let at = now.timeIntervalSince1970
        return try await database.transaction { connection in
            // Every job of the orders concerned, locked: two replays of one job cannot both pass the rule.
            let related = try await connection.query("""
                SELECT \(unescaped: Self.jobColumns()) FROM jobs WHERE amazon_order_id IN (
                    SELECT amazon_order_id FROM jobs WHERE id = ANY(\(ids)::int8[])) ORDER BY id FOR UPDATE
                """, logger: database.logger).collect().map(Self.job)
            var replayed: [OutboxJob] = []
            for (job, generation) in try ReplayRule.plan(ids, among: related) {
                let key = job.effect.idempotencyKey(for: job.amazonOrderID, generation: generation)
                let rows = try await connection.query("""
                    INSERT INTO jobs(amazon_order_id, effect, effect_name, idempotency_key, ordered, status, next_attempt_at,
                                     created_at, updated_at, generation)
                    SELECT amazon_order_id, effect, effect_name, \(key), ordered, 'pending', \(at), \(at), \(at), \(generation)
                    FROM jobs WHERE id = \(job.id)
                    RETURNING \(unescaped: Self.jobColumns())
                    """, logger: database.logger).collect()
                guard let row = rows.first else { throw StoreError(.jobNotFound, "job \(job.id) disappeared while being replayed") }
                let copy = try Self.job(row)
                try await insertEvent(job.amazonOrderID, at: now, kind: .replayed,
                                      message: "job \(job.id) (\(job.effect.name)) replayed as job \(copy.id), generation \(generation)", connection)
                replayed.append(copy)
            }
            return replayed
        }
    }

    public func pruneFinishedJobs(before cutoff: Date) async throws -> Int {
        try await database.query("""
            WITH pruned AS (
                DELETE FROM jobs WHERE status = 'done' AND updated_at < \(cutoff.timeIntervalSince1970) AND amazon_order_id IN (
                    SELECT o.amazon_order_id FROM orders o
                    WHERE o.amazon_status IN ('SHIPPED', 'CANCELLED', 'UNFULFILLABLE') AND NOT EXISTS (
                        SELECT 1 FROM jobs j WHERE j.amazon_order_id = o.amazon_order_id AND j.status <> 'done'))
                RETURNING 1)
            SELECT COUNT(*)::int8 FROM pruned
            """).first?.decode(Int.self) ?? 0
    }

    public func nextDueJob() async throws -> Date? {
        // A running job is due when its lease runs out: the server's time of that, said in the
        // store clock's time (what the caller waits on).
        let processNow = clock.now().timeIntervalSince1970
        let leaseNow = leaseNow(clock.now())
        let rows = try await database.query("""
            SELECT MIN(CASE j.status WHEN 'running'
                        THEN j.lease_until - COALESCE(\(leaseNow)::float8, extract(epoch FROM clock_timestamp())::float8) + \(processNow)
                        ELSE j.next_attempt_at END)
            FROM jobs j
            WHERE j.status IN ('pending', 'running') AND NOT (j.ordered AND EXISTS (
                SELECT 1 FROM jobs p WHERE p.amazon_order_id = j.amazon_order_id AND p.ordered
                AND p.id < j.id AND p.status <> 'done'))
            """)
        return try rows.first?.decode(Double?.self).map(Date.init(timeIntervalSince1970:))
    }

    public func statistics() async throws -> StoreStatistics {
        var stats = StoreStatistics()
        if let row = try await database.query("""
            SELECT COUNT(*)::int8, COUNT(*) FILTER (WHERE visible)::int8, COUNT(commerce_order_number)::int8,
                   COUNT(*) FILTER (WHERE amazon_status = 'SHIPPED')::int8, COUNT(*) FILTER (WHERE amazon_status = 'CANCELLED')::int8
            FROM orders
            """).first {
            (stats.orders, stats.visibleOrders, stats.commerceOrders, stats.shippedOrders, stats.canceledOrders) =
                try row.decode((Int, Int, Int, Int, Int).self)
        }
        if let row = try await database.query("""
            SELECT COUNT(*) FILTER (WHERE status IN ('pending', 'running'))::int8, COUNT(*) FILTER (WHERE status = 'dead')::int8,
                   COUNT(*) FILTER (WHERE status = 'running')::int8, MIN(created_at) FILTER (WHERE status = 'pending'),
                   (SELECT COUNT(*) FROM quarantine)::int8
            FROM jobs
            """).first {
            let (pending, dead, running, oldest, quarantined) = try row.decode((Int, Int, Int, Double?, Int).self)
            stats.jobsPending = pending
            stats.jobsDead = dead
            stats.jobsRunning = running
            stats.oldestPendingJob = oldest.map(Date.init(timeIntervalSince1970:))
            stats.quarantined = quarantined
        }
        return stats
    }

    // MARK: Rows

    /// Locks and reads the records of `ids` (in the order of their ids, so that two
    /// transactions never wait on each other in a circle). - Returns: the stored records by id;
    /// an id not stored is absent.
    func lockRecords(_ ids: [String], _ connection: PostgresConnection) async throws -> [String: OrderRecord] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await connection.query("""
            SELECT amazon_order_id, record FROM orders WHERE amazon_order_id = ANY(\(ids)::text[]) ORDER BY amazon_order_id FOR UPDATE
            """, logger: database.logger).collect()
        var records: [String: OrderRecord] = [:]
        for row in rows {
            let (id, record) = try row.decode((String, String).self)
            records[id] = try Self.decodeRecord(record)
        }
        return records
    }

    /// Writes a decision's record, events and effects in one statement.
    /// - Parameter exists: whether the record was stored (and is locked by this transaction);
    ///   when it was not and another process has inserted it meanwhile, the transaction runs
    ///   again, deciding against what that process stored.
    /// - Returns: effects newly enqueued.
    @discardableResult
    func store(_ decision: WorkflowDecision, exists: Bool, _ connection: PostgresConnection, now: Date) async throws -> Int {
        guard let record = decision.record else { return 0 }
        let at = now.timeIntervalSince1970
        let id = record.amazonOrderID.rawValue
        let document = String(decoding: try StoredRecord.encode(record, with: StoredJSON.encoder), as: UTF8.self)
        var effects: [String] = [], names: [String] = [], keys: [String] = [], ordered: [Bool] = []
        for effect in decision.effects {
            effects.append(String(decoding: try StoredEffect.encode(effect), as: UTF8.self))
            names.append(effect.name)
            keys.append(effect.idempotencyKey(for: record.amazonOrderID))
            ordered.append(effect.isOrdered)
        }
        let events = decision.events
        // Jobs and events in the decision's order (ids follow it; ordered effects run by id).
        let rows = try await connection.query("""
            WITH written AS (
                INSERT INTO orders(amazon_order_id, source_id, marketplace_id, fulfillment_channel, amazon_status, visible,
                                   purchase_date, commerce_order_number, record, updated_at)
                VALUES (\(id), \(record.sourceID), \(record.order.marketplaceID.rawValue),
                        \(record.order.fulfillmentChannel.rawValue), \(record.order.status.rawValue), \(record.visible),
                        \(record.order.purchaseDate.timeIntervalSince1970), \(record.commerceOrderNumber?.rawValue), \(document), \(at))
                ON CONFLICT (amazon_order_id) DO UPDATE SET amazon_status = excluded.amazon_status, visible = excluded.visible,
                    commerce_order_number = excluded.commerce_order_number, record = excluded.record, updated_at = excluded.updated_at
                WHERE \(exists)
                RETURNING 1),
            events AS (
                INSERT INTO order_events(amazon_order_id, at, kind, message)
                SELECT e.order_id, e.at, e.kind, e.message
                FROM unnest(\(events.map(\.amazonOrderID.rawValue))::text[], \(events.map(\.at.timeIntervalSince1970))::float8[],
                            \(events.map(\.kind.rawValue))::text[], \(events.map(\.message))::text[])
                     WITH ORDINALITY AS e(order_id, at, kind, message, position)
                ORDER BY e.position),
            enqueued AS (
                INSERT INTO jobs(amazon_order_id, effect, effect_name, idempotency_key, ordered, status, next_attempt_at, created_at, updated_at)
                SELECT \(id), e.effect, e.name, e.key, e.ordered, 'pending', \(at), \(at), \(at)
                FROM unnest(\(effects)::text[], \(names)::text[], \(keys)::text[], \(ordered)::bool[]) WITH ORDINALITY AS e(effect, name, key, ordered, position)
                ORDER BY e.position
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING 1)
            SELECT (SELECT COUNT(*) FROM written)::int8, (SELECT COUNT(*) FROM enqueued)::int8
            """, logger: database.logger).collect()
        let (written, enqueued) = try rows.first?.decode((Int, Int).self) ?? (0, 0)
        // Not stored when this transaction looked, stored now: another process was first.
        guard written == 1 else { throw TransactionConflict() }
        return enqueued
    }

    func insertEvent(_ order: AmazonOrderID, at: Date, kind: OrderEvent.Kind, message: String, _ connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO order_events(amazon_order_id, at, kind, message) VALUES (\(order.rawValue), \(at.timeIntervalSince1970), \(kind.rawValue), \(message))
            """, logger: database.logger)
    }

    static func jobColumns(prefix: String = "") -> String {
        ["id", "amazon_order_id", "effect", "effect_name", "idempotency_key", "status", "attempts", "next_attempt_at", "last_error",
         "created_at", "updated_at", "claim", "generation"].map { prefix + $0 }.joined(separator: ", ")
    }

    /// A job as stored; an effect this release cannot decode comes back as ``Effect/unreadable(name:reason:)``.
    static func job(_ row: PostgresRow) throws -> OutboxJob {
        let (id, order, effect, name, key, status, attempts, next, error, created, updated, claim, generation) =
            try row.decode((Int64, String, String, String, String, String, Int, Double, String?, Double, Double, Int64, Int).self)
        return OutboxJob(
            id: id, amazonOrderID: AmazonOrderID(order), effect: StoredEffect.decode(Data(effect.utf8), name: name), idempotencyKey: key,
            status: OutboxJob.Status(rawValue: status) ?? .pending, attempts: attempts,
            nextAttemptAt: Date(timeIntervalSince1970: next), lastError: error,
            createdAt: Date(timeIntervalSince1970: created), updatedAt: Date(timeIntervalSince1970: updated),
            claim: claim, generation: generation)
    }

    static func decodeRecord(_ text: String) throws -> OrderRecord {
        try StoredRecord.decode(Data(text.utf8), with: StoredJSON.decoder)
    }

    /// JSON as the SQLite store writes it: compact, keys sorted, dates as seconds since 1970.
}

// MARK: - Coordination

extension PostgresChannelStore: WorkCoordination {
    public func heartbeat(_ worker: WorkerIdentity, ttl: TimeInterval) async throws -> [WorkerIdentity] {
        let leaseNow = leaseNow(clock.now())
        return try await database.transaction { connection in
            try await connection.query("""
                INSERT INTO workers(id, host, pid, started_at, expires_at)
                VALUES (\(worker.id), \(worker.host), \(Int(worker.pid)),
                        COALESCE(\(leaseNow)::float8, extract(epoch FROM clock_timestamp())::float8),
                        COALESCE(\(leaseNow)::float8, extract(epoch FROM clock_timestamp())::float8) + \(ttl))
                ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at
                """, logger: database.logger)
            // Workers gone for a day are forgotten.
            try await connection.query("""
                DELETE FROM workers WHERE expires_at < COALESCE(\(leaseNow)::float8, extract(epoch FROM clock_timestamp())::float8) - 86400
                """, logger: database.logger)
            return try await connection.query("""
                SELECT id, host, pid FROM workers
                WHERE id <> \(worker.id) AND expires_at > COALESCE(\(leaseNow)::float8, extract(epoch FROM clock_timestamp())::float8)
                ORDER BY started_at, id
                """, logger: database.logger).collect().map { row in
                let (id, host, pid) = try row.decode((String, String, Int).self)
                return WorkerIdentity(id: id, host: host, pid: Int32(pid))
            }
        }
    }

    public func leaseSource(_ sourceID: String, for worker: WorkerIdentity, ttl: TimeInterval) async throws -> Bool {
        let leaseNow = leaseNow(clock.now())
        // One statement takes a free or run-out lease, renews one's own, and leaves a live
        // lease of another worker alone.
        let rows = try await database.query("""
            INSERT INTO source_leases(source_id, worker_id, expires_at)
            VALUES (\(sourceID), \(worker.id), COALESCE(\(leaseNow)::float8, extract(epoch FROM clock_timestamp())::float8) + \(ttl))
            ON CONFLICT (source_id) DO UPDATE SET worker_id = excluded.worker_id, expires_at = excluded.expires_at
            WHERE source_leases.worker_id = excluded.worker_id
               OR source_leases.expires_at <= COALESCE(\(leaseNow)::float8, extract(epoch FROM clock_timestamp())::float8)
            RETURNING worker_id
            """)
        return try rows.first?.decode(String.self) == worker.id
    }

    public func retire(_ worker: WorkerIdentity) async throws {
        try await database.transaction { connection in
            try await connection.query("DELETE FROM source_leases WHERE worker_id = \(worker.id)", logger: database.logger)
            try await connection.query("DELETE FROM workers WHERE id = \(worker.id)", logger: database.logger)
        }
    }
}
