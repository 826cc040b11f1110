/// The host's commerce system: where commerce orders and customers live.
///
/// The embedded default keeps them in SQLite; a host app supplies its own to write into its
/// shop. Contract:
/// - ``createOrder(_:)`` is idempotent per Amazon order: a second call for the same
///   `amazonOrderID` returns the order created by the first and creates nothing.
/// - ``createCustomer(_:)`` is find-or-create by normalised email: concurrent calls for the same
///   email return one customer.
/// - Status changes and shipment quantities are idempotent: applying the same one twice leaves
///   the order as applying it once.
public protocol CommerceBackend: Sendable {
    /// Creates the commerce order for an Amazon order, or returns the one that exists.
    func createOrder(_ draft: CommerceOrderDraft) async throws -> CommerceOrder

    /// The commerce order created for an Amazon order, if any.
    func order(for amazonOrderID: AmazonOrderID) async throws -> CommerceOrder?

    /// Sets an order's status (`complete`, `canceled`, …).
    func setStatus(_ status: CommerceOrderStatus, of number: CommerceOrderNumber) async throws

    /// Records shipped quantities on an order's lines; `shipmentID` makes the call idempotent.
    func recordShipment(_ shipmentID: ShipmentID, quantities: [OrderItemID: Int], on number: CommerceOrderNumber) async throws

    /// The customer with this email (compared normalised), if any.
    func customer(withEmail email: String) async throws -> Customer?

    /// Finds the customer with the draft's email or creates one.
    func createCustomer(_ draft: CustomerDraft) async throws -> Customer
}
