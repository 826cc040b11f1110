import Foundation
import SalesChannel

/// The contract of ``CommerceBackend``, as checks any backend must pass (each on a fresh one).
public struct CommerceBackendConformance: Sendable {
    public let makeBackend: @Sendable () async throws -> any CommerceBackend

    public init(makeBackend: @escaping @Sendable () async throws -> any CommerceBackend) {
        self.makeBackend = makeBackend
    }

    public func run() async throws {
        try await createOrderIsIdempotent()
        try await requestedNumbers()
        try await oneCustomerPerEmailUnderConcurrency()
        try await shipmentsAndStatus()
        try await everyAmountIsKept()
    }

    static func draft(_ id: String, number: CommerceOrderNumber? = nil) -> CommerceOrderDraft {
        let usd = { (text: String) in Money(Decimal(string: text)!, "USD") }
        return CommerceOrderDraft(
            amazonOrderID: AmazonOrderID(id), requestedNumber: number, status: .pending,
            lines: [CommerceOrderLine(orderItemID: "I1", sku: "SKU", title: "Item", quantity: 3, rowTotal: usd("29.97"), tax: usd("2.70"),
                                      unitPrice: usd("9.99"), discount: usd("-3.00"))],
            subtotal: usd("29.97"), tax: usd("3.21"), grandTotal: usd("38.17"),  // 29.97 + 4.99 + 2.99 + 0.01 - 3.00 + 3.21
            charges: CommerceCharges(shipping: usd("4.99"), shippingTax: usd("0.51"), giftWrap: usd("2.99"), codFee: usd("0"),
                                     other: usd("0.01"), discount: usd("-3.00")),
            customer: .guest, affectsInventory: true, shippingAddress: nil)
    }

    func createOrderIsIdempotent() async throws {
        let check = "createOrder is idempotent per Amazon order"
        let backend = try await makeBackend()
        let results = try await withThrowingTaskGroup(of: CommerceOrder.self) { group in
            for _ in 0..<8 { group.addTask { try await backend.createOrder(Self.draft("A")) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try require(Set(results.map(\.number)).count == 1, check, "concurrent creates gave numbers \(Set(results.map(\.number)))")
        let other = try await backend.createOrder(Self.draft("B"))
        try require(other.number != results[0].number, check, "two Amazon orders share number \(other.number)")
        try require(try await backend.order(for: "A")?.number == results[0].number, check, "order(for:) does not find A")
        try require(try await backend.order(for: "Z") == nil, check, "order(for:) finds an order never created")
    }

    func requestedNumbers() async throws {
        let check = "a requested number is used as given"
        let backend = try await makeBackend()
        let order = try await backend.createOrder(Self.draft("111-2223334-5556667", number: "111-2223334-5556667"))
        try require(order.number == "111-2223334-5556667", check, "number is \(order.number)")
    }

    func oneCustomerPerEmailUnderConcurrency() async throws {
        let check = "createCustomer is find-or-create by normalised email"
        let backend = try await makeBackend()
        let ids = try await withThrowingTaskGroup(of: CustomerID.self) { group in
            for index in 0..<10 {
                let email = index % 2 == 0 ? "Buyer@Marketplace.Amazon.com" : " buyer@marketplace.amazon.com "
                group.addTask { try await backend.createCustomer(CustomerDraft(email: email, name: "B", marketplaceID: "M")).id }
            }
            return try await group.reduce(into: Set<CustomerID>()) { $0.insert($1) }
        }
        try require(ids.count == 1, check, "\(ids.count) customers for one buyer")
        try require(try await backend.customer(withEmail: "BUYER@marketplace.amazon.com")?.id == ids.first, check, "lookup by email fails")
    }

    func everyAmountIsKept() async throws {
        let check = "a commerce order keeps every amount of its draft"
        let backend = try await makeBackend()
        let draft = Self.draft("M")
        _ = try await backend.createOrder(draft)
        let stored = try await backend.order(for: "M")
        let line = stored?.lines.first
        try require(line?.unitPrice == draft.lines[0].unitPrice && line?.rowTotal == draft.lines[0].rowTotal
                        && line?.tax == draft.lines[0].tax && line?.discount == draft.lines[0].discount,
                    check, "the line's unit price, row total, tax or discount changed: \(String(describing: line))")
        try require(stored?.subtotal == draft.subtotal && stored?.tax == draft.tax && stored?.grandTotal == draft.grandTotal,
                    check, "subtotal, tax or grand total changed")
        try require(stored?.charges == draft.charges, check, "shipping, shipping tax, gift wrap, fees or discount changed: \(String(describing: stored?.charges))")
    }

    func shipmentsAndStatus() async throws {
        let check = "shipments are idempotent and statuses stick"
        let backend = try await makeBackend()
        let order = try await backend.createOrder(Self.draft("A"))
        try await backend.recordShipment("S1", quantities: ["I1": 2], on: order.number)
        try await backend.recordShipment("S1", quantities: ["I1": 2], on: order.number)
        let shipped = try await backend.order(for: "A")?.lines.first?.quantityShipped
        try require(shipped == 2, check, "quantity shipped is \(String(describing: shipped)) after the same shipment twice")
        try await backend.setStatus(.complete, of: order.number)
        try require(try await backend.order(for: "A")?.status == .complete, check, "status did not change")
    }
}
