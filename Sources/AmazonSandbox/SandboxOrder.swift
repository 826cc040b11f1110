import AmazonSellingPartner
import Foundation

/// One order of the scenario: what it is and when it changes.
struct SandboxOrder: Sendable {
    /// The order with every dataset filled in, as it looks once Amazon has verified the payment.
    var order: Order
    var channel: String  // "MFN" or "AFN"
    /// Status changes at real times (already divided by the time scale).
    var timeline: [(at: Date, status: FulfillmentStatus)]
    /// When the buyer asks to cancel, if ever.
    var buyerCancelAt: Date?
    /// A rare order whose grand total Amazon reports a cent off its lines until it corrects it then.
    var totalsCorrectedAt: Date?
    var shipments: [ConfirmedShipment] = []

    struct ConfirmedShipment: Codable, Hashable, Sendable {
        var packageReferenceId: String
        var carrierCode: String
        var carrierName: String?
        var trackingNumber: String
        var shipDate: String
        var items: [String: Int]
        var confirmedAt: Date
    }

    var createdTime: Date { order.createdTime }

    /// Whether the order exists yet.
    func exists(at now: Date) -> Bool { createdTime <= now }

    /// Status from the timeline and the merchant's confirmed shipments.
    func status(at now: Date) -> FulfillmentStatus {
        var status = timeline.last { $0.at <= now }?.status ?? .pending
        if channel == "MFN", status == .unshipped || status == .partiallyShipped {
            let shipped = order.orderItems.allSatisfy { shippedQuantity($0.orderItemId) >= $0.quantityOrdered }
            let any = order.orderItems.contains { shippedQuantity($0.orderItemId) > 0 }
            status = shipped ? .shipped : any ? .partiallyShipped : status
        }
        return status
    }

    /// Every change Amazon has made to the order by `now`: its status changes, the buyer's
    /// cancellation request and the merchant's confirmed shipments.
    func changes(at now: Date) -> [Date] {
        (timeline.map(\.at) + shipments.map(\.confirmedAt) + [buyerCancelAt, totalsCorrectedAt].compactMap { $0 }).filter { $0 <= now }.sorted()
    }

    func lastUpdated(at now: Date) -> Date {
        changes(at: now).last ?? createdTime
    }

    func shippedQuantity(_ item: String) -> Int {
        shipments.reduce(0) { $0 + ($1.items[item] ?? 0) }
    }

    /// The order as `searchOrders`/`getOrder` shows it at `now`, with only the datasets asked for.
    ///
    /// - `buyer.buyerEmail` only for merchant-fulfilled orders ("Only available for
    ///   merchant-fulfilled (FBM) orders", `Buyer.buyerEmail`); no phone on Amazon-fulfilled
    ///   orders ("suppressed … All FBA (Fulfillment by Amazon) orders", `CustomerAddress.phone`);
    ///   `packages` only for merchant-fulfilled orders (`Order.packages`).
    /// - While Pending: no buyer, no recipient, no pricing or proceeds (v0 `getOrderItems`: "When
    ///   an order is in the Pending state … does not return information about pricing, taxes,
    ///   shipping charges, gift status or promotions").
    func snapshot(at now: Date, including data: Set<IncludedData>) -> Order {
        var order = self.order
        let status = self.status(at: now)
        order.lastUpdatedTime = lastUpdated(at: now)
        let pending = status == .pending || status == .pendingAvailability
        if data.contains(.fulfillment) {
            var fulfillment = self.order.fulfillment ?? Order.OrderFulfillment(fulfillmentStatus: status, fulfilledBy: nil)
            fulfillment.fulfillmentStatus = status
            fulfillment.fulfilledBy = channel == "AFN" ? "AMAZON" : "MERCHANT"
            // Promised dates only for merchant-fulfilled orders that are neither Pending nor canceled
            // (v0's `LatestShipDate`: "Only returned for seller-fulfilled orders that do not have a
            // `PendingAvailability`, `Pending`, or `Canceled` status").
            if channel == "AFN" || pending || status == .cancelled {
                fulfillment.shipByWindow = nil
                fulfillment.deliverByWindow = nil
            }
            order.fulfillment = fulfillment
        } else {
            order.fulfillment = nil
        }
        if pending || !data.contains(.buyer) { order.buyer = nil }
        if pending || !data.contains(.recipient) { order.recipient = nil }
        if pending || !data.contains(.proceeds) {
            order.proceeds = nil
        } else if let correctedAt = totalsCorrectedAt, now < correctedAt, let total = order.proceeds?.grandTotal {
            // Until Amazon corrects it, this order's grand total is a cent off its lines.
            order.proceeds?.grandTotal = Money(amount: total.amount + Decimal(string: "0.01")!, currencyCode: total.currencyCode)
        }
        if pending || !data.contains(.tax) { order.tax = nil }
        for index in order.orderItems.indices {
            let item = order.orderItems[index]
            if pending || !data.contains(.proceeds) { order.orderItems[index].proceeds = nil }
            if pending || !data.contains(.promotion) { order.orderItems[index].promotion = nil }
            if pending || !data.contains(.tax) { order.orderItems[index].tax = nil }
            if pending { order.orderItems[index].product.price = nil }
            if data.contains(.fulfillment) {
                let shipped = channel == "AFN" ? (status == .shipped ? item.quantityOrdered : 0) : shippedQuantity(item.orderItemId)
                var fulfillment = item.fulfillment ?? Order.OrderItem.ItemFulfillment(quantityFulfilled: nil, quantityUnfulfilled: nil)
                fulfillment.quantityFulfilled = shipped
                fulfillment.quantityUnfulfilled = item.quantityOrdered - shipped
                if pending { fulfillment.packing = nil }  // gift options are withheld with the rest while Pending
                order.orderItems[index].fulfillment = fulfillment
            } else {
                order.orderItems[index].fulfillment = nil
            }
            order.orderItems[index].cancellation = nil
            if data.contains(.cancellation), let buyerCancelAt, buyerCancelAt <= now, status != .cancelled, status != .shipped {
                order.orderItems[index].cancellation = Order.OrderItem.Cancellation(
                    cancellationRequest: Order.OrderItem.CancellationRequest(requester: "BUYER", cancelReason: "Found cheaper somewhere else."))
            }
        }
        order.packages = nil
        if data.contains(.packages), channel == "MFN", !shipments.isEmpty {
            order.packages = shipments.map {
                Order.OrderPackage(packageReferenceId: $0.packageReferenceId, carrier: $0.carrierName ?? $0.carrierCode, trackingNumber: $0.trackingNumber,
                                   shipTime: SPAPIJSON.parseDate($0.shipDate), packageItems: $0.items.map { Order.PackageItem(orderItemId: $0.key, quantity: $0.value) })
            }
        }
        return order
    }

    /// Whether the order's money reconciles at `now`.
    func totalsReconcile(at now: Date) -> Bool { totalsCorrectedAt.map { now >= $0 } ?? true }
}

/// Builds the seeded scenario.
enum Scenario {
    static func make(_ configuration: SandboxConfiguration, start: Date) -> [SandboxOrder] {
        var orders: [SandboxOrder] = []
        let scale = max(configuration.timeScale, 0.000_001)
        let existing = Int((Double(configuration.orders) * configuration.existingShare).rounded())
        for index in 0..<configuration.orders {
            var random = SeededGenerator(seed: configuration.seed &* 2_654_435_761 &+ UInt64(index))
            // One order in 250, always merchant-fulfilled, has its grand total a cent off for a while.
            let misreported = index % 250 == 249
            let recentlyPlaced = index < existing && existing - index <= min(configuration.pendingAtStart, existing)
            let isAFN = random.below(100) < 35 && !misreported && !recentlyPlaced
            // Existing orders were placed over the last three days; the rest arrive over the window.
            let created: Date
            if recentlyPlaced {
                created = start.addingTimeInterval(-Double(existing - index) * 180)
            } else if index < existing {
                created = start.addingTimeInterval(-Double(existing - index) * (3 * 86400 / Double(max(existing, 1))))
            } else {
                let position = Double(index - existing + 1) / Double(max(configuration.orders - existing, 1))
                created = start.addingTimeInterval(position * configuration.arrivalWindow / scale)
            }
            func at(_ virtualSeconds: Double) -> Date {
                // Past orders keep their history in real time; arriving ones move at the scaled pace.
                created.addingTimeInterval(created < start ? virtualSeconds : virtualSeconds / scale)
            }
            let business = random.below(100) < 10
            var items = ScenarioMoney.lines(&random, index: index, currency: "USD")
            for line in items.indices {
                let breakdowns = items[line].proceeds?.breakdowns ?? []
                if business { items[line].product.price?.priceDesignation = "BUSINESS_PRICE" }
                if breakdowns.contains(where: { $0.type == "DISCOUNT" }) {
                    items[line].promotion = .init(breakdowns: [.init(promotionId: "PROMO-\(String(format: "%04d", index % 37))")])
                }
                if breakdowns.contains(where: { $0.type == "TAX" }) {
                    items[line].tax = .init(taxCollections: [.init(model: "MARKETPLACE_FACILITATOR", responsibleParty: "Amazon Services, Inc.")])
                }
                if breakdowns.contains(where: { $0.type == "GIFT_WRAP" }) {
                    items[line].fulfillment = .init(quantityFulfilled: nil, quantityUnfulfilled: nil, packing: .init(
                        giftOption: .init(giftMessage: "Happy birthday! From Sam", giftWrapLevel: "Classic")))
                }
            }
            let id = String(format: "%03d-%07d-%07d", 111 + index % 888, 1_000_000 + index, Int(configuration.seed % 9_000_000) + 1_000_000)
            let name = "Sandbox Buyer \(index % 97)"
            let company = business ? "Sandbox Supplies \(index % 13) LLC" : nil
            let levels = ["STANDARD", "STANDARD", "EXPEDITED", "SECOND_DAY", "NEXT_DAY"]
            let level = levels[random.below(levels.count)]
            let shipDays = ["NEXT_DAY": 1.0, "SECOND_DAY": 1.0, "EXPEDITED": 1.0][level] ?? 2.0
            let deliverDays = ["NEXT_DAY": 1.0, "SECOND_DAY": 2.0, "EXPEDITED": 3.0][level] ?? 5.0
            var programs: [String] = []
            if random.below(100) < 40 { programs.append("PRIME") }
            if business { programs.append("AMAZON_BUSINESS") }
            let order = Order(
                orderId: id, createdTime: created, lastUpdatedTime: created,
                salesChannel: .init(marketplaceId: configuration.marketplaceID, marketplaceName: "Amazon.com"),
                programs: programs.isEmpty ? nil : programs,
                buyer: .init(buyerName: name, buyerEmail: isAFN ? nil : "buyer\(index % 97)@marketplace.amazon.com", buyerCompanyName: company,
                             buyerPurchaseOrderNumber: business ? "PO-\(100_000 + index)" : nil),
                recipient: .init(deliveryAddress: .init(name: name, companyName: company, addressLine1: "\(100 + index) Main Street",
                                                        city: "Seattle", districtOrCounty: "King County", stateOrRegion: "WA", postalCode: "98101",
                                                        countryCode: "US", phone: isAFN ? nil : "+1 206-555-\(String(format: "%04d", index % 10000))",
                                                        addressType: business ? "COMMERCIAL" : "RESIDENTIAL")),
                proceeds: ScenarioMoney.orderProceeds(items),
                fulfillment: .init(
                    fulfillmentStatus: .pending, fulfilledBy: nil, fulfillmentServiceLevel: level,
                    shipByWindow: .init(earliestDateTime: at(0), latestDateTime: at(shipDays * 86400)),
                    deliverByWindow: .init(earliestDateTime: at((deliverDays - 1) * 86400), latestDateTime: at(deliverDays * 86400))),
                tax: business ? .init(taxRegistrations: [.init(entityType: "BUYER", legalName: company, taxRegistrationType: "BUSINESS",
                                                               taxRegistrationNumber: "91-\(String(format: "%07d", 1_000_000 + index))")]) : nil,
                orderItems: items)
            var timeline: [(Date, FulfillmentStatus)] = [(created, .pending)]
            var verified = at(Double(300 + random.below(1500)))
            var fate = random.below(100)
            if recentlyPlaced {
                // Still Pending for 25 to 40 minutes after the start, then verified.
                verified = start.addingTimeInterval(Double(1500 + random.below(900)))
                fate = max(fate, 18)
            }
            var buyerCancelAt: Date?
            if fate < 4 {
                timeline.append((at(Double(1800 + random.below(3600))), .cancelled))  // payment never verified
            } else {
                timeline.append((verified, .unshipped))
                if fate < 12 {
                    timeline.append((verified.addingTimeInterval(Double(600 + random.below(3600)) / (created < start ? 1 : scale)), .cancelled))
                } else if fate < 18 {
                    buyerCancelAt = verified.addingTimeInterval(Double(300 + random.below(1800)) / (created < start ? 1 : scale))
                }
                if isAFN && fate >= 12 {
                    timeline.append((verified.addingTimeInterval(Double(3600 + random.below(20 * 3600)) / (created < start ? 1 : scale)), .shipped))
                }
            }
            // One order in 250 has a grand total a cent off its lines until Amazon corrects it.
            let correctedAt = misreported ? verified.addingTimeInterval(1800 / (created < start ? 1 : scale)) : nil
            orders.append(SandboxOrder(
                order: order, channel: isAFN ? "AFN" : "MFN", timeline: timeline, buyerCancelAt: buyerCancelAt, totalsCorrectedAt: correctedAt))
        }
        return orders
    }
}

/// The scenario's money, broken down as Amazon breaks it down: per item `ITEM` (unit price ×
/// quantity), `SHIPPING`, `GIFT_WRAP`, `OTHER`, `DISCOUNT` (negative) and `TAX` (on what is left
/// of each after discounts, with its detailed breakdown), `proceedsTotal` their sum; per order
/// the same categories "aggregated across all order items" and `grandTotal` the sum of the items.
enum ScenarioMoney {
    static func lines(_ random: inout SeededGenerator, index: Int, currency: String) -> [Order.OrderItem] {
        let hasShipping = random.below(100) < 40
        let shippingCents = 399 + random.below(600)
        let freeShipping = hasShipping && random.below(100) < 10
        let taxed = random.below(100) < 80
        let taxRate = Decimal(string: "0.1025")!  // Seattle's sales tax
        func cents(_ value: Int) -> Decimal { Decimal(value) / 100 }
        func money(_ amount: Decimal) -> Money { Money(amount: amount, currencyCode: currency) }
        return (0..<(1 + random.below(3))).map { line -> Order.OrderItem in
            let quantity = 1 + random.below(3)
            let unitCents = 500 + random.below(9500)
            var parts: [String: Decimal] = ["ITEM": cents(unitCents * quantity)]
            if line == 0, hasShipping { parts["SHIPPING"] = cents(shippingCents) }
            if random.below(100) < 5 { parts["GIFT_WRAP"] = cents(299 * quantity) }
            if random.below(100) < 2 { parts["OTHER"] = cents(50) }
            var discounts: [String: Decimal] = [:]
            if random.below(100) < 15 { discounts["ITEM"] = -rounded(parts["ITEM"]! * Decimal(5 + random.below(16)) / 100) }
            if line == 0, freeShipping { discounts["SHIPPING"] = -(parts["SHIPPING"] ?? 0) }
            var taxes: [String: Decimal] = [:]
            if taxed {
                for subtype in ["ITEM", "SHIPPING", "GIFT_WRAP"] {
                    guard let amount = parts[subtype] else { continue }
                    let tax = rounded((amount + (discounts[subtype] ?? 0)) * taxRate)
                    if tax != 0 { taxes[subtype] = tax }
                }
            }
            var breakdowns = ["ITEM", "SHIPPING", "GIFT_WRAP", "OTHER"].compactMap { type in
                parts[type].map { Order.OrderItem.ItemProceeds.Breakdown(type: type, subtotal: money($0)) }
            }
            if !taxes.isEmpty {
                breakdowns.append(.init(type: "TAX", subtotal: money(taxes.values.reduce(0, +)),
                                        detailedBreakdowns: taxes.keys.sorted().map { .init(subtype: $0, value: money(taxes[$0]!)) }))
            }
            if !discounts.isEmpty {
                breakdowns.append(.init(type: "DISCOUNT", subtotal: money(discounts.values.reduce(0, +)),
                                        detailedBreakdowns: discounts.keys.sorted().map { .init(subtype: $0, value: money(discounts[$0]!)) }))
            }
            let total = breakdowns.reduce(Decimal(0)) { $0 + $1.subtotal.amount }
            return Order.OrderItem(
                orderItemId: String(format: "%014d", 10_000_000_000 + index * 10 + line), quantityOrdered: quantity,
                product: .init(asin: String(format: "B0%08d", random.below(99_999_999)), title: "Sandbox item \(line + 1)",
                               sellerSku: "SKU-\(random.below(60))", price: .init(unitPrice: money(cents(unitCents)))),
                proceeds: .init(proceedsTotal: money(total), breakdowns: breakdowns))
        }
    }

    static func orderProceeds(_ items: [Order.OrderItem]) -> Order.OrderProceeds {
        let currency = items.first?.proceeds?.proceedsTotal?.currencyCode ?? "USD"
        var sums: [String: Decimal] = [:]
        for breakdown in items.flatMap({ $0.proceeds?.breakdowns ?? [] }) { sums[breakdown.type, default: 0] += breakdown.subtotal.amount }
        let order = ["ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "TAX", "DISCOUNT", "OTHER"]
        return Order.OrderProceeds(
            grandTotal: Money(amount: items.reduce(Decimal(0)) { $0 + ($1.proceeds?.proceedsTotal?.amount ?? 0) }, currencyCode: currency),
            breakdowns: order.compactMap { type in sums[type].map { .init(type: type, subtotal: Money(amount: $0, currencyCode: currency)) } })
    }

    /// Rounds to cents, half away from zero.
    static func rounded(_ value: Decimal) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, 2, .plain)
        return output
    }
}

/// SplitMix64, so a seed gives the same scenario everywhere.
struct SeededGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
