import AmazonChannel
import AmazonSandbox
import AmazonSellingPartner
import Foundation
import SalesChannel
import SalesChannelTesting
import Testing

/// Money as Amazon sends it: every charge kept, totals that reconcile, and orders whose totals do
/// not reconcile held rather than booked wrong.
struct AmazonMoneyTests {
    static func orders(in example: (status: Int, response: Data, parameters: [String: String])) throws -> [Order] {
        let decoder = SPAPIJSON.decoder()
        if let search = try? decoder.decode(SearchOrdersResponse.self, from: example.response) { return search.orders }
        return [try decoder.decode(GetOrderResponse.self, from: example.response).order]
    }

    static func usd(_ text: String) -> SalesChannel.Money { SalesChannel.Money(Decimal(string: text)!, "USD") }

    @Test func everyModelExampleMapsWithTotalsThatReconcile() throws {
        let sandbox = try AmazonSandbox(configuration: SandboxConfiguration())
        let plan = Effect.CommercePlan(status: .pending, requestedNumber: nil, affectsInventory: true)
        var mapped = 0
        var checkedAgainstAmazon = 0
        for example in sandbox.modelExamples("searchOrders") + sandbox.modelExamples("getOrder") where example.status == 200 {
            for order in try Self.orders(in: example) {
                let channel = AmazonOrderMapping.channelOrder(order, sellerID: "A1SELLER")
                guard case .reconciles(let totals) = channel.reconciliation else {
                    Issue.record("\(order.orderId) does not reconcile: \(channel.reconciliation)")
                    continue
                }
                #expect(totals.grandTotal == order.proceeds?.grandTotal?.amount)
                // Against Amazon's own order-level breakdown, where it sends one.
                if let breakdowns = order.proceeds?.breakdowns {
                    let amazon = Dictionary(breakdowns.map { ($0.type, $0.subtotal.amount) }, uniquingKeysWith: +)
                    #expect(totals.subtotal == amazon["ITEM"] ?? 0 && totals.tax == amazon["TAX"] ?? 0, "\(order.orderId)")
                    #expect(totals.shipping == amazon["SHIPPING"] ?? 0 && totals.discount == amazon["DISCOUNT"] ?? 0, "\(order.orderId)")
                    #expect(totals.other == (amazon["OTHER"] ?? 0) + (amazon["DELIVERY_TIP"] ?? 0), "\(order.orderId)")
                    checkedAgainstAmazon += 1
                }
                // Every charge is kept, and the commerce order's amounts add up to Amazon's grand total.
                #expect(channel.lines.map { $0.charges?.count ?? 0 } == order.orderItems.map { $0.proceeds?.breakdowns?.count ?? 0 })
                let draft = CommerceOrderDraft(record: OrderRecord(order: channel, sourceID: "test", now: Date()), plan: plan)
                let charges = try #require(draft.charges)
                let parts = [draft.subtotal, charges.shipping, charges.giftWrap, charges.codFee, charges.other, draft.tax, charges.discount]
                #expect(parts.compactMap { $0?.amount }.reduce(0, +) == draft.grandTotal?.amount, "\(order.orderId)")
                mapped += 1
            }
        }
        #expect(checkedAgainstAmazon >= 2)
        #expect(mapped == 8)  // three searchOrders and three getOrder sandbox examples, one plain example of each

        // getOrder's example 114-9876543-1234567: proceedsTotal 49.99 = ITEM 39.99 + TAX 10.00.
        let example = try #require(sandbox.modelExamples("getOrder").first { $0.parameters["orderId"] == "114-9876543-1234567" })
        let order = AmazonOrderMapping.channelOrder(try #require(try Self.orders(in: example).first), sellerID: "A1SELLER")
        let line = try #require(order.lines.first)
        #expect(line.itemPrice == Self.usd("39.99") && line.itemTax == Self.usd("10.00") && line.proceedsTotal == Self.usd("49.99"))
        let draft = CommerceOrderDraft(record: OrderRecord(order: order, sourceID: "test", now: Date()), plan: plan)
        #expect(draft.lines.first?.rowTotal == Self.usd("39.99") && draft.lines.first?.tax == Self.usd("10.00"))
        #expect(draft.subtotal == Self.usd("39.99") && draft.tax == Self.usd("10.00") && draft.grandTotal == Self.usd("49.99"))
    }

    @Test func anOrderWhoseTotalsDoNotReconcileIsHeldUntilAmazonCorrectsThem() async throws {
        // 250 orders: the last (index 249) reports a grand total a cent off its lines until 30
        // minutes after Amazon verified it. It was placed 30 minutes ago: verified, not yet corrected.
        try await VirtualAmazon.run({
            $0.orders = 250
            $0.existingShare = 1
            $0.rateLimits = false
            $0.start = VirtualAmazon.epoch.addingTimeInterval(-764)
        }) { amazon in
            let truth = try await amazon.truth()
            let misreported = try #require(truth.first { $0["totalsReconcile"] as? Bool == false })
            let id = AmazonOrderID(try #require(misreported["orderId"] as? String))
            #expect(misreported["status"] as? String == "UNSHIPPED")
            let notifier = RecordingNotifier()
            let backend = InMemoryCommerceBackend()
            var source = amazon.source(.merchant)
            source.sweepInterval = nil
            let composition = Composition(
                store: InMemoryChannelStore(), backend: backend, sources: [source], customerPolicy: FixedCustomerPolicy(), notifiers: [notifier])
            try await composition.runOnce(logger: VirtualAmazon.quiet)

            let held = try #require(try await composition.store.record(id))
            #expect(held.visible && held.commerceOrderNumber == nil)
            #expect(held.totalsHold?.contains("difference 0.01") == true, "\(held.totalsHold ?? "-")")
            #expect(held.lastError?.hasPrefix("totals held: ") == true)
            #expect(notifier.events.contains { $0.kind == .totalsHeld && $0.amazonOrderID == id })
            #expect(try await backend.order(for: id) == nil)
            // The rest were booked, each with money that adds up to Amazon's grand total.
            let booked = backend.orders
            #expect(booked.count >= 100)
            for order in booked {
                let charges = try #require(order.charges)
                let parts = [order.subtotal, charges.shipping, charges.giftWrap, charges.codFee, charges.other, order.tax, charges.discount]
                #expect(parts.compactMap { $0?.amount }.reduce(0, +) == order.grandTotal?.amount)
            }

            // Amazon corrects it: the next pass books it with the corrected money.
            amazon.time.advance(by: 1800)
            try await composition.runOnce(logger: VirtualAmazon.quiet)
            let created = try #require(try await backend.order(for: id))
            let record = try #require(try await composition.store.record(id))
            #expect(record.totalsHold == nil && record.lastError == nil && record.commerceOrderNumber == created.number)
            #expect(created.grandTotal?.amount == Decimal(string: misreported["grandTotal"] as? String ?? ""))
            #expect(try await composition.store.events(for: id).contains { $0.kind == .totalsReconciled })
        }
    }
}
