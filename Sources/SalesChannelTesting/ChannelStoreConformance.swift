import Foundation
import SalesChannel

/// The contract of ``ChannelStore``, as checks any store must pass. Run it from your tests:
///
/// ```swift
/// @Test func conforms() async throws {
///     try await ChannelStoreConformance { try MyStore(…fresh…) }.run()
/// }
/// ```
/// Each check gets a fresh, empty store from `makeStore`.
public struct ChannelStoreConformance: Sendable {
    public let makeStore: @Sendable () async throws -> any ChannelStore

    public init(makeStore: @escaping @Sendable () async throws -> any ChannelStore) {
        self.makeStore = makeStore
    }

    /// The names of the checks, in the order ``run()`` runs them.
    public static let checks = [
        "commit stores records, effects, events and checkpoint", "hidden orders are listed only on request",
        "an idempotency key is enqueued once", "ordered effects run one after another",
        "a claimed job is not handed out again while its lease runs", "failures retry, dead-letter and replay",
        "finishing a job folds its outcome into the record", "quarantined orders are kept with their reason",
        "updating an unknown order fails with order-not-found",
        "a runner that lost its lease can neither settle nor renew the job",
        "a finished job is replayed under the next generation of its key",
        "finished jobs of final orders are pruned after the retention, nothing else",
        "listings page through the store as a full scan would",
    ]

    /// The checks by the protocol they hold a store to (``SyncStore``, ``OrderStore``,
    /// ``OutboxStore``); each check sets its data up through ``SyncStore/commit(_:from:decide:)``.
    public enum Group: String, CaseIterable, Sendable {
        case sync, orders, outbox
    }

    /// The checks of `group`, by name, in the order they run.
    public static func checks(of group: Group) -> [String] {
        switch group {
        case .sync: [checks[0], checks[2], checks[7]]
        case .orders: [checks[1], checks[8], checks[12]]
        case .outbox: [checks[3], checks[4], checks[5], checks[6], checks[9], checks[10], checks[11]]
        }
    }

    /// Runs every check; throws a ``ConformanceFailure`` for the first that does not hold.
    public func run() async throws {
        for group in Group.allCases { try await run(group) }
    }

    /// Runs the checks of one group.
    public func run(_ group: Group) async throws {
        switch group {
        case .sync:
            try await commitStoresEverything()
            try await idempotencyKeys()
            try await quarantine()
        case .orders:
            try await hiddenOrders()
            try await unknownOrder()
            try await listings()
        case .outbox:
            try await orderedEffects()
            try await leases()
            try await failuresRetryDeadLetterAndReplay()
            try await finishFoldsOutcome()
            try await fencing()
            try await replays()
            try await pruning()
        }
    }

    static let settings = OrderSettings(sinkNames: ["erp"])
    static let start = Date(timeIntervalSince1970: 1_780_000_000)

    static func order(_ id: String, _ status: AmazonOrderStatus, minutes: Double = 0, channel: FulfillmentChannel = .merchant) -> ChannelOrder {
        ChannelOrder(
            sellerID: "SELLER", marketplaceID: "ATVPDKIKX0DER", amazonOrderID: AmazonOrderID(id), fulfillmentChannel: channel,
            status: status, purchaseDate: start, lastUpdateDate: start.addingTimeInterval(minutes * 60),
            lines: [ChannelOrderLine(orderItemID: OrderItemID("1\(id)"), sku: "SKU", asin: "B000000001", title: "Item", quantityOrdered: 2,
                                     itemPrice: Money(20, "USD"))])
    }

    static func workflow(_ stored: OrderRecord?, _ snapshot: ChannelOrder) -> WorkflowDecision {
        Workflow.apply(snapshot: snapshot, to: stored, sourceID: "conformance", settings: settings, now: start)
    }

    func commitStoresEverything() async throws {
        let check = Self.checks[0]
        let store = try await makeStore()
        let page = OrderPage(orders: [Self.order("A", .unshipped), Self.order("B", .unshipped)], checkpoint: SyncCheckpoint("page-1"), hasMore: false)
        let summary = try await store.commit(page, from: "conformance", decide: Self.workflow)
        try require(summary.inserted == 2, check, "inserted \(summary.inserted), expected 2")
        let checkpoint = try await store.checkpoint(for: "conformance")
        try require(checkpoint == SyncCheckpoint("page-1"), check, "checkpoint is \(String(describing: checkpoint))")
        try require(try await store.checkpoint(for: "other") == nil, check, "another source's checkpoint is set")
        let expected = Self.workflow(nil, Self.order("A", .unshipped)).effects.count * 2
        let jobs = try await store.jobs(statuses: [])
        try require(jobs.count == expected, check, "\(jobs.count) jobs, expected \(expected)")
        try require(jobs.allSatisfy { $0.status == .pending && $0.attempts == 0 }, check, "new jobs are not all pending")
        let events = try await store.events(for: "A")
        try require(events.contains { $0.kind == .imported }, check, "no `imported` event for A")
        let record = try await store.record("A")
        try require(record?.visible == true && record?.plans.commerceOrder == true, check, "record A not stored as decided")
    }

    func hiddenOrders() async throws {
        let check = Self.checks[1]
        let store = try await makeStore()
        try await store.commit(OrderPage(orders: [Self.order("P", .pending), Self.order("U", .unshipped)], checkpoint: SyncCheckpoint("1"), hasMore: false),
                               from: "conformance", decide: Self.workflow)
        let visible = try await store.records(includeHidden: false).map(\.amazonOrderID)
        let all = try await store.records(includeHidden: true).map(\.amazonOrderID)
        try require(visible == ["U"], check, "visible orders are \(visible)")
        try require(Set(all) == ["P", "U"], check, "all orders are \(all)")
        let stats = try await store.statistics()
        try require(stats.orders == 2 && stats.visibleOrders == 1, check, "statistics \(stats)")
    }

    /// Every walk of a listing, whatever its page size, gives what filtering and sorting every
    /// record gives (``ChannelStore/scanRecords(_:)`` narrows; the engine checks the rest).
    func listings() async throws {
        let check = Self.checks[12]
        let store = try await makeStore()
        let source = ScriptedOrderSource(id: "conformance", count: 240, seed: 13, pageSize: 60)
        let engine = ChannelEngine(Composition(store: store, backend: InMemoryCommerceBackend(), sources: [source], customerPolicy: FixedCustomerPolicy()))
        while try await engine.syncPage(source: source.id) {}
        let everything = try await store.records(includeHidden: true)
        let middle = everything[everything.count / 2].order.purchaseDate
        func query(_ body: (inout OrderQuery) -> Void) -> OrderQuery { var query = OrderQuery(); body(&query); return query }
        let cases: [(String, OrderQuery, (OrderRecord) -> Bool)] = [
            ("visible", OrderQuery(), { $0.visible }),
            ("unshipped MFN", query { $0.amazonStatus = .unshipped; $0.fulfillmentChannel = .merchant }, {
                $0.visible && $0.order.status == .unshipped && $0.order.fulfillmentChannel == .merchant
            }),
            ("since the middle, newest first, hidden too", query { $0.includeHidden = true; $0.purchasedFrom = middle; $0.sort = .purchaseDateDescending }, {
                $0.order.purchaseDate >= middle
            }),
            ("before the middle, hidden too", query { $0.includeHidden = true; $0.purchasedBefore = middle }, { $0.order.purchaseDate < middle }),
            ("canceled without an error (not columns)", query { $0.amazonStatus = .canceled; $0.hasError = false }, {
                $0.visible && $0.order.status == .canceled && $0.lastError == nil && $0.totalsHold == nil
            }),
            ("text in the id", query { $0.text = "00001" }, { $0.visible && $0.amazonOrderID.rawValue.contains("00001") }),
            ("a buyer's name in another case", query { $0.text = "BUYER 1" }, { $0.visible && ($0.order.buyer?.name ?? "").localizedCaseInsensitiveContains("buyer 1") }),
        ]
        for (name, base, wanted) in cases {
            let descending = base.sort == .purchaseDateDescending
            let key = { (record: OrderRecord) in (record.order.purchaseDate, record.amazonOrderID.rawValue) }
            let expected = everything.filter(wanted).sorted { descending ? key($0) > key($1) : key($0) < key($1) }.map(\.amazonOrderID)
            try require(!expected.isEmpty, check, "\(name): the script has no such order")
            for limit in [nil, 4, 50, 51] {
                var query = base
                query.limit = limit
                var walked: [AmazonOrderID] = []
                repeat {
                    let page = try await engine.orders(query)
                    walked += page.orders.map(\.amazonOrderID)
                    query.cursor = page.nextCursor
                } while query.cursor != nil && walked.count <= everything.count
                try require(walked == expected, check, "\(name), pages of \(limit.map(String.init) ?? "all"): walked \(walked.count) orders, expected \(expected.count)")
            }
        }
    }

    func idempotencyKeys() async throws {
        let check = Self.checks[2]
        let store = try await makeStore()
        try await store.commit(OrderPage(orders: [Self.order("A", .unshipped)], checkpoint: SyncCheckpoint("1"), hasMore: false), from: "conformance", decide: Self.workflow)
        let before = try await store.jobs(statuses: []).count
        // A decision that repeats every effect must enqueue nothing new.
        try await store.update("A") { record in
            var decision = Self.workflow(nil, record.order)
            decision.record = record
            return decision
        }
        let after = try await store.jobs(statuses: [])
        try require(after.count == before, check, "\(after.count) jobs after repeating the effects, expected \(before)")
        try require(Set(after.map(\.idempotencyKey)).count == after.count, check, "duplicate idempotency keys")
    }

    func orderedEffects() async throws {
        let check = Self.checks[3]
        let store = try await makeStore()
        try await store.commit(OrderPage(orders: [Self.order("A", .unshipped)], checkpoint: SyncCheckpoint("1"), hasMore: false), from: "conformance", decide: Self.workflow)
        let t = Date()
        let first = try await store.claimJobs(limit: 100, now: t.addingTimeInterval(1), lease: 60)
        let ordered = first.filter(\.effect.isOrdered)
        try require(ordered.map(\.effect) == [.assignCustomer], check, "first claim returned ordered effects \(ordered.map(\.effect.name))")
        try require(first.contains { !$0.effect.isOrdered }, check, "a notification waited behind the ordered chain")
        try require(first.allSatisfy { $0.attempts == 1 && $0.status == .running }, check, "claimed jobs are not running at attempt 1")
        try require(try await store.claimJobs(limit: 100, now: t.addingTimeInterval(2), lease: 60).isEmpty, check, "the next ordered effect ran before the first finished")
        let assign = ordered[0]
        try await store.finish(assign, outcome: .customerAssigned(.guest), now: t.addingTimeInterval(3)) {
            Workflow.apply(.customerAssigned(.guest), of: assign.effect, to: $0, now: Self.start)
        }
        let second = try await store.claimJobs(limit: 100, now: t.addingTimeInterval(4), lease: 60)
        try require(second.map(\.effect.name) == ["create-commerce-order"], check, "after the customer, claimed \(second.map(\.effect.name))")
    }

    func leases() async throws {
        let check = Self.checks[4]
        let store = try await makeStore()
        try await store.commit(OrderPage(orders: [Self.order("A", .unshipped)], checkpoint: SyncCheckpoint("1"), hasMore: false), from: "conformance", decide: Self.workflow)
        let t = Date()
        let claimed = try await store.claimJobs(limit: 1, now: t.addingTimeInterval(1), lease: 60)
        try require(claimed.count == 1, check, "claimed \(claimed.count) with limit 1")
        let during = try await store.claimJobs(limit: 100, now: t.addingTimeInterval(30), lease: 60)
        try require(!during.contains { $0.id == claimed[0].id }, check, "job handed out twice within its lease")
        let after = try await store.claimJobs(limit: 100, now: t.addingTimeInterval(120), lease: 60)
        let again = after.first { $0.id == claimed[0].id }
        try require(again?.attempts == 2, check, "job not taken over after its lease expired (attempts \(String(describing: again?.attempts)))")
        // A renewed lease holds past its first end.
        try await store.renewLeases(again.map { [$0] } ?? [], until: t.addingTimeInterval(1000))
        let renewed = try await store.claimJobs(limit: 100, now: t.addingTimeInterval(500), lease: 60)
        try require(!renewed.contains { $0.id == claimed[0].id }, check, "a renewed lease was taken over")
    }

    func failuresRetryDeadLetterAndReplay() async throws {
        let check = Self.checks[5]
        let store = try await makeStore()
        try await store.commit(OrderPage(orders: [Self.order("A", .unshipped)], checkpoint: SyncCheckpoint("1"), hasMore: false), from: "conformance", decide: Self.workflow)
        let t = Date()
        let claimed = try await store.claimJobs(limit: 100, now: t.addingTimeInterval(1), lease: 60)
        for other in claimed where other.effect != .assignCustomer {
            try await store.finish(other, outcome: .notified, now: t.addingTimeInterval(1)) { .unchanged($0) }
        }
        var job = claimed.first { $0.effect == .assignCustomer }!
        try await store.fail(job, reason: "backend down", retryAt: t.addingTimeInterval(100), now: t.addingTimeInterval(2)) { .unchanged($0) }
        try require(try await store.claimJobs(limit: 100, now: t.addingTimeInterval(50), lease: 60).filter(\.effect.isOrdered).isEmpty, check, "retried before its time")
        let due = try await store.nextDueJob()
        try require(abs((due ?? .distantPast).timeIntervalSince(t.addingTimeInterval(100))) < 0.001, check, "next due job at \(String(describing: due)), expected the retry time")
        job = try await store.claimJobs(limit: 100, now: t.addingTimeInterval(101), lease: 60).first { $0.effect == .assignCustomer }!
        try require(job.attempts == 2, check, "second attempt counted as \(job.attempts)")
        let effect = job.effect
        try await store.fail(job, reason: "backend down", retryAt: nil, now: t.addingTimeInterval(102)) {
            Workflow.failed(effect, on: $0, reason: "backend down", final: true, now: t)
        }
        let dead = try await store.jobs(statuses: [.dead])
        try require(dead.map(\.id) == [job.id] && dead[0].lastError == "backend down", check, "dead jobs \(dead.map(\.id)), expected [\(job.id)] with its error")
        try require(try await store.claimJobs(limit: 100, now: t.addingTimeInterval(500), lease: 60).filter(\.effect.isOrdered).isEmpty, check, "an effect ran behind a dead-lettered one")
        try require(try await store.record("A")?.lastError != nil, check, "the record does not show the failure")
        let replayed = try await store.replayDeadJobs([], now: t.addingTimeInterval(600))
        try require(replayed == 1, check, "replayed \(replayed), expected 1")
        let again = try await store.claimJobs(limit: 100, now: t.addingTimeInterval(601), lease: 60).first { $0.id == job.id }
        try require(again?.attempts == 1, check, "a replayed job starts over at attempt 1 (got \(String(describing: again?.attempts)))")
        try require(try await store.jobs(statuses: [.dead]).isEmpty, check, "dead jobs remain after replay")
    }

    func finishFoldsOutcome() async throws {
        let check = Self.checks[6]
        let store = try await makeStore()
        try await store.commit(OrderPage(orders: [Self.order("A", .unshipped)], checkpoint: SyncCheckpoint("1"), hasMore: false), from: "conformance", decide: Self.workflow)
        let t = Date()
        for _ in 0..<2 {
            for job in try await store.claimJobs(limit: 100, now: t.addingTimeInterval(10), lease: 60) where job.effect.isOrdered {
                let commerce = CommerceOrder(number: "000000042", amazonOrderID: "A", status: .pending, lines: [], subtotal: nil, tax: nil,
                                             grandTotal: nil, customer: .guest, affectsInventory: true, createdAt: t)
                let outcome: EffectOutcome = job.effect == .assignCustomer ? .customerAssigned(.guest) : .commerceOrderCreated(commerce)
                let effect = job.effect
                try await store.finish(job, outcome: outcome, now: t.addingTimeInterval(11)) { Workflow.apply(outcome, of: effect, to: $0, now: t) }
            }
        }
        let record = try await store.record("A")
        try require(record?.commerceOrderNumber == "000000042", check, "commerce number is \(String(describing: record?.commerceOrderNumber))")
        let keys = try await store.jobs(statuses: []).map(\.effect.name)
        try require(keys.contains("notify:commerce-order-created"), check, "the follow-up notification was not enqueued")
        try require(try await store.jobs(statuses: [.done]).count == 2, check, "finished jobs are not done")
    }

    func quarantine() async throws {
        let check = Self.checks[7]
        let store = try await makeStore()
        let bad = QuarantinedOrder(sourceID: "conformance", amazonOrderID: "X", reason: "OrderTotal.Amount is not a decimal", payload: "{}", at: Self.start)
        let summary = try await store.commit(OrderPage(orders: [Self.order("A", .unshipped)], quarantined: [bad], checkpoint: SyncCheckpoint("2"), hasMore: false),
                                             from: "conformance", decide: Self.workflow)
        try require(summary.quarantined == 1, check, "summary counted \(summary.quarantined)")
        let kept = try await store.quarantined()
        try require(kept.map(\.reason) == [bad.reason] && kept.first?.amazonOrderID == "X", check, "quarantine holds \(kept)")
        try require(try await store.record("A") != nil, check, "the good order of the page was not stored")
        // Outside a page (a pushed notice), each kept once per source, order and reason; the
        // checkpoint is not touched.
        let notice = QuarantinedOrder(sourceID: "amazon-sqs/orders", amazonOrderID: nil, reason: "not a notification: unexpected end of input", payload: "{", at: Self.start)
        try await store.quarantine([notice, notice])
        try await store.quarantine([notice])
        let after = try await store.quarantined()
        try require(after.count == 2 && after.filter { $0.sourceID == notice.sourceID }.map(\.reason) == [notice.reason], check,
                    "quarantine(_:) kept \(after.count) items: \(after.map(\.reason))")
        try require(try await store.checkpoint(for: "conformance") == SyncCheckpoint("2"), check, "quarantine(_:) changed a checkpoint")
    }

    func fencing() async throws {
        let check = Self.checks[9]
        let store = try await makeStore()
        try await store.commit(OrderPage(orders: [Self.order("A", .unshipped)], checkpoint: SyncCheckpoint("1"), hasMore: false), from: "conformance", decide: Self.workflow)
        let t = Date()
        let first = try await store.claimJobs(limit: 1, now: t, lease: 60)
        try require(first.count == 1, check, "nothing to claim")
        // The first runner stalls past its lease; a second runner takes the job over.
        let taken = try await store.claimJobs(limit: 100, now: t.addingTimeInterval(120), lease: 60).first { $0.id == first[0].id }
        guard let second = taken else { throw ConformanceFailure(check: check, message: "the lapsed job was not claimed again") }
        try require(second.claim > first[0].claim, check, "the second claim's token \(second.claim) is not above the first's \(first[0].claim)")
        // The stalled runner wakes up: its renewal and its settles change nothing.
        let lost = try await store.renewLeases(first, until: t.addingTimeInterval(10_000))
        try require(lost == [first[0].id], check, "a renewal by the lapsed runner was not reported lost (\(lost))")
        let outcome = EffectOutcome.customerAssigned(.guest)
        let effect = first[0].effect
        for settle in ["finish", "fail"] {
            do {
                if settle == "finish" {
                    try await store.finish(first[0], outcome: outcome, now: t.addingTimeInterval(121)) { Workflow.apply(outcome, of: effect, to: $0, now: t) }
                } else {
                    try await store.fail(first[0], reason: "stale", retryAt: nil, now: t.addingTimeInterval(121)) {
                        Workflow.failed(effect, on: $0, reason: "stale", final: true, now: t)
                    }
                }
                throw ConformanceFailure(check: check, message: "`\(settle)` by the runner that lost the lease was accepted")
            } catch is LeaseLost {}
        }
        try require(try await store.jobs(statuses: [.dead]).isEmpty, check, "the lapsed runner dead-lettered the job")
        try require(try await store.record("A")?.lastError == nil, check, "the lapsed runner's failure reached the record")
        try require(try await store.jobs(statuses: [.running]).map(\.id).contains(second.id), check, "the job is no longer the second runner's")
        // The holder renews its own lease.
        try require(try await store.renewLeases([second], until: t.addingTimeInterval(170)) == [], check, "the holder's renewal was refused")
        // The lapsed runner's renewal (to +10000) extended nothing: after +170 the job can be claimed again.
        let third = try await store.claimJobs(limit: 100, now: t.addingTimeInterval(190), lease: 60).first { $0.id == first[0].id }
        guard let third else { throw ConformanceFailure(check: check, message: "a renewal without the lease kept the job from being claimed") }
        try await store.finish(third, outcome: outcome, now: t.addingTimeInterval(191)) { Workflow.apply(outcome, of: effect, to: $0, now: t) }
        try require(try await store.jobs(statuses: [.done]).map(\.id).contains(third.id), check, "the holder could not finish the job")
        // Settling twice is refused too: the job is no longer running.
        for stale in [second, third] {
            do {
                try await store.finish(stale, outcome: outcome, now: t.addingTimeInterval(192)) { .unchanged($0) }
                throw ConformanceFailure(check: check, message: "a finished job was finished again (claim \(stale.claim))")
            } catch is LeaseLost {}
        }
    }

    func replays() async throws {
        let check = Self.checks[10]
        let store = try await makeStore()
        try await store.commit(OrderPage(orders: [Self.order("A", .unshipped)], checkpoint: SyncCheckpoint("1"), hasMore: false), from: "conformance", decide: Self.workflow)
        let t = Date()
        let outcome = EffectOutcome.customerAssigned(.guest)
        // Every job runs to done but the handoff, which stays claimed (running).
        var held: OutboxJob?
        var finished: [OutboxJob] = []
        while case let next = try await store.claimJobs(limit: 100, now: t, lease: 600), !next.isEmpty {
            for job in next {
                if job.effect == .handOff(sink: "erp") { held = job; continue }
                try await store.finish(job, outcome: outcome, now: t) { .unchanged($0) }
                finished.append(job)
            }
        }
        guard let job = held else { throw ConformanceFailure(check: check, message: "setup: no handoff job was claimed") }
        try require(job.generation == 1, check, "the first job is generation \(job.generation), not 1")
        let refuse = { (ids: [Int64], code: StoreError.Code, what: String) in
            let before = try await store.jobs(statuses: [])
            do {
                _ = try await store.replayJobs(ids, now: t)
                throw ConformanceFailure(check: check, message: "\(what) was replayed")
            } catch let error as StoreError {
                try require(error.code == code, check, "\(what): code \(error.code), not \(code)")
            }
            try require(try await store.jobs(statuses: []) == before, check, "a refused replay (\(what)) changed the jobs")
        }
        try await refuse([job.id], .jobNotFinished, "a running job")
        if let commerce = finished.first(where: { !$0.effect.isReplayable }) {
            try await refuse([commerce.id], .jobNotFinished, "a change of the commerce system (\(commerce.effect.name))")
        }
        try await store.finish(job, outcome: outcome, now: t) { .unchanged($0) }
        try await refuse([987_654], .jobNotFound, "an unknown id")
        try await refuse([job.id, 987_654], .jobNotFound, "a known and an unknown id")

        let second = try await store.replayJobs([job.id], now: t)
        try require(second.count == 1, check, "one replay asked, \(second.count) made")
        let replayed = second[0]
        try require(replayed.id != job.id && replayed.effect == job.effect && replayed.status == .pending && replayed.attempts == 0,
                    check, "the replay is not a new pending job of the same effect")
        try require(replayed.generation == 2 && replayed.idempotencyKey == job.effect.idempotencyKey(for: "A", generation: 2)
                    && replayed.idempotencyKey != job.idempotencyKey, check, "generation \(replayed.generation), key \(replayed.idempotencyKey)")
        try require(try await store.jobs(for: "A").contains(replayed), check, "the order's jobs do not list the replay")
        try require(try await store.events(for: "A").contains { $0.kind == .replayed }, check, "no replayed event")
        // While the replay waits, the effect is not replayed again.
        try await refuse([job.id], .jobNotFinished, "an effect whose replay is waiting")
        // The replay is claimed like any job (the effect is not blocked by its finished first run).
        let claimed = try await store.claimJobs(limit: 100, now: t.addingTimeInterval(1), lease: 60).first { $0.id == replayed.id }
        guard let claimed else { throw ConformanceFailure(check: check, message: "the replay was not claimed") }
        try await store.finish(claimed, outcome: outcome, now: t.addingTimeInterval(2)) { .unchanged($0) }
        let third = try await store.replayJobs([job.id], now: t.addingTimeInterval(3))
        try require(third.first?.generation == 3, check, "a second replay is generation \(third.first?.generation ?? 0), not 3")
        // A dead replay is retried, not replayed past (a new one would wait behind it for ever).
        let failing = try await store.claimJobs(limit: 100, now: t.addingTimeInterval(4), lease: 60).first { $0.id == third[0].id }
        guard let failing else { throw ConformanceFailure(check: check, message: "the third generation was not claimed") }
        try await store.fail(failing, reason: "refused", retryAt: nil, now: t.addingTimeInterval(5)) { .unchanged($0) }
        try await refuse([job.id], .jobNotFinished, "an effect whose last replay is dead-lettered")
    }

    func pruning() async throws {
        let check = Self.checks[11]
        let store = try await makeStore()
        let shipped = Self.order("B", .shipped)
        try await store.commit(OrderPage(orders: [Self.order("A", .unshipped), shipped], checkpoint: SyncCheckpoint("1"), hasMore: false),
                               from: "conformance", decide: Self.workflow)
        let t = Date()
        let outcome = EffectOutcome.customerAssigned(.guest)
        while case let next = try await store.claimJobs(limit: 100, now: t, lease: 60), !next.isEmpty {
            for job in next { try await store.finish(job, outcome: outcome, now: t) { .unchanged($0) } }
        }
        let before = try await store.jobs(statuses: [])
        try require(before.allSatisfy { $0.status == .done } && Set(before.map(\.amazonOrderID)) == ["A", "B"], check, "setup: every job of A and B done")
        try require(try await store.pruneFinishedJobs(before: t.addingTimeInterval(-1)) == 0, check, "jobs finished after the cutoff were pruned")
        let pruned = try await store.pruneFinishedJobs(before: t.addingTimeInterval(3600))
        let after = try await store.jobs(statuses: [])
        try require(pruned == before.filter { $0.amazonOrderID == "B" }.count, check, "\(pruned) pruned, not the shipped order's \(before.filter { $0.amazonOrderID == "B" }.count)")
        try require(after.allSatisfy { $0.amazonOrderID == "A" } && after.count == before.count - pruned, check, "an open order's jobs were pruned")
        let kept = try await store.record("B")
        let history = try await store.events(for: "B")
        try require(kept != nil && !history.isEmpty, check, "pruning touched the order or its history")
        // The same snapshot again decides nothing new; a new order's jobs get ids never used before.
        let again = try await store.commit(OrderPage(orders: [shipped, Self.order("C", .unshipped)], checkpoint: SyncCheckpoint("2"), hasMore: false),
                                           from: "conformance", decide: Self.workflow)
        let fresh = try await store.jobs(statuses: []).filter { $0.amazonOrderID == "C" }
        try require(!fresh.isEmpty && again.effects == fresh.count, check, "a pruned order's effects were decided again (\(again.effects) effects for \(fresh.count) new jobs)")
        try require(Set(fresh.map(\.id)).isDisjoint(with: before.map(\.id)), check, "a job id was used twice")
    }

    func unknownOrder() async throws {
        let check = Self.checks[8]
        let store = try await makeStore()
        do {
            try await store.update("NOPE") { .unchanged($0) }
            throw ConformanceFailure(check: check, message: "no error")
        } catch let error as StoreError {
            try require(error.code == .orderNotFound, check, "code \(error.code)")
        }
    }
}
