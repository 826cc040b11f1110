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

    // Encoded as `{"kind":"guest"}` or `{"kind":"account","customerID":"C0000001"}` (the shape
    // the handoff schema documents). Records written before 1.0 used Swift's synthesized shape
    // (`{"guest":{}}`, `{"account":{"_0":"…"}}`), which is still read.
    enum CodingKeys: String, CodingKey { case kind, customerID, guest, account }
    enum LegacyKeys: String, CodingKey { case _0 }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let kind = try container.decodeIfPresent(String.self, forKey: .kind) {
            switch kind {
            case "guest": self = .guest
            case "account": self = .account(try container.decode(CustomerID.self, forKey: .customerID))
            default:
                throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown customer kind \(kind)")
            }
        } else if container.contains(.account) {
            let legacy = try container.nestedContainer(keyedBy: LegacyKeys.self, forKey: .account)
            self = .account(try legacy.decode(CustomerID.self, forKey: ._0))
        } else if container.contains(.guest) {
            self = .guest
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "no customer kind"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        if let customerID { try container.encode(customerID, forKey: .customerID) }
    }
}
