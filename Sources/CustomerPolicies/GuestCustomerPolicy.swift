import SalesChannel

/// Adobe's "No Customer Creation (guest)", the default: every order follows guest checkout.
public struct GuestCustomerPolicy: CustomerPolicy {
    public init() {}
    public func customer(for order: ChannelOrder, in backend: any CommerceBackend) async throws -> CustomerAssignment {
        .guest
    }
}
