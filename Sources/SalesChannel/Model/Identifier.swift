/// A typed identifier: a string that cannot be mistaken for an identifier of another kind.
///
/// `AmazonOrderID`, `OrderItemID` and the others are all `Identifier`s with a different tag, so
/// the compiler refuses to pass an order-item id where an order id is expected.
public struct Identifier<Tag>: RawRepresentable, Hashable, Comparable, Codable, Sendable,
    ExpressibleByStringLiteral, CustomStringConvertible
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

public enum SellerTag {}
public enum MarketplaceTag {}
public enum AmazonOrderTag {}
public enum OrderItemTag {}
public enum CommerceOrderTag {}
public enum CustomerTag {}
public enum ShipmentTag {}

/// The selling partner (seller) id of an Amazon account.
public typealias SellerID = Identifier<SellerTag>
/// An Amazon marketplace id, for example `ATVPDKIKX0DER` (amazon.com).
public typealias MarketplaceID = Identifier<MarketplaceTag>
/// An Amazon order id, `3-7-7` digits such as `902-1845936-5435065`.
public typealias AmazonOrderID = Identifier<AmazonOrderTag>
/// Amazon's id of one line of an order; shipments are confirmed per order item.
public typealias OrderItemID = Identifier<OrderItemTag>
/// The number of an order in the merchant's commerce system.
public typealias CommerceOrderNumber = Identifier<CommerceOrderTag>
/// A customer account in the merchant's commerce system.
public typealias CustomerID = Identifier<CustomerTag>
/// A shipment recorded by the merchant (one or more packages).
public typealias ShipmentID = Identifier<ShipmentTag>
