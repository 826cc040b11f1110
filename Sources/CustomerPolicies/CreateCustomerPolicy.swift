import SalesChannel

/// Adobe's "Build New Customer Account": the buyer's account is found by email or created from
/// the order. Orders without a buyer email (Amazon withholds it in some cases) stay guest.
public struct CreateCustomerPolicy: CustomerPolicy {
    public init() {}
    public func customer(for order: ChannelOrder, in backend: any CommerceBackend) async throws -> CustomerAssignment {
        guard let email = order.buyer?.email, !email.isEmpty else { return .guest }
        let customer = try await backend.createCustomer(
            CustomerDraft(email: email, name: order.buyer?.name, marketplaceID: order.marketplaceID))
        return .account(customer.id)
    }
}
