import Foundation
import Logging
import SalesChannel
import SalesChannelTesting
import Testing

/// The operations adapters call, on the in-memory store with the scripted source.
struct EngineTests {
    static func engine(orders: Int = 60, sink: RecordingShipmentSink = RecordingShipmentSink()) async throws -> ChannelEngine {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let composition = Composition(
            store: InMemoryChannelStore(), backend: InMemoryCommerceBackend(), sources: [ScriptedOrderSource(count: orders, seed: 7)],
            customerPolicy: FixedCustomerPolicy(), sinks: ["erp": sink])
        let engine = ChannelEngine(composition, logger: logger)
        try await engine.runOnce()
        return engine
    }

    @Test func listingsPageWithACursorAndFilter() async throws {
        let engine = try await Self.engine()
        let everything = try await engine.orders(OrderQuery(includeHidden: true)).orders
        #expect(everything.count > 20)
        let key = { (record: OrderRecord) in (record.order.purchaseDate, record.amazonOrderID.rawValue) }
        #expect(zip(everything, everything.dropFirst()).allSatisfy { key($0) <= key($1) }, "ascending by purchase date")

        for sort in OrderQuery.Sort.allCases {
            var query = OrderQuery(includeHidden: true)
            query.sort = sort
            query.limit = 7
            var seen: [AmazonOrderID] = []
            var pages = 0
            while true {
                let page = try await engine.orders(query)
                #expect(page.orders.count <= 7)
                seen += page.orders.map(\.amazonOrderID)
                pages += 1
                guard let next = page.nextCursor else { break }
                query.cursor = next
            }
            let expected = sort == .purchaseDateAscending ? everything : everything.reversed()
            #expect(seen == expected.map(\.amazonOrderID), "pages of \(sort.rawValue) put together are the whole listing, once each")
            #expect(pages == (everything.count + 6) / 7)
        }

        var shipped = OrderQuery()
        shipped.amazonStatus = .shipped
        let shippedOrders = try await engine.orders(shipped).orders
        #expect(!shippedOrders.isEmpty && shippedOrders.allSatisfy { $0.order.status == .shipped && $0.visible })
        #expect(try await engine.orders(OrderQuery()).orders.allSatisfy(\.visible), "hidden orders only on request")

        var fba = OrderQuery(includeHidden: true)
        fba.fulfillmentChannel = .amazon
        #expect(try await engine.orders(fba).orders.allSatisfy { $0.order.fulfillmentChannel == .amazon })

        let sample = everything[everything.count / 2]
        var text = OrderQuery(includeHidden: true)
        text.text = String(sample.amazonOrderID.rawValue.suffix(7)).lowercased()
        #expect(try await engine.orders(text).orders.map(\.amazonOrderID).contains(sample.amazonOrderID))

        var window = OrderQuery(includeHidden: true)
        window.purchasedFrom = sample.order.purchaseDate
        window.purchasedBefore = sample.order.purchaseDate.addingTimeInterval(1)
        #expect(try await engine.orders(window).orders.allSatisfy { $0.order.purchaseDate == sample.order.purchaseDate })

        var bad = OrderQuery()
        bad.cursor = "not a cursor"
        await #expect(throws: OrderQueryError.self) { try await engine.orders(bad) }
        bad.cursor = nil
        bad.limit = 0
        await #expect(throws: OrderQueryError.self) { try await engine.orders(bad) }
    }

    @Test func aShipmentIsCheckedThenRecordedWithItsConfirmation() async throws {
        let engine = try await Self.engine()
        let open = try #require(try await engine.orders(OrderQuery()).orders.first {
            $0.order.status == .unshipped && $0.order.fulfillmentChannel == .merchant && $0.shipments.isEmpty && !$0.buyerCancellationFlagged
        })
        let id = open.amazonOrderID
        for (request, problem) in [
            (ShipmentRequest(amazonOrderID: id, carrierCode: "  ", trackingNumber: "1Z"), "carrier is empty"),
            (ShipmentRequest(amazonOrderID: id, carrierCode: "Other", trackingNumber: "1Z"), "needs a carrier name"),
            (ShipmentRequest(amazonOrderID: id, carrierCode: "UPS", trackingNumber: " "), "tracking number is required"),
            (ShipmentRequest(amazonOrderID: id, carrierCode: "UPS", trackingNumber: "1Z", items: [ShipmentItem(orderItemID: "x", quantity: 0)]), "must be positive"),
        ] {
            do {
                try await engine.recordShipment(request)
                Issue.record("accepted: \(problem)")
            } catch let rejection as ShipmentRejection {
                #expect(rejection.reason.contains(problem), "\(rejection.reason)")
            }
        }
        #expect(try await engine.order(id)?.record.shipments.isEmpty == true, "nothing recorded for a refused shipment")

        let shipment = try await engine.recordShipment(ShipmentRequest(amazonOrderID: id, carrierCode: " UPS ", trackingNumber: " 1Z999 "))
        #expect(shipment.id.rawValue == "\(id)-S1")
        #expect(shipment.packages.first?.carrierCode == "UPS" && shipment.packages.first?.trackingNumber == "1Z999")
        #expect(shipment.quantities == Dictionary(uniqueKeysWithValues: open.order.lines.map { ($0.orderItemID, $0.quantityOrdered) }),
                "without items, every unshipped item")
        let detail = try #require(try await engine.order(id))
        #expect(detail.jobs.contains { $0.effect == .confirmShipment(shipment.id) })
        #expect(detail.record.shipments.map(\.id) == [shipment.id])

        await #expect(throws: StoreError.self) {
            try await engine.recordShipment(ShipmentRequest(amazonOrderID: "000-NOPE", carrierCode: "UPS", trackingNumber: "1Z"))
        }
    }

    @Test func replaysRunUnderNewKeysAndOnlyWhenFinished() async throws {
        let sink = RecordingShipmentSink()
        let engine = try await Self.engine(orders: 30, sink: sink)
        let handedOff = try #require(try await engine.jobs(statuses: [.done]).first { $0.effect == .handOff(sink: "erp") })
        let id = handedOff.amazonOrderID
        let before = Set(sink.handoffs.keys)
        let replayed = try await engine.replay(order: id, effect: .handoff)
        #expect(replayed.map(\.generation) == [2] && replayed.map(\.idempotencyKey) == ["\(id)/handoff:erp/replay-2"])
        await #expect(throws: EngineError.self, "a waiting replay is not replayed again") { try await engine.replay(order: id, effect: .handoff) }
        try await engine.runOnce()
        #expect(Set(sink.handoffs.keys).subtracting(before) == ["\(id)/handoff:erp/replay-2"])
        #expect(try await engine.replay(order: id, effect: .handoff).map(\.generation) == [3], "the latest generation is replayed")

        // An order with nothing of that kind finished says so.
        let fba = try #require(try await engine.orders(OrderQuery(includeHidden: true)).orders.first { $0.order.fulfillmentChannel == .amazon })
        await #expect(throws: EngineError.self) { try await engine.replay(order: fba.amazonOrderID, effect: .handoff) }
        await #expect(throws: StoreError.self) { try await engine.replay(order: "000-NOPE", effect: .handoff) }
    }

    @Test func refreshBringsOneOrderThroughTheWorkflow() async throws {
        let source = ScriptedOrderSource(count: 20, seed: 11)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let engine = ChannelEngine(Composition(
            store: InMemoryChannelStore(), backend: InMemoryCommerceBackend(), sources: [source],
            customerPolicy: FixedCustomerPolicy(), sinks: ["erp": RecordingShipmentSink()]), logger: logger)
        // Nothing synced yet: one order is fetched by id and stored as a sync would.
        let id = try #require(source.orders(thatReached: .unshipped).sorted { $0.rawValue < $1.rawValue }.first)
        switch try await engine.refresh(id) {
        case .stored(let record, let sourceID):
            #expect(record.amazonOrderID == id && sourceID == "scripted")
        case .waitingForAmazonShipment(let status):
            Issue.record("an MFN order waits for Amazon (\(status))")
        }
        #expect(try await engine.order(id) != nil)
        #expect(try await engine.orders(OrderQuery(includeHidden: true)).orders.count == 1)
        await #expect(throws: EngineError.self) { try await engine.refresh("000-NOPE") }
        let figures = try await engine.statistics()
        #expect(figures.store.orders == 1)
    }

    /// A replay that fails for good is told, and leaves what the first delivery achieved.
    @Test func aFailedReplayLeavesTheFirstDeliveryStanding() async throws {
        let sink = RecordingShipmentSink()
        let engine = try await Self.engine(orders: 20, sink: sink)
        let handedOff = try #require(try await engine.jobs(statuses: [.done]).first { $0.effect == .handOff(sink: "erp") })
        let id = handedOff.amazonOrderID
        #expect(try await engine.order(id)?.record.handoff == .delivered)
        _ = try await engine.replay([handedOff.id])
        sink.failNext(1, permanently: true)
        try await engine.runOnce()
        let detail = try #require(try await engine.order(id))
        #expect(detail.record.handoff == .delivered, "the replay's failure did not undo the delivery")
        #expect(detail.record.lastError == nil)
        #expect(detail.events.contains { $0.kind == .deadLettered && $0.message.contains("replay 2 of handoff:erp dead-lettered") })
        #expect(detail.jobs.contains { $0.generation == 2 && $0.status == .dead })
        // A dead replay is retried, not replayed past.
        await #expect(throws: StoreError.self) { try await engine.replay([handedOff.id]) }
        // Only deliveries are replayed: the commerce system's own changes are not.
        let created = try #require(detail.jobs.first { if case .createCommerceOrder = $0.effect { true } else { false } })
        await #expect(throws: StoreError.self) { try await engine.replay([created.id]) }
    }

    /// A source takes over the checkpoint of a former id of its own, never that of another
    /// configured source, even when it would answer to that id.
    @Test func aSourceNeverTakesAnotherConfiguredSourcesCheckpoint() async throws {
        struct Answering: OrderSource {
            let base: ScriptedOrderSource
            let id: String
            func answers(to sourceID: String) -> Bool { true }
            func changes(after checkpoint: SyncCheckpoint?) async throws -> OrderPage { try await base.changes(after: checkpoint) }
            func order(_ id: AmazonOrderID) async throws -> ChannelOrder? { try await base.order(id) }
            func confirmShipment(_ shipment: Shipment, of order: ChannelOrder) async throws {}
        }
        let store = InMemoryChannelStore()
        let empty = OrderPage(orders: [], checkpoint: SyncCheckpoint("of-the-other"), hasMore: false)
        _ = try await store.commit(empty, from: "other") { stored, _ in .unchanged(stored) }
        let newcomer = Answering(base: ScriptedOrderSource(count: 5, seed: 1), id: "newcomer")
        let other = Answering(base: ScriptedOrderSource(count: 5, seed: 2), id: "other")
        let composition = Composition(store: store, backend: InMemoryCommerceBackend(), sources: [other, newcomer], customerPolicy: FixedCustomerPolicy())
        let logger = Logger(label: "test")
        #expect(try await OrderSync(source: newcomer, composition: composition, logger: logger).checkpoint() == nil)
        // A former id no configured source has is taken over.
        _ = try await store.commit(OrderPage(orders: [], checkpoint: SyncCheckpoint("former"), hasMore: false), from: "legacy") { stored, _ in .unchanged(stored) }
        #expect(try await OrderSync(source: newcomer, composition: composition, logger: logger).checkpoint() == SyncCheckpoint("former"))
    }
}
