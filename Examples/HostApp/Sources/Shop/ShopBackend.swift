import Foundation
import SalesChannel

/// The host app's own commerce system. Here it is a small in-memory shop; a real host writes to
/// its database in these methods. What SalesChannel asks of it (the `CommerceBackend` contract):
/// creating an order is idempotent per Amazon order, creating a customer is find-or-create by
/// normalised email, and status changes and shipments can be applied twice harmlessly.
public actor ShopBackend: CommerceBackend {
    public private(set) var orders: [CommerceOrder] = []
    public private(set) var customers: [Customer] = []
    private var shipments: Set<ShipmentID> = []
    private var nextNumber = 1001

    public init() {}

    public func createOrder(_ draft: CommerceOrderDraft) async throws -> CommerceOrder {
        if let existing = orders.first(where: { $0.amazonOrderID == draft.amazonOrderID }) { return existing }
        let number = draft.requestedNumber ?? CommerceOrderNumber("SHOP-\(nextNumber)")
        nextNumber += 1
        let order = CommerceOrder(number: number, draft: draft, createdAt: Date())
        orders.append(order)
        return order
    }

    public func order(for amazonOrderID: AmazonOrderID) async throws -> CommerceOrder? {
        orders.first { $0.amazonOrderID == amazonOrderID }
    }

    public func setStatus(_ status: CommerceOrderStatus, of number: CommerceOrderNumber) async throws {
        try modify(number) { $0.status = status }
    }

    public func recordShipment(_ shipmentID: ShipmentID, quantities: [OrderItemID: Int], on number: CommerceOrderNumber) async throws {
        guard shipments.insert(shipmentID).inserted else { return }
        try modify(number) { order in
            for index in order.lines.indices {
                let line = order.lines[index]
                order.lines[index].quantityShipped = min(line.quantity, line.quantityShipped + (quantities[line.orderItemID] ?? 0))
            }
        }
    }

    public func customer(withEmail email: String) async throws -> Customer? {
        customers.first { Customer.normalizedEmail($0.email) == Customer.normalizedEmail(email) }
    }

    public func createCustomer(_ draft: CustomerDraft) async throws -> Customer {
        if let existing = try await customer(withEmail: draft.email) { return existing }
        let customer = Customer(id: CustomerID("CUST-\(customers.count + 1)"), email: draft.email, name: draft.name, createdAt: Date())
        customers.append(customer)
        return customer
    }

    private func modify(_ number: CommerceOrderNumber, _ change: (inout CommerceOrder) -> Void) throws {
        guard let index = orders.firstIndex(where: { $0.number == number }) else {
            throw ShopError(message: "no shop order \(number)")
        }
        change(&orders[index])
    }
}

struct ShopError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
