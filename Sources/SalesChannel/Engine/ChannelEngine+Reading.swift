import Foundation
import Logging

extension ChannelEngine {
    /// An engine that only reads `store`: the listings, one order, jobs and statistics. It needs
    /// no commerce backend, source or secret (the read-only commands open the store alone);
    /// every effect or write it is asked for fails with ``EngineError/Code/readOnly``.
    public static func reading(_ store: any ChannelStore, logger: Logger = Logger(label: "saleschannel.engine")) -> ChannelEngine {
        ChannelEngine(Composition(store: store, backend: ReadOnlyParts(), sources: [], customerPolicy: ReadOnlyParts()), logger: logger)
    }
}

/// The plugins of a reading engine: every call is refused.
struct ReadOnlyParts: CommerceBackend, CustomerPolicy {
    func refuse() -> EngineError { EngineError(.readOnly, "this engine only reads the store") }
    func createOrder(_ draft: CommerceOrderDraft) async throws -> CommerceOrder { throw refuse() }
    func order(for amazonOrderID: AmazonOrderID) async throws -> CommerceOrder? { throw refuse() }
    func setStatus(_ status: CommerceOrderStatus, of number: CommerceOrderNumber) async throws { throw refuse() }
    func recordShipment(_ shipmentID: ShipmentID, quantities: [OrderItemID: Int], on number: CommerceOrderNumber) async throws { throw refuse() }
    func customer(withEmail email: String) async throws -> Customer? { throw refuse() }
    func createCustomer(_ draft: CustomerDraft) async throws -> Customer { throw refuse() }
    func customer(for order: ChannelOrder, in backend: any CommerceBackend) async throws -> CustomerAssignment { throw refuse() }
}
