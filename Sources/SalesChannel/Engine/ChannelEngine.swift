import Foundation
import Logging
import ServiceLifecycle

/// The operations every adapter calls (the CLI, the HTTP API, a notification intake, a host
/// app), over one ``Composition``: sync a page, refresh an order, record a shipment, accept held
/// totals, retry and replay jobs, list and show orders, read statistics, and run the main job.
///
/// Adapters parse their input, call one operation and present its result; the rules (the
/// workflow, the channel's checks, how a decision is shaped into jobs, which clock is read) live
/// here, so two adapters cannot disagree. As a `Service` it runs the main job (every source's
/// sync and the outbox runner) until graceful shutdown.
public struct ChannelEngine: Service, Sendable {
    public let composition: Composition
    public let logger: Logger

    public init(_ composition: Composition, logger: Logger = Logger(label: "saleschannel.engine")) {
        self.composition = composition
        self.logger = logger
    }

    var clock: any SalesChannelClock { composition.clock }
    var store: any ChannelStore { composition.store }

    // MARK: Main job

    /// Runs every source's sync, the push intakes and the outbox runner until graceful
    /// shutdown, refreshing the metrics' gauges every 10 seconds.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for service in composition.services(logger: logger) {
                group.addTask { try await service.run() }
            }
            for intake in composition.intakes {
                group.addTask { try await intake.run(engine: self) }
            }
            group.addTask {
                while !Task.isShuttingDownGracefully && !Task.isCancelled {
                    _ = try? await statistics()
                    await pause(seconds: 10, on: clock)
                }
            }
            if let coordination = store.coordination {
                group.addTask { await keepListed(coordination) }
            }
        }
    }

    /// The other workers sharing the store and alive now (empty when one process owns it);
    /// asking lists this one among them.
    public func peers() async throws -> [WorkerIdentity] {
        guard let coordination = store.coordination else { return [] }
        return try await coordination.heartbeat(composition.worker, ttl: composition.tuning.sourceLease)
    }

    /// Keeps this worker listed while it runs, says when the number of peers changes, and
    /// takes it off the list (with its source leases) on a graceful stop.
    private func keepListed(_ coordination: any WorkCoordination) async {
        var known: Int?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let peers = try await peers()
                if peers.count != known {
                    if known != nil {
                        logger.notice("workers sharing the store changed", metadata: ["peers": "\(peers.count)", "ids": "\(peers.map(\.id))"])
                    }
                    known = peers.count
                }
            } catch {
                logger.warning("could not renew this worker's listing; retrying", metadata: ["error": "\(error)"])
            }
            await pause(seconds: composition.tuning.sourceLease / 3, on: clock)
        }
        do { try await coordination.retire(composition.worker) } catch {
            logger.warning("could not release this worker's leases; they run out by themselves", metadata: ["error": "\(error)"])
        }
    }

    /// One pass: every source until caught up, then every due job (see
    /// ``Composition/runOnce(logger:waiting:)``).
    public func runOnce(waiting: @escaping @Sendable (DrainWait) -> Void = { _ in }) async throws {
        try await composition.runOnce(logger: logger, waiting: waiting)
    }

    /// Pulls and commits one page of the source with this id.
    /// - Returns: whether the source has more ready now.
    public func syncPage(source id: String) async throws -> Bool {
        try await OrderSync(source: try source(id), composition: composition, logger: logger).syncPage()
    }

    // MARK: Orders

    /// Fetches one order from the source that imported it (else from `preferred`, then from
    /// each source in turn: MFN and FBA see different orders) and brings it through the
    /// workflow, like a sync would.
    /// - Parameter preferred: the source a pushed notice routed the order to.
    /// - Throws: ``EngineError`` `.notFound` when no source knows it.
    public func refresh(_ id: AmazonOrderID, preferring preferred: String? = nil) async throws -> RefreshOutcome {
        let stored = try await store.record(id)
        let owner = stored.flatMap { composition.source(for: $0.sourceID) } ?? preferred.flatMap { composition.source(for: $0) }
        let candidates = (owner.map { [$0] } ?? []) + composition.sources.filter { $0.id != owner?.id }
        for source in candidates {
            guard let snapshot = try await source.order(id) else { continue }
            let (settings, sourceID, composition, now) = (composition.settings, source.id, composition, clock.now())
            let record = try await store.upsert(id) { stored in
                composition.shaped(Workflow.apply(snapshot: snapshot, to: stored, sourceID: sourceID, settings: settings, now: now))
            }
            guard let record else { return .waitingForAmazonShipment(snapshot.status) }
            composition.outboxWake.signal()
            return .stored(record, sourceID: sourceID)
        }
        throw EngineError(.notFound, "no source knows order \(id)")
    }

    // MARK: Push intake

    /// Keeps what an adapter could not use (a notice that does not parse, or names a seller or
    /// marketplace this deployment does not serve) with its reason, for a person to inspect.
    public func quarantine(_ items: [QuarantinedOrder]) async throws {
        guard !items.isEmpty else { return }
        try await store.quarantine(items)
        composition.statistics.update { $0.quarantined += items.count }
    }

    /// A pushed notice about one of `sourceID`'s orders arrived: while notices keep coming
    /// (one within `quietPeriod` seconds), that source is polled every `slowPollInterval`
    /// seconds only, as a safety net for notices lost on the way.
    public func notePushedChange(for sourceID: String, slowPollInterval: Double, quietPeriod: Double) {
        composition.pushActivity.noted(sourceID, at: clock.now(), slowPollInterval: slowPollInterval, quietPeriod: quietPeriod)
    }

    /// Records a shipment and queues its confirmation to Amazon (and the commerce order's
    /// shipment and completion) in one transaction. The shipment gets the next id of the order
    /// (`<order>-S<n>`) and one package numbered `n`; without items, every item not shipped yet.
    /// - Throws: ``ShipmentRejection`` saying what the channel or the workflow refuses (nothing
    ///   is recorded); ``StoreError`` `.orderNotFound`.
    @discardableResult
    public func recordShipment(_ request: ShipmentRequest) async throws -> Shipment {
        let request = request.trimmed
        if let problem = request.problems() { throw ShipmentRejection(order: request.amazonOrderID, reason: problem) }
        let (settings, composition, now) = (composition.settings, composition, clock.now())
        let record = try await store.update(request.amazonOrderID) { stored in
            let sequence = stored.shipments.count + 1
            let items = request.items.isEmpty
                ? stored.order.lines.compactMap { line -> ShipmentItem? in
                    let open = line.quantityOrdered - stored.shippedQuantity(line.orderItemID)
                    return open > 0 ? ShipmentItem(orderItemID: line.orderItemID, quantity: open) : nil
                }
                : request.items
            let shipment = Shipment(
                id: ShipmentID("\(stored.amazonOrderID)-S\(sequence)"), amazonOrderID: stored.amazonOrderID,
                packages: [ShipmentPackage(
                    packageReferenceID: String(sequence), carrierCode: request.carrierCode, carrierName: request.carrierName,
                    shippingMethod: request.shippingMethod, trackingNumber: request.trackingNumber,
                    shipDate: request.shipDate ?? now, items: items)],
                recordedAt: now)
            // The channel's own rules (Amazon's carrier codes), then the workflow's.
            let source = composition.source(for: stored.sourceID)
            let prepared = try source?.prepare(shipment, for: stored.order) ?? shipment
            return composition.shaped(try Workflow.record(
                shipment: prepared, on: stored, settings: settings, now: now,
                overridingCancellationRequest: request.overridingCancellationRequest))
        }
        guard let shipment = record.shipments.last else {
            throw EngineError(.notFound, "order \(request.amazonOrderID): the shipment was not recorded")
        }
        composition.outboxWake.signal()
        return shipment
    }

    /// Books a held order's money as Amazon sent it: its commerce order is created next.
    /// - Throws: ``TotalsNotHeld``, ``StoreError`` `.orderNotFound`.
    @discardableResult
    public func acceptTotals(of id: AmazonOrderID) async throws -> OrderRecord {
        let (settings, composition, now) = (composition.settings, composition, clock.now())
        return try await store.update(id) { stored in
            composition.shaped(try Workflow.acceptTotals(of: stored, settings: settings, now: now))
        }
    }

    /// One page of orders (see ``OrderQuery``). The store narrows by its columns in stretches
    /// of the listing's order (``ChannelStore/scanRecords(_:)``) until the page is full, so a
    /// page costs what it reads, not the size of the store.
    public func orders(_ query: OrderQuery) async throws -> OrderListing {
        if let limit = query.limit, limit <= 0 { throw OrderQueryError("the limit must be positive") }
        let after = try query.cursor.map { text throws(OrderQueryError) in try OrderCursor(decoding: text) }
        var scan = query.scan
        scan.position = after.map { .near($0.purchaseDate) } ?? .start
        scan.limit = query.limit.map { min(1_000, max(50, $0 + 1)) } ?? 500
        var page: [OrderRecord] = []
        let wanted = query.limit.map { $0 + 1 } ?? .max
        scanning: while true {
            let stretch = try await store.scanRecords(scan)
            for record in stretch where (after?.precedes(record, query.sort) ?? true) && query.matches(record) {
                page.append(record)
                if page.count >= wanted { break scanning }
            }
            guard stretch.count >= scan.limit, let last = stretch.last else { break }
            scan.position = .after(last.order.purchaseDate, last.amazonOrderID)
        }
        guard let limit = query.limit, page.count > limit else { return OrderListing(orders: page, nextCursor: nil) }
        page.removeLast(page.count - limit)
        let last = page[page.count - 1]
        return OrderListing(orders: page, nextCursor: OrderCursor(purchaseDate: last.order.purchaseDate, amazonOrderID: last.amazonOrderID).encoded)
    }

    /// One order with its history and its jobs, or `nil` when it is not stored.
    public func order(_ id: AmazonOrderID) async throws -> OrderDetail? {
        guard let record = try await store.record(id) else { return nil }
        return OrderDetail(record: record, events: try await store.events(for: id), jobs: try await store.jobs(for: id))
    }

    // MARK: Jobs

    /// Jobs with the given statuses (all when empty), oldest first.
    public func jobs(statuses: Set<OutboxJob.Status>) async throws -> [OutboxJob] {
        try await store.jobs(statuses: statuses)
    }

    /// Puts dead-lettered jobs back in line under the same idempotency key, with a fresh count of
    /// attempts (`ids` empty: every dead-lettered job). - Returns: how many.
    @discardableResult
    public func retry(_ ids: [Int64]) async throws -> Int {
        try await store.replayDeadJobs(ids, now: clock.now())
    }

    /// Runs finished jobs again, each as a new job under the next generation of its idempotency
    /// key (`<order>/<effect>/replay-<n>`): the receiving system sees a new key and is told it
    /// is a replay. - Returns: the new jobs.
    @discardableResult
    public func replay(_ ids: [Int64]) async throws -> [OutboxJob] {
        try await store.replayJobs(ids, now: clock.now())
    }

    /// Runs an order's finished effects of one kind again (the latest generation of each).
    public func replay(order id: AmazonOrderID, effect: ReplayableEffect) async throws -> [OutboxJob] {
        guard try await store.record(id) != nil else { throw StoreError.orderNotFound(id) }
        let jobs = try await store.jobs(for: id).filter { effect.matches($0.effect) }
        var latest: [String: OutboxJob] = [:]
        for job in jobs where (latest[job.effect.name]?.generation ?? 0) < job.generation { latest[job.effect.name] = job }
        let finished = latest.values.filter { $0.status == .done }.sorted { $0.id < $1.id }
        guard !finished.isEmpty else {
            let state = latest.isEmpty ? "has no \(effect.rawValue) job" : "has no finished \(effect.rawValue) job (\(latest.values.map { "job \($0.id) is \($0.status.rawValue)" }.sorted().joined(separator: ", ")))"
            throw EngineError(.nothingToDo, "order \(id) \(state); only finished jobs are replayed (`jobs retry` puts a dead-lettered one back)")
        }
        return try await replay(finished.map(\.id))
    }

    // MARK: Sources

    /// Work stored under source ids that no configured source answers to: a source removed or
    /// renamed (its `id` changed) since the work was stored.
    public func orphanedWork() async throws -> OrphanedWork {
        let orphans = try await store.sources().filter { composition.source(for: $0.id) == nil }
        return OrphanedWork(sources: orphans)
    }

    // MARK: Figures

    /// The store's counts with this process's counters and the sources' spending; the metrics'
    /// gauges are set from the same figures.
    public func statistics() async throws -> EngineStatistics {
        let store = try await self.store.statistics()
        let bySource = await composition.usageBySource()
        composition.statistics.metrics.record(store, usage: bySource, now: clock.now())
        return EngineStatistics(store: store, run: composition.statistics.snapshot, usage: await composition.sourceUsage())
    }

    /// Releases the store (a command that is done with the engine).
    public func close() async { await store.close() }

    func source(_ id: String) throws -> any OrderSource {
        guard let source = composition.sources.first(where: { $0.id == id }) else {
            throw EngineError(.notFound, "no source `\(id)` is configured; configured: \(composition.sources.map(\.id).joined(separator: ", "))")
        }
        return source
    }
}

/// An operation the engine refused, with what to do about it.
public struct EngineError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public enum Code: String, Hashable, Sendable {
        case notFound = "not-found"
        case nothingToDo = "nothing-to-do"
        case readOnly = "read-only"
    }
    public var description: String { message }
}

/// Work no configured source takes over (see ``ChannelEngine/orphanedWork()``).
public struct OrphanedWork: Sendable {
    public var sources: [StoredSource]

    /// Sources with shipment confirmations not done: only their source can send them, so a
    /// deployment that drops the source would leave them failing. Refused.
    public var blocking: [StoredSource] { sources.filter { $0.openConfirmations > 0 } }

    /// What a person reads for each blocking source: what is stored and how to proceed.
    public var problems: [String] {
        blocking.map {
            "the store holds \($0.openConfirmations) shipment confirmation(s) not done for source `\($0.id)`, which no source here takes over; "
                + "give the source that continues it `id: \($0.id)` (or put that source back until they are done)"
        }
    }

    /// What is left behind harmlessly (a checkpoint, finished orders), for a note.
    public var notes: [String] {
        sources.filter { $0.openConfirmations == 0 }.map {
            "the work stored under source `\($0.id)` (\($0.checkpoint == nil ? "no checkpoint" : "its checkpoint"), \($0.orders) order(s)"
                + ($0.deadConfirmations > 0 ? ", \($0.deadConfirmations) dead-lettered shipment confirmation(s) that cannot be retried without it" : "")
                + ") is no longer any source's; a source new to the store starts from its initial lookback (set `id: \($0.id)` to continue it instead)"
        }
    }
}
