import SalesChannel

/// Attaches an order to the merchant's existing customer with the buyer's email (compared
/// normalised: trimmed, lower-cased), and leaves it guest when there is none. Creates nothing.
///
/// Amazon's buyer emails are anonymised relay addresses (`…@marketplace.amazon.com`), one per
/// buyer and marketplace: they match only accounts created from earlier Amazon orders of the same
/// buyer in the same marketplace, never the buyer's own address in the merchant's shop.
public struct MatchExistingPolicy: CustomerPolicy {
    public init() {}
    public func customer(for order: ChannelOrder, in backend: any CommerceBackend) async throws -> CustomerAssignment {
        guard let email = order.buyer?.email, !email.isEmpty else { return .guest }
        return try await backend.customer(withEmail: email).map { .account($0.id) } ?? .guest
    }
}

/// Every order goes to one predefined customer account (for example a "Amazon marketplace"
/// customer the merchant's accounting books all channel sales against).
public struct PredefinedCustomerPolicy: CustomerPolicy {
    public let customerID: CustomerID
    public init(customerID: CustomerID) { self.customerID = customerID }
    public func customer(for order: ChannelOrder, in backend: any CommerceBackend) async throws -> CustomerAssignment {
        .account(customerID)
    }
}
