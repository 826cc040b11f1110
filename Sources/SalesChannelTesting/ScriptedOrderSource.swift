import Foundation
import SalesChannel
import Synchronization

/// A deterministic ``OrderSource``: `count` seeded orders, merchant- and Amazon-fulfilled, each
/// moving through a realistic timeline of snapshots (Pending → Unshipped, some canceled, some
/// with a buyer's cancellation request; FBA orders shipped by Amazon).
///
/// The same seed gives the same script in every process, so a test can compute what the
/// outcome must be while the real `saleschannel` process imports it.
public struct ScriptedOrderSource: OrderSource {
    public let id: String
    /// Every snapshot, in the order the channel reports them.
    public let script: [ChannelOrder]
    public let pageSize: Int
    /// The newest snapshot of every order.
    public let finalOrders: [AmazonOrderID: ChannelOrder]
    private let confirmations: Confirmations

    /// - Parameter misreportEvery: every N-th order's grand total is a cent more than its lines
    ///   (for the totals-held path); 0: none.
    public init(id: String = "scripted", count: Int, seed: UInt64 = 1, pageSize: Int = 100,
                sellerID: SellerID = "A1SCRIPTEDSELLER", marketplaceID: MarketplaceID = "ATVPDKIKX0DER", misreportEvery: Int = 0) {
        self.id = id
        self.pageSize = pageSize
        var script = Self.makeScript(count: count, seed: seed, sellerID: sellerID, marketplaceID: marketplaceID)
        if misreportEvery > 0 {
            for index in script.indices {
                guard let number = Int(script[index].amazonOrderID.rawValue.split(separator: "-")[1]), number % misreportEvery == misreportEvery - 1,
                    let total = script[index].orderTotal
                else { continue }
                script[index].orderTotal = Money(total.amount + Decimal(string: "0.01")!, total.currencyCode)
            }
        }
        self.script = script
        // Built once: order() and confirmShipment() look orders up on every call.
        self.finalOrders = script.reduce(into: [:]) { $0[$1.amazonOrderID] = $1 }
        self.confirmations = Confirmations()
    }

    /// Every order that reached a given status at some point.
    public func orders(thatReached status: AmazonOrderStatus) -> Set<AmazonOrderID> {
        Set(script.filter { $0.status == status }.map(\.amazonOrderID))
    }

    public func changes(after checkpoint: SyncCheckpoint?) async throws -> OrderPage {
        let start = checkpoint.flatMap { Int($0.value) } ?? 0
        let end = min(script.count, start + pageSize)
        return OrderPage(orders: Array(script[min(start, end)..<end]), checkpoint: SyncCheckpoint(String(end)), hasMore: end < script.count)
    }

    public func order(_ id: AmazonOrderID) async throws -> ChannelOrder? { finalOrders[id] }

    public func confirmShipment(_ shipment: Shipment, of order: ChannelOrder) async throws {
        guard let scripted = finalOrders[order.amazonOrderID] else {
            throw ScriptedRefusal(message: "InvalidInput: unknown order \(order.amazonOrderID)")
        }
        for (item, quantity) in shipment.quantities {
            guard let line = scripted.line(item), quantity <= line.quantityOrdered else {
                throw ScriptedRefusal(message: "InvalidInput: order item \(item) cannot ship \(quantity)")
            }
        }
        confirmations.add(shipment.id)
    }

    /// Shipments this source has confirmed (in this process).
    public var confirmedShipments: [ShipmentID] { confirmations.all }

    final class Confirmations: Sendable {
        private let state = Mutex<[ShipmentID]>([])
        func add(_ id: ShipmentID) { state.withLock { $0.append(id) } }
        var all: [ShipmentID] { state.withLock { $0 } }
    }

    static func makeScript(count: Int, seed: UInt64, sellerID: SellerID, marketplaceID: MarketplaceID) -> [ChannelOrder] {
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        var timed: [(Date, Int, ChannelOrder)] = []
        for index in 0..<count {
            var random = SeededRandom(seed: seed &* 1_000_003 &+ UInt64(index))
            let isFBA = random.next(below: 100) < 30
            let purchased = start.addingTimeInterval(Double(index) * 7)
            let lines = (0..<(1 + random.next(below: 3))).map { line in
                let quantity = 1 + random.next(below: 3)
                let cents = Decimal(500 + random.next(below: 9500)) / 100
                return ChannelOrderLine(
                    orderItemID: OrderItemID(String(format: "%014d", index * 10 + line)), sku: "SKU-\(random.next(below: 50))",
                    asin: "B0\(String(format: "%08d", random.next(below: 99_999_999)))", title: "Scripted item \(line + 1)",
                    quantityOrdered: quantity, itemPrice: Money(cents * Decimal(quantity), "USD"),
                    itemTax: Money(cents * Decimal(quantity) / 10, "USD"))
            }
            let id = AmazonOrderID(String(format: "%03d-%07d-%07d", 100 + index % 900, index, Int(seed % 10_000_000)))
            var order = ChannelOrder(
                sellerID: sellerID, marketplaceID: marketplaceID, amazonOrderID: id,
                fulfillmentChannel: isFBA ? .amazon : .merchant, status: .pending, purchaseDate: purchased,
                lastUpdateDate: purchased, lines: lines)
            var steps: [ChannelOrder] = [order]
            func step(_ status: AmazonOrderStatus, after seconds: Double, change: (inout ChannelOrder) -> Void = { _ in }) {
                order.status = status
                order.lastUpdateDate = order.lastUpdateDate.addingTimeInterval(seconds)
                change(&order)
                steps.append(order)
            }
            let fate = random.next(below: 100)
            if fate < 5 {
                step(.canceled, after: 60)  // never verified
            } else {
                step(.unshipped, after: 60) { order in
                    order.buyer = Buyer(name: "Buyer \(index % 100)", email: "buyer\(index % 100)@marketplace.amazon.com")
                    order.shippingAddress = PostalAddress(name: "Buyer \(index % 100)", addressLines: ["\(index) Main St"],
                                                          city: "Seattle", stateOrRegion: "WA", postalCode: "98101", countryCode: "US")
                    // Amazon's grand total: every line's price and tax.
                    order.orderTotal = order.lines.flatMap { [$0.itemPrice, $0.itemTax].compactMap { $0 } }.reduce(Money.zero("USD"), +)
                }
                if fate < 15 {
                    step(.canceled, after: 600)
                } else if fate < 22 {
                    step(.unshipped, after: 300) { $0.buyerCancellationRequest = BuyerCancellationRequest(reason: "Found cheaper somewhere else.") }
                }
                if isFBA && fate >= 15 {
                    step(.shipped, after: 3600) { order in
                        for i in order.lines.indices { order.lines[i].quantityShipped = order.lines[i].quantityOrdered }
                    }
                }
            }
            for (position, snapshot) in steps.enumerated() { timed.append((snapshot.lastUpdateDate, index * 10 + position, snapshot)) }
        }
        return timed.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
    }
}

/// The scripted channel refused a shipment for good (like Amazon's 400).
public struct ScriptedRefusal: Error, PermanentFailure, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// SplitMix64: a small seeded generator, the same on every platform.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

extension ScriptedOrderSource {
    public static let descriptor = PluginDescriptor(
        name: "scripted", kind: .source, summary: "A seeded script of orders moving through Amazon's statuses (no Amazon needed)",
        keys: [
            .init("id", "string", default: "scripted", "Checkpoint name of this source"),
            .init("orders", "integer", default: "200", "How many orders the script holds"),
            .init("seed", "integer", default: "1", "Seed of the script; the same seed gives the same orders"),
            .init("pageSize", "integer", default: "100", "Snapshots per page, like one searchOrders page"),
            .init("misreportEvery", "integer", default: "0", "Every N-th order reports a grand total a cent more than its lines (0: none)"),
        ])

    /// Registers the `scripted` source.
    public static func register(in registry: inout PluginRegistry) {
        registry.registerSource(descriptor) { section, _ in
            ScriptedOrderSource(
                id: try section.string("id") ?? "scripted",
                count: try section.int("orders", default: 200, in: 0...1_000_000),
                seed: UInt64(try section.int("seed", default: 1, in: 0...Int(Int32.max))),
                pageSize: try section.int("pageSize", default: 100, in: 1...10_000),
                misreportEvery: try section.int("misreportEvery", default: 0, in: 0...1_000_000))
        }
    }
}
