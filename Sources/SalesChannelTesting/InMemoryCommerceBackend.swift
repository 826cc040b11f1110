import Foundation
import SalesChannel
import Synchronization

/// A ``CommerceBackend`` in memory that keeps the contract: one order per Amazon order, one
/// customer per normalised email, idempotent shipments.
public final class InMemoryCommerceBackend: CommerceBackend {
    private let state = Mutex(State())
    struct State {
        var orders: [AmazonOrderID: CommerceOrder] = [:]
        var customers: [String: Customer] = [:]
        var shipments: Set<String> = []
        var nextNumber = 1
        /// Calls to ``createOrder(_:)``, including repeats.
        var createCalls = 0
    }

    public init() {}

    /// Every commerce order.
    public var orders: [CommerceOrder] { state.withLock { Array($0.orders.values) } }
    /// Every customer.
    public var customers: [Customer] { state.withLock { Array($0.customers.values) } }
    /// How often ``createOrder(_:)`` was called (repeats included).
    public var createOrderCalls: Int { state.withLock { $0.createCalls } }

    public func createOrder(_ draft: CommerceOrderDraft) async throws -> CommerceOrder {
        state.withLock { state in
            state.createCalls += 1
            if let existing = state.orders[draft.amazonOrderID] { return existing }
            let number = draft.requestedNumber ?? CommerceOrderNumber(String(format: "%09d", state.nextNumber))
            if draft.requestedNumber == nil { state.nextNumber += 1 }
            let order = CommerceOrder(number: number, draft: draft, createdAt: Date())
            state.orders[draft.amazonOrderID] = order
            return order
        }
    }

    public func order(for amazonOrderID: AmazonOrderID) async throws -> CommerceOrder? {
        state.withLock { $0.orders[amazonOrderID] }
    }

    public func setStatus(_ status: CommerceOrderStatus, of number: CommerceOrderNumber) async throws {
        try state.withLock { state in
            guard let key = state.orders.first(where: { $0.value.number == number })?.key else {
                throw StoreError(.orderNotFound, "no commerce order \(number)")
            }
            state.orders[key]?.status = status
        }
    }

    public func recordShipment(_ shipmentID: ShipmentID, quantities: [OrderItemID: Int], on number: CommerceOrderNumber) async throws {
        try state.withLock { state in
            guard let key = state.orders.first(where: { $0.value.number == number })?.key, var order = state.orders[key] else {
                throw StoreError(.orderNotFound, "no commerce order \(number)")
            }
            guard state.shipments.insert("\(number)/\(shipmentID)").inserted else { return }
            for index in order.lines.indices {
                order.lines[index].quantityShipped = min(order.lines[index].quantity,
                    order.lines[index].quantityShipped + (quantities[order.lines[index].orderItemID] ?? 0))
            }
            state.orders[key] = order
        }
    }

    public func customer(withEmail email: String) async throws -> Customer? {
        state.withLock { $0.customers[Customer.normalizedEmail(email)] }
    }

    public func createCustomer(_ draft: CustomerDraft) async throws -> Customer {
        state.withLock { state in
            let key = Customer.normalizedEmail(draft.email)
            if let existing = state.customers[key] { return existing }
            let customer = Customer(id: CustomerID("C\(state.customers.count + 1)"), email: draft.email, name: draft.name, createdAt: Date())
            state.customers[key] = customer
            return customer
        }
    }
}
