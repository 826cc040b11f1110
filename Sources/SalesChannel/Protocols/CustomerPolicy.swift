/// Decides who the buyer of an order is in the commerce system (MFN step 4).
///
/// Contract:
/// - Called once per order from the outbox, before the commerce order is created, and again
///   only if the previous call did not complete; it must be idempotent: calling it twice for
///   the same order returns the same assignment and creates at most one customer.
/// - The same buyer across many orders, even imported concurrently, must yield one customer:
///   rely on ``CommerceBackend/createCustomer(_:)`` being find-or-create.
/// - Buyer emails from Amazon are anonymised relay addresses, one per buyer and marketplace.
public protocol CustomerPolicy: Sendable {
    /// The customer assignment for this order.
    func customer(for order: ChannelOrder, in backend: any CommerceBackend) async throws -> CustomerAssignment
}
