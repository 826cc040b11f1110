import Foundation

/// One category of money on an order line or an order, as Amazon breaks proceeds down
/// (`ItemProceedsBreakdown`, `OrderProceedsBreakdown`): `ITEM`, `SHIPPING`, `GIFT_WRAP`,
/// `COD_FEE`, `OTHER`, `TAX`, `DISCOUNT` (negative, as Amazon sends it), `DELIVERY_TIP` (order
/// level only). A type Amazon adds later is kept under its own name, never dropped.
public struct Charge: Hashable, Codable, Sendable {
    public var type: String
    public var amount: Money
    /// Amazon's finer breakdown of a `TAX` or `DISCOUNT` (by what it applies to: `ITEM`,
    /// `SHIPPING`, `GIFT_WRAP`, …), when it sends one.
    public var details: [ChargeDetail]?
    /// For a charge processed after checkout (`DELIVERY_TIP`): `PENDING` or `FINALIZED`.
    public var status: String?

    public init(type: String, amount: Money, details: [ChargeDetail]? = nil, status: String? = nil) {
        self.type = type
        self.amount = amount
        self.details = details
        self.status = status
    }

    /// The documented categories.
    public static let item = "ITEM", shipping = "SHIPPING", giftWrap = "GIFT_WRAP", codFee = "COD_FEE", other = "OTHER"
    public static let tax = "TAX", discount = "DISCOUNT", deliveryTip = "DELIVERY_TIP"

    /// The part of this charge that applies to `subtype` (its detail), or all of it when Amazon
    /// sent no details and `subtype` is `ITEM`.
    public func part(_ subtype: String) -> Decimal {
        guard let details, !details.isEmpty else { return subtype == Self.item ? amount.amount : 0 }
        return details.filter { $0.subtype == subtype }.reduce(0) { $0 + $1.amount.amount }
    }
}

/// A part of a ``Charge``: what it applies to, and how much.
public struct ChargeDetail: Hashable, Codable, Sendable {
    public var subtype: String
    public var amount: Money
    public init(subtype: String, amount: Money) {
        self.subtype = subtype
        self.amount = amount
    }
}
