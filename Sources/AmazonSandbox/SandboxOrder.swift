import AmazonSellingPartner
import Foundation

/// One order of the scenario: what it is and when it changes.
struct SandboxOrder: Sendable {
    var order: Order
    var channel: String  // "MFN" or "AFN"
    /// Status changes at real times (already divided by the time scale).
    var timeline: [(at: Date, status: FulfillmentStatus)]
    /// When the buyer asks to cancel, if ever.
    var buyerCancelAt: Date?
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

    func lastUpdated(at now: Date) -> Date {
        let changes = timeline.map(\.at).filter { $0 <= now } + shipments.map(\.confirmedAt) + [buyerCancelAt].compactMap { $0 }.filter { $0 <= now }
        return changes.max() ?? createdTime
    }

    func shippedQuantity(_ item: String) -> Int {
        shipments.reduce(0) { $0 + ($1.items[item] ?? 0) }
    }

    /// The order as `searchOrders`/`getOrder` shows it at `now`.
    func snapshot(at now: Date) -> Order {
        var order = self.order
        let status = self.status(at: now)
        order.lastUpdatedTime = lastUpdated(at: now)
        order.fulfillment = Order.OrderFulfillment(fulfillmentStatus: status, fulfilledBy: channel == "AFN" ? "AMAZON" : "MERCHANT")
        let pending = status == .pending || status == .pendingAvailability
        if pending {
            // Amazon withholds buyer details until the payment is verified.
            order.buyer = nil
            order.recipient = nil
        }
        for index in order.orderItems.indices {
            let item = order.orderItems[index]
            let shipped = channel == "AFN" ? (status == .shipped ? item.quantityOrdered : 0) : shippedQuantity(item.orderItemId)
            order.orderItems[index].fulfillment = Order.OrderItem.ItemFulfillment(quantityFulfilled: shipped, quantityUnfulfilled: item.quantityOrdered - shipped)
            if let buyerCancelAt, buyerCancelAt <= now, status != .cancelled, status != .shipped {
                order.orderItems[index].cancellation = Order.OrderItem.Cancellation(
                    cancellationRequest: Order.OrderItem.CancellationRequest(requester: "BUYER", cancelReason: "Found cheaper somewhere else."))
            }
        }
        if channel == "MFN", !shipments.isEmpty {
            order.packages = shipments.map {
                Order.OrderPackage(packageReferenceId: $0.packageReferenceId, carrier: $0.carrierName ?? $0.carrierCode, trackingNumber: $0.trackingNumber,
                                   shipTime: SPAPIJSON.parseDate($0.shipDate), packageItems: $0.items.map { Order.PackageItem(orderItemId: $0.key, quantity: $0.value) })
            }
        }
        return order
    }
}

/// Builds the seeded scenario.
enum Scenario {
    static func make(_ configuration: SandboxConfiguration, start: Date) -> [SandboxOrder] {
        var orders: [SandboxOrder] = []
        let scale = max(configuration.timeScale, 0.000_001)
        let existing = Int((Double(configuration.orders) * configuration.existingShare).rounded())
        for index in 0..<configuration.orders {
            var random = SeededGenerator(seed: configuration.seed &* 2_654_435_761 &+ UInt64(index))
            let isAFN = random.below(100) < 35
            // Existing orders were placed over the last three days; the rest arrive over the window.
            let created: Date
            if index < existing {
                created = start.addingTimeInterval(-Double(existing - index) * (3 * 86400 / Double(max(existing, 1))))
            } else {
                let position = Double(index - existing + 1) / Double(max(configuration.orders - existing, 1))
                created = start.addingTimeInterval(position * configuration.arrivalWindow / scale)
            }
            func at(_ virtualSeconds: Double) -> Date {
                // Past orders keep their history in real time; arriving ones move at the scaled pace.
                created.addingTimeInterval(created < start ? virtualSeconds : virtualSeconds / scale)
            }
            let items = (0..<(1 + random.below(3))).map { line -> Order.OrderItem in
                let quantity = 1 + random.below(3)
                let cents = 500 + random.below(9500)
                return Order.OrderItem(
                    orderItemId: String(format: "%014d", 10_000_000_000 + index * 10 + line), quantityOrdered: quantity,
                    product: .init(asin: String(format: "B0%08d", random.below(99_999_999)), title: "Sandbox item \(line + 1)",
                                   sellerSku: "SKU-\(random.below(60))",
                                   price: .init(unitPrice: Money(amount: Decimal(cents) / 100, currencyCode: "USD"))),
                    proceeds: .init(proceedsTotal: Money(amount: Decimal(cents * quantity) / 100, currencyCode: "USD")))
            }
            let total = items.reduce(Decimal(0)) { $0 + ($1.proceeds?.proceedsTotal?.amount ?? 0) }
            let id = String(format: "%03d-%07d-%07d", 111 + index % 888, 1_000_000 + index, Int(configuration.seed % 9_000_000) + 1_000_000)
            let order = Order(
                orderId: id, createdTime: created, lastUpdatedTime: created,
                salesChannel: .init(marketplaceId: configuration.marketplaceID, marketplaceName: "Amazon.com"),
                buyer: .init(buyerName: "Sandbox Buyer \(index % 97)", buyerEmail: "buyer\(index % 97)@marketplace.amazon.com"),
                recipient: .init(deliveryAddress: .init(name: "Sandbox Buyer \(index % 97)", addressLine1: "\(100 + index) Main Street",
                                                        city: "Seattle", stateOrRegion: "WA", postalCode: "98101", countryCode: "US",
                                                        addressType: "RESIDENTIAL")),
                proceeds: .init(grandTotal: Money(amount: total, currencyCode: "USD")), orderItems: items)
            var timeline: [(Date, FulfillmentStatus)] = [(created, .pending)]
            let verified = at(Double(300 + random.below(1500)))
            let fate = random.below(100)
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
            orders.append(SandboxOrder(order: order, channel: isAFN ? "AFN" : "MFN", timeline: timeline, buyerCancelAt: buyerCancelAt))
        }
        return orders
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
