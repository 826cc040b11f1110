import Foundation
import GRDB
import SalesChannel

/// The embedded ``ChannelStore``: records, history, outbox, checkpoints and quarantine in one
/// SQLite file. Each operation is one write transaction, so a crash leaves either all of a
/// page (records, effects, checkpoint) or none of it.
public struct SQLiteChannelStore: ChannelStore {
    public let database: SQLiteDatabase
    var pool: DatabasePool { database.pool }

    /// The time stamped on what the store writes itself (jobs' creation and first due time,
    /// records' update time): the composition's clock, so a test clock governs it too.
    public var clock: any SalesChannelClock

    public init(database: SQLiteDatabase, clock: any SalesChannelClock = SystemClock()) {
        self.database = database
        self.clock = clock
    }

    public func close() async { database.close() }

    // MARK: Sync

    public func checkpoint(for sourceID: String) async throws -> SyncCheckpoint? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM checkpoints WHERE source_id = ?", arguments: [sourceID])
                .map(SyncCheckpoint.init)
        }
    }

    public func sources() async throws -> [StoredSource] {
        try await pool.read { db in
            var sources: [String: StoredSource] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT source_id, value FROM checkpoints") {
                let id: String = row["source_id"]
                sources[id] = StoredSource(id: id, checkpoint: SyncCheckpoint(row["value"] as String), orders: 0, openConfirmations: 0)
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT o.source_id, COUNT(*) AS orders,
                       (SELECT COUNT(*) FROM jobs j JOIN orders p ON p.amazon_order_id = j.amazon_order_id
                        WHERE p.source_id = o.source_id AND j.status IN ('pending', 'running') AND j.effect_name LIKE 'confirm-shipment:%') AS open,
                       (SELECT COUNT(*) FROM jobs j JOIN orders p ON p.amazon_order_id = j.amazon_order_id
                        WHERE p.source_id = o.source_id AND j.status = 'dead' AND j.effect_name LIKE 'confirm-shipment:%') AS dead
                FROM orders o GROUP BY o.source_id
                """) {
                let id: String = row["source_id"]
                var source = sources[id] ?? StoredSource(id: id, checkpoint: nil, orders: 0, openConfirmations: 0)
                source.orders = row["orders"]
                source.openConfirmations = row["open"]
                source.deadConfirmations = row["dead"]
                sources[id] = source
            }
            return sources.values.sorted { $0.id < $1.id }
        }
    }

    public func commit(
        _ page: OrderPage, from sourceID: String,
        decide: @escaping @Sendable (OrderRecord?, ChannelOrder) -> WorkflowDecision
    ) async throws -> CommitSummary {
        try await database.write { db in
            var summary = CommitSummary()
            let now = clock.now()
            for snapshot in page.orders {
                let stored = try loadRecord(snapshot.amazonOrderID, db)
                let decision = decide(stored, snapshot)
                guard decision.changed else { summary.unchanged += 1; continue }
                guard decision.record != nil else { summary.skipped += 1; continue }
                if stored == nil { summary.inserted += 1 } else { summary.updated += 1 }
                summary.effects += try store(decision, db, now: now)
            }
            for bad in page.quarantined {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO quarantine(source_id, amazon_order_id, reason, payload, at) VALUES (?,?,?,?,?)",
                    arguments: [bad.sourceID, bad.amazonOrderID?.rawValue, bad.reason, bad.payload, bad.at.timeIntervalSince1970])
                summary.quarantined += 1
            }
            try db.execute(
                sql: """
                    INSERT INTO checkpoints(source_id, value, updated_at) VALUES (?,?,?)
                    ON CONFLICT(source_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """,
                arguments: [sourceID, page.checkpoint.value, now.timeIntervalSince1970])
            return summary
        }
    }

    public func update(
        _ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord) throws -> WorkflowDecision
    ) async throws -> OrderRecord {
        try await database.write { db in
            guard let stored = try loadRecord(id, db) else { throw StoreError.orderNotFound(id) }
            let decision = try decide(stored)
            guard decision.changed, let record = decision.record else { return stored }
            try store(decision, db, now: clock.now())
            return record
        }
    }

    public func upsert(
        _ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord?) throws -> WorkflowDecision
    ) async throws -> OrderRecord? {
        try await database.write { db in
            let stored = try loadRecord(id, db)
            let decision = try decide(stored)
            guard decision.changed, decision.record != nil else { return stored }
            try store(decision, db, now: clock.now())
            return decision.record
        }
    }

    // MARK: Reading

    public func record(_ id: AmazonOrderID) async throws -> OrderRecord? {
        try await pool.read { db in try loadRecord(id, db) }
    }

    public func records(includeHidden: Bool) async throws -> [OrderRecord] {
        try await pool.read { db in
            let sql = "SELECT record FROM orders" + (includeHidden ? "" : " WHERE visible = 1")
                + " ORDER BY purchase_date, amazon_order_id"
            return try Data.fetchAll(db, sql: sql).map { try StoredRecord.decode($0, with: StoredJSON.decoder) }
        }
    }

    /// The scan's filters on the orders table's columns, in the order of its purchase-date
    /// index, a stretch at a time. The position is taken with a millisecond of slack and made
    /// exact by ``OrderScan/admits(_:)`` on the decoded records.
    public func scanRecords(_ scan: OrderScan) async throws -> [OrderRecord] {
        var clauses: [String] = []
        var arguments = StatementArguments()
        if !scan.includeHidden { clauses.append("visible = 1") }
        if let channel = scan.fulfillmentChannel { clauses.append("fulfillment_channel = ?"); arguments += [channel.rawValue] }
        if let status = scan.amazonStatus { clauses.append("amazon_status = ?"); arguments += [status.rawValue] }
        if let marketplace = scan.marketplace { clauses.append("marketplace_id = ?"); arguments += [marketplace.rawValue] }
        if let from = scan.purchasedFrom { clauses.append("purchase_date >= ?"); arguments += [from.timeIntervalSince1970 - 0.001] }
        if let before = scan.purchasedBefore { clauses.append("purchase_date < ?"); arguments += [before.timeIntervalSince1970 + 0.001] }
        if let text = scan.contains {
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            clauses.append("CAST(record AS TEXT) LIKE ? ESCAPE '\\'")
            arguments += ["%" + escaped + "%"]
        }
        switch scan.position {
        case .start: break
        case .near(let date), .after(let date, _):
            clauses.append(scan.descending ? "purchase_date <= ?" : "purchase_date >= ?")
            arguments += [date.timeIntervalSince1970 + (scan.descending ? 0.002 : -0.002)]
        }
        let direction = scan.descending ? "DESC" : "ASC"
        let sql = "SELECT record FROM orders" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
            + " ORDER BY purchase_date \(direction), amazon_order_id \(direction) LIMIT ?"
        arguments += [scan.limit]
        var offset = 0
        var admitted: [OrderRecord] = []
        // Orders the slack let in again are skipped without counting against the stretch.
        while true {
            let rows = try await pool.read { [arguments, offset] db in
                try Data.fetchAll(db, sql: sql + " OFFSET ?", arguments: arguments + [offset])
            }
            let records = try rows.map { try StoredRecord.decode($0, with: StoredJSON.decoder) }
            admitted += records.filter(scan.admits)
            if rows.count < scan.limit || admitted.count >= scan.limit { return Array(admitted.prefix(scan.limit)) }
            offset += rows.count
        }
    }

    public func events(for id: AmazonOrderID) async throws -> [OrderEvent] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT at, kind, message FROM order_events WHERE amazon_order_id = ? ORDER BY id", arguments: [id.rawValue])
                .map { row in
                    OrderEvent(amazonOrderID: id, at: Date(timeIntervalSince1970: row["at"]),
                               kind: OrderEvent.Kind(rawValue: row["kind"]), message: row["message"])
                }
        }
    }

    public func quarantine(_ items: [QuarantinedOrder]) async throws {
        try await database.write { db in
            for bad in items {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO quarantine(source_id, amazon_order_id, reason, payload, at) VALUES (?,?,?,?,?)",
                    arguments: [bad.sourceID, bad.amazonOrderID?.rawValue, bad.reason, bad.payload, bad.at.timeIntervalSince1970])
            }
        }
    }

    public func quarantined() async throws -> [QuarantinedOrder] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM quarantine ORDER BY id").map { row in
                QuarantinedOrder(
                    sourceID: row["source_id"], amazonOrderID: (row["amazon_order_id"] as String?).map { AmazonOrderID(rawValue: $0) },
                    reason: row["reason"], payload: row["payload"], at: Date(timeIntervalSince1970: row["at"]))
            }
        }
    }

    // MARK: Outbox

    /// Runnable: pending and due (or running with an expired lease), and for an ordered effect,
    /// no earlier ordered effect of the same order left undone.
    static let runnable = """
        ((j.status = 'pending' AND j.next_attempt_at <= :now) OR (j.status = 'running' AND j.lease_until <= :now))
        AND (j.ordered = 0 OR NOT EXISTS (
            SELECT 1 FROM jobs p WHERE p.amazon_order_id = j.amazon_order_id AND p.ordered = 1
            AND p.id < j.id AND p.status != 'done'))
        """

    public func claimJobs(limit: Int, now: Date, lease: TimeInterval) async throws -> [OutboxJob] {
        try await database.write { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT j.* FROM jobs j WHERE \(Self.runnable) ORDER BY j.id LIMIT :limit",
                arguments: ["now": now.timeIntervalSince1970, "limit": limit])
            var jobs: [OutboxJob] = []
            for row in rows {
                var job = Self.job(row)
                if case .unreadable(let name, let reason) = job.effect {
                    // A job this release cannot read (written by a newer one, or damaged) is set
                    // aside with its reason, so it blocks neither the claim nor other orders.
                    try db.execute(
                        sql: "UPDATE jobs SET status = 'dead', lease_until = NULL, last_error = ?, updated_at = ? WHERE id = ?",
                        arguments: ["this release cannot read the stored job (\(reason)); a newer release may", now.timeIntervalSince1970, job.id])
                    try db.execute(
                        sql: "INSERT INTO order_events(amazon_order_id, at, kind, message) VALUES (?,?,?,?)",
                        arguments: [job.amazonOrderID.rawValue, now.timeIntervalSince1970, OrderEvent.Kind.deadLettered.rawValue,
                                    "job \(job.id) (\(name)) set aside: it cannot be read by this release"])
                    continue
                }
                job.status = .running
                job.attempts += 1
                job.claim += 1
                job.updatedAt = now
                try db.cachedStatement(
                    sql: "UPDATE jobs SET status = 'running', attempts = ?, claim = ?, lease_until = ?, updated_at = ? WHERE id = ?"
                ).execute(arguments: [job.attempts, job.claim, now.addingTimeInterval(lease).timeIntervalSince1970, now.timeIntervalSince1970, job.id])
                jobs.append(job)
            }
            return jobs
        }
    }

    public func renewLeases(_ jobs: [OutboxJob], until: Date) async throws -> [Int64] {
        guard !jobs.isEmpty else { return [] }
        return try await database.write { db in
            var lost: [Int64] = []
            for job in jobs {
                try db.cachedStatement(sql: "UPDATE jobs SET lease_until = ? WHERE id = ? AND status = 'running' AND claim = ?")
                    .execute(arguments: [until.timeIntervalSince1970, job.id, job.claim])
                if db.changesCount == 0 { lost.append(job.id) }
            }
            return lost
        }
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

    /// Ends an attempt in one transaction: the job's new status, its lease released, and the
    /// record changed by `decide` with any follow-up effects.
    private func settle(
        _ job: OutboxJob, status: OutboxJob.Status, nextAttemptAt: Date?, error: String?, now: Date,
        decide: @escaping @Sendable (OrderRecord) -> WorkflowDecision
    ) async throws {
        try await database.write { db in
            try db.cachedStatement(
                sql: """
                    UPDATE jobs SET status = ?, next_attempt_at = COALESCE(?, next_attempt_at), lease_until = NULL,
                        last_error = ?, updated_at = ? WHERE id = ? AND status = 'running' AND claim = ?
                    """
            ).execute(arguments: [status.rawValue, nextAttemptAt?.timeIntervalSince1970, error, now.timeIntervalSince1970, job.id, job.claim])
            // Fenced: another runner holds the job now (or it was settled); change nothing.
            guard db.changesCount == 1 else { throw LeaseLost(jobID: job.id) }
            // A record this release cannot read still lets its job's status move (else the job
            // would come back at every lease); the record itself is left as it is.
            let stored: OrderRecord?
            do { stored = try loadRecord(job.amazonOrderID, db) } catch is DecodingError { stored = nil } catch is StoredFormError { stored = nil }
            if let stored {
                let decision = decide(stored)
                if decision.changed { try store(decision, db, now: now) }
            }
        }
    }

    public func jobs(statuses: Set<OutboxJob.Status>) async throws -> [OutboxJob] {
        try await pool.read { db in
            let filter = statuses.isEmpty ? "" : " WHERE status IN (\(statuses.map { "'\($0.rawValue)'" }.joined(separator: ",")))"
            return try Row.fetchAll(db, sql: "SELECT * FROM jobs\(filter) ORDER BY id").map { Self.job($0) }
        }
    }

    public func replayDeadJobs(_ ids: [Int64], now: Date) async throws -> Int {
        try await database.write { db in
            let filter = ids.isEmpty ? "" : " AND id IN (\(ids.map(String.init).joined(separator: ",")))"
            let rows = try Row.fetchAll(db, sql: "SELECT id, amazon_order_id, effect_name FROM jobs WHERE status = 'dead'\(filter)")
            if !ids.isEmpty, rows.count != Set(ids).count {
                let found = Set(rows.map { $0["id"] as Int64 })
                let missing = ids.filter { !found.contains($0) }.map(String.init).joined(separator: ", ")
                throw StoreError(.jobNotFound, "no dead-lettered job with id \(missing); `saleschannel jobs --failed` lists them")
            }
            for row in rows {
                try db.execute(
                    sql: "UPDATE jobs SET status = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ? WHERE id = ?",
                    arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, row["id"] as Int64])
                try db.execute(
                    sql: "INSERT INTO order_events(amazon_order_id, at, kind, message) VALUES (?,?,?,?)",
                    arguments: [row["amazon_order_id"] as String, now.timeIntervalSince1970, OrderEvent.Kind.replayed.rawValue,
                                "job \(row["id"] as Int64) (\(row["effect_name"] as String)) replayed"])
            }
            return rows.count
        }
    }

    public func replayJobs(_ ids: [Int64], now: Date) async throws -> [OutboxJob] {
        try await database.write { db in
            guard !ids.isEmpty else { return [] }
            let orders = try String.fetchAll(db, sql: "SELECT DISTINCT amazon_order_id FROM jobs WHERE id IN (\(ids.map(String.init).joined(separator: ",")))")
            var related: [OutboxJob] = []
            for order in orders {
                related += try Row.fetchAll(db, sql: "SELECT * FROM jobs WHERE amazon_order_id = ? ORDER BY id", arguments: [order]).map { Self.job($0) }
            }
            var replayed: [OutboxJob] = []
            for (job, generation) in try ReplayRule.plan(ids, among: related) {
                let key = job.effect.idempotencyKey(for: job.amazonOrderID, generation: generation)
                let row = try Row.fetchOne(db, sql: "SELECT effect, ordered FROM jobs WHERE id = ?", arguments: [job.id])!
                try db.execute(
                    sql: """
                        INSERT INTO jobs(amazon_order_id, effect, effect_name, idempotency_key, ordered, status, next_attempt_at,
                                         created_at, updated_at, generation)
                        VALUES (?,?,?,?,?,'pending',?,?,?,?)
                        """,
                    arguments: [job.amazonOrderID.rawValue, row["effect"] as String, job.effect.name, key, row["ordered"] as Bool,
                                now.timeIntervalSince1970, now.timeIntervalSince1970, now.timeIntervalSince1970, generation])
                let id = db.lastInsertedRowID
                try db.execute(
                    sql: "INSERT INTO order_events(amazon_order_id, at, kind, message) VALUES (?,?,?,?)",
                    arguments: [job.amazonOrderID.rawValue, now.timeIntervalSince1970, OrderEvent.Kind.replayed.rawValue,
                                "job \(job.id) (\(job.effect.name)) replayed as job \(id), generation \(generation)"])
                replayed.append(Self.job(try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id])!))
            }
            return replayed
        }
    }

    public func pruneFinishedJobs(before cutoff: Date) async throws -> Int {
        try await database.write { db in
            try db.execute(
                sql: """
                    DELETE FROM jobs WHERE status = 'done' AND updated_at < ? AND amazon_order_id IN (
                        SELECT o.amazon_order_id FROM orders o
                        WHERE o.amazon_status IN ('SHIPPED', 'CANCELLED', 'UNFULFILLABLE') AND NOT EXISTS (
                            SELECT 1 FROM jobs j WHERE j.amazon_order_id = o.amazon_order_id AND j.status != 'done'))
                    """,
                arguments: [cutoff.timeIntervalSince1970])
            return db.changesCount
        }
    }

    public func jobs(for id: AmazonOrderID) async throws -> [OutboxJob] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM jobs WHERE amazon_order_id = ? ORDER BY id", arguments: [id.rawValue]).map { Self.job($0) }
        }
    }

    public func nextDueJob() async throws -> Date? {
        try await pool.read { db in
            try Double.fetchOne(db, sql: """
                SELECT MIN(CASE j.status WHEN 'running' THEN j.lease_until ELSE j.next_attempt_at END) FROM jobs j
                WHERE j.status IN ('pending', 'running') AND NOT EXISTS (
                    SELECT 1 FROM jobs p WHERE p.amazon_order_id = j.amazon_order_id AND p.ordered = 1
                    AND j.ordered = 1 AND p.id < j.id AND p.status != 'done')
                """).map(Date.init(timeIntervalSince1970:))
        }
    }

    public func statistics() async throws -> StoreStatistics {
        try await pool.read { db in
            var stats = StoreStatistics()
            if let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS orders, COALESCE(SUM(visible), 0) AS visible,
                       COALESCE(SUM(commerce_order_number IS NOT NULL), 0) AS commerce,
                       COALESCE(SUM(amazon_status = 'SHIPPED'), 0) AS shipped,
                       COALESCE(SUM(amazon_status = 'CANCELLED'), 0) AS canceled FROM orders
                """) {
                stats.orders = row["orders"]
                stats.visibleOrders = row["visible"]
                stats.commerceOrders = row["commerce"]
                stats.shippedOrders = row["shipped"]
                stats.canceledOrders = row["canceled"]
            }
            stats.jobsPending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE status IN ('pending','running')") ?? 0
            stats.jobsDead = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE status = 'dead'") ?? 0
            stats.jobsRunning = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE status = 'running'") ?? 0
            stats.oldestPendingJob = try Double.fetchOne(db, sql: "SELECT MIN(created_at) FROM jobs WHERE status = 'pending'")
                .map(Date.init(timeIntervalSince1970:))
            stats.quarantined = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM quarantine") ?? 0
            return stats
        }
    }

    // MARK: Rows

    /// The stored record, from the cache when the database holds the revision cached.
    func loadRecord(_ id: AmazonOrderID, _ db: Database) throws -> OrderRecord? {
        guard let revision = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT revision FROM orders WHERE amazon_order_id = ?"), arguments: [id.rawValue])
        else { return nil }
        if revision != 0, let cached = database.records.record(id, revision: revision) { return cached }
        guard let data = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT record FROM orders WHERE amazon_order_id = ?"), arguments: [id.rawValue])
        else { return nil }
        let record = try StoredRecord.decode(data, with: StoredJSON.decoder)
        if revision != 0 { database.records.put(record, revision: revision) }
        return record
    }

    /// Writes a decision's record, events and effects. - Returns: effects newly enqueued.
    @discardableResult
    func store(_ decision: WorkflowDecision, _ db: Database, now: Date) throws -> Int {
        guard let record = decision.record else { return 0 }
        let revision = RecordCache.newRevision()
        try db.cachedStatement(
            sql: """
                INSERT INTO orders(amazon_order_id, source_id, marketplace_id, fulfillment_channel, amazon_status, visible,
                                   purchase_date, commerce_order_number, record, updated_at, revision)
                VALUES (?,?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT(amazon_order_id) DO UPDATE SET amazon_status = excluded.amazon_status, visible = excluded.visible,
                    commerce_order_number = excluded.commerce_order_number, record = excluded.record,
                    updated_at = excluded.updated_at, revision = excluded.revision
                """
        ).execute(
            arguments: [
                record.amazonOrderID.rawValue, record.sourceID, record.order.marketplaceID.rawValue,
                record.order.fulfillmentChannel.rawValue, record.order.status.rawValue, record.visible,
                record.order.purchaseDate.timeIntervalSince1970, record.commerceOrderNumber?.rawValue,
                try StoredRecord.encode(record, with: StoredJSON.encoder), now.timeIntervalSince1970, revision,
            ])
        // Cached before the commit: if this write is rolled back, its revision never matches the file.
        database.records.put(record, revision: revision)
        for event in decision.events {
            try db.cachedStatement(
                sql: "INSERT INTO order_events(amazon_order_id, at, kind, message) VALUES (?,?,?,?)"
            ).execute(arguments: [event.amazonOrderID.rawValue, event.at.timeIntervalSince1970, event.kind.rawValue, event.message])
        }
        var enqueued = 0
        for effect in decision.effects {
            try db.cachedStatement(
                sql: """
                    INSERT INTO jobs(amazon_order_id, effect, effect_name, idempotency_key, ordered, status, next_attempt_at,
                                     created_at, updated_at)
                    VALUES (?,?,?,?,?,'pending',?,?,?) ON CONFLICT(idempotency_key) DO NOTHING
                    """
            ).execute(arguments: [
                    record.amazonOrderID.rawValue, try StoredEffect.encode(effect), effect.name,
                    effect.idempotencyKey(for: record.amazonOrderID), effect.isOrdered, now.timeIntervalSince1970,
                    now.timeIntervalSince1970, now.timeIntervalSince1970,
                ])
            enqueued += db.changesCount
        }
        return enqueued
    }

    /// A job as stored; an effect this release cannot decode comes back as ``Effect/unreadable(name:reason:)``.
    static func job(_ row: Row) -> OutboxJob {
        let effect = StoredEffect.decode(row["effect"], name: row["effect_name"])
        return OutboxJob(
            id: row["id"], amazonOrderID: AmazonOrderID(row["amazon_order_id"] as String),
            effect: effect, idempotencyKey: row["idempotency_key"],
            status: OutboxJob.Status(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
            nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]), lastError: row["last_error"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
            claim: row["claim"], generation: row["generation"])
    }
}
