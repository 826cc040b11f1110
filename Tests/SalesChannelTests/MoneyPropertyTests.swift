import Foundation
import Logging
import SalesChannel
import SalesChannelTesting
import Testing

/// Whatever Amazon's breakdown holds, an order's money is either booked exactly as Amazon sent it
/// or held: never a commerce order with money that does not add up to the grand total.
struct MoneyPropertyTests {
    static let types = ["ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "OTHER", "TAX", "DISCOUNT", "LOYALTY_POINTS"]

    /// A random Unshipped merchant-fulfilled order: 1-4 lines with random charges of every type
    /// (discounts negative, tax with details), sometimes a delivery tip, sometimes a second
    /// currency, and a grand total that is the sum or a little off.
    static func order(_ index: Int, _ random: inout SeededRandom) -> (order: ChannelOrder, reconciles: Bool) {
        let currency = ["USD", "EUR", "JPY"][random.next(below: 3)]
        func cents() -> Decimal { Decimal(random.next(below: 20_000)) / 100 }
        var total = Decimal(0)
        var mixed = false
        let lines = (0..<(1 + random.next(below: 4))).map { line -> ChannelOrderLine in
            var charges: [Charge] = []
            for type in types where type == "ITEM" || random.next(below: 3) == 0 {
                var amount = cents()
                if type == "DISCOUNT" { amount = -amount }
                var code = currency
                if random.next(below: 40) == 0 { code = "GBP"; mixed = true }
                var charge = Charge(type: type, amount: Money(amount, code))
                if type == "TAX" || type == "DISCOUNT" {
                    let part = Decimal(random.next(below: 100)) / 100
                    charge.details = [ChargeDetail(subtype: "ITEM", amount: Money(part, code)),
                                      ChargeDetail(subtype: "SHIPPING", amount: Money(amount - part, code))]
                }
                charges.append(charge)
                total += amount
            }
            var item = ChannelOrderLine(
                orderItemID: OrderItemID("\(index)-\(line)"), sku: "SKU", asin: "B0", title: "Item", quantityOrdered: 1,
                itemPrice: charges.first?.amount, itemTax: nil)
            item.charges = charges
            item.proceedsTotal = Money(charges.reduce(Decimal(0)) { $0 + $1.amount.amount }, currency)
            return item
        }
        var order = ChannelOrder(
            sellerID: "S", marketplaceID: "M", amazonOrderID: AmazonOrderID(String(format: "111-%07d-0000000", index)),
            fulfillmentChannel: .merchant, status: .unshipped, purchaseDate: Date(timeIntervalSince1970: 1_780_000_000),
            lastUpdateDate: Date(timeIntervalSince1970: 1_780_000_000), lines: lines)
        if random.next(below: 5) == 0 {
            let tip = cents()
            order.orderCharges = [Charge(type: "DELIVERY_TIP", amount: Money(tip, currency), status: "FINALIZED")]
            total += tip
        }
        let off = random.next(below: 4) == 0 ? Decimal(1 + random.next(below: 300)) / 100 * (random.next(below: 2) == 0 ? 1 : -1) : 0
        order.orderTotal = Money(total + off, currency)
        return (order, off == 0 && !mixed)
    }

    @Test func randomBreakdownsAreBookedExactlyOrHeldNeverBookedWrong() async throws {
        var random = SeededRandom(seed: 11)
        let generated = (0..<400).map { Self.order($0, &random) }
        let backend = InMemoryCommerceBackend()
        let composition = Composition(
            store: InMemoryChannelStore(), backend: backend, sources: [FixedPages(orders: generated.map(\.order))],
            customerPolicy: FixedCustomerPolicy())
        try await composition.runOnce(logger: Logger(label: "test"))

        var booked = 0
        var held = 0
        for (order, reconciles) in generated {
            let record = try #require(try await composition.store.record(order.amazonOrderID))
            let commerce = try await backend.order(for: order.amazonOrderID)
            if reconciles {
                let created = try #require(commerce, "\(order.amazonOrderID) reconciles but was not booked: \(record.totalsHold ?? "-")")
                let charges = try #require(created.charges)
                let parts = [created.subtotal, charges.shipping, charges.giftWrap, charges.codFee, charges.other, created.tax, charges.discount]
                #expect(parts.compactMap { $0?.amount }.reduce(0, +) == order.orderTotal?.amount)
                #expect(created.grandTotal == order.orderTotal)
                #expect(Set(parts.compactMap { $0?.currencyCode } + created.lines.compactMap { $0.rowTotal?.currencyCode }) == [order.orderTotal!.currencyCode])
                #expect(created.lines.map(\.rowTotal) == order.lines.map(\.itemPrice))
                booked += 1
            } else {
                #expect(commerce == nil, "\(order.amazonOrderID) does not reconcile but was booked")
                #expect(record.totalsHold != nil && record.lastError?.hasPrefix("totals held: ") == true)
                held += 1
            }
        }
        #expect(booked > 200 && held > 60, "booked \(booked), held \(held)")
    }

    @Test func aToleranceBooksSmallDifferencesAndAcceptingBooksAnyAsSent() throws {
        var random = SeededRandom(seed: 3)
        var sample = Self.order(1, &random).order
        for line in sample.lines.indices { sample.lines[line].charges = sample.lines[line].charges?.map { var c = $0; c.amount.currencyCode = "USD"; c.details = nil; return c } }
        sample.orderCharges = nil
        let sum = sample.lines.flatMap { $0.charges ?? [] }.reduce(Decimal(0)) { $0 + $1.amount.amount }
        sample.orderTotal = Money(sum + Decimal(string: "0.02")!, "USD")
        let plan = { (record: OrderRecord?) in record?.plans.commerceOrder == true }

        let strict = Workflow.apply(snapshot: sample, to: nil, sourceID: "t", settings: OrderSettings(), now: Date())
        #expect(!plan(strict.record) && strict.record?.totalsHold?.contains("difference 0.02") == true)
        #expect(strict.effects.contains(.notify(.totalsHeld, detail: nil)))
        let tolerant = Workflow.apply(snapshot: sample, to: nil, sourceID: "t", settings: OrderSettings(totalsTolerance: Decimal(string: "0.05")!), now: Date())
        #expect(plan(tolerant.record) && tolerant.record?.totalsHold == nil)

        let accepted = try Workflow.acceptTotals(of: try #require(strict.record), settings: OrderSettings(), now: Date())
        #expect(plan(accepted.record) && accepted.record?.totalsHold == nil && accepted.record?.lastError == nil)
        #expect(accepted.effects.map(\.name).contains("create-commerce-order"))
        #expect(accepted.events.contains { $0.kind == .totalsAccepted })
        #expect(throws: TotalsNotHeld.self) { try Workflow.acceptTotals(of: try #require(tolerant.record), settings: OrderSettings(), now: Date()) }
    }
}

/// A source that returns a fixed list of orders in one page.
struct FixedPages: OrderSource {
    let id = "fixed"
    let orders: [ChannelOrder]
    func changes(after checkpoint: SyncCheckpoint?) async throws -> OrderPage {
        OrderPage(orders: checkpoint == nil ? orders : [], checkpoint: SyncCheckpoint("done"), hasMore: false)
    }
    func order(_ id: AmazonOrderID) async throws -> ChannelOrder? { orders.first { $0.amazonOrderID == id } }
    func confirmShipment(_ shipment: Shipment, of order: ChannelOrder) async throws {}
}
