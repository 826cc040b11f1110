import Foundation

/// A customer account in the commerce system.
public struct Customer: Hashable, Codable, Sendable {
    public var id: CustomerID
    public var email: String
    public var name: String?
    public var createdAt: Date

    public init(id: CustomerID, email: String, name: String?, createdAt: Date) {
        self.id = id
        self.email = email
        self.name = name
        self.createdAt = createdAt
    }

    /// The form emails are compared in: trimmed and lower-cased.
    public static func normalizedEmail(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}

/// What a customer account needs to be created from an order.
public struct CustomerDraft: Hashable, Codable, Sendable {
    public var email: String
    public var name: String?
    public var marketplaceID: MarketplaceID

    public init(email: String, name: String?, marketplaceID: MarketplaceID) {
        self.email = email
        self.name = name
        self.marketplaceID = marketplaceID
    }
}

/// Who an order belongs to in the commerce system.
public enum CustomerAssignment: Hashable, Codable, Sendable {
    /// Guest checkout: no account (Adobe's "No Customer Creation (guest)").
    case guest
    /// An existing or newly created customer account.
    case account(CustomerID)

    /// `guest` or `account`, as the `orders --json` interface spells it.
    public var kind: String {
        switch self {
        case .guest: "guest"
        case .account: "account"
        }
    }

    public var customerID: CustomerID? {
        if case .account(let id) = self { return id }
        return nil
    }
}
