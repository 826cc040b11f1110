import Foundation

/// The status of an order in the commerce system.
///
/// A struct rather than an enum so that hosts can use their own custom statuses (Adobe's
/// "Custom Order Status"), while the statuses the workflow sets itself are named constants.
public struct CommerceOrderStatus: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    /// The commerce system's default status for new orders.
    public static let pending = CommerceOrderStatus(rawValue: "pending")
    public static let processing = CommerceOrderStatus(rawValue: "processing")
    public static let complete = CommerceOrderStatus(rawValue: "complete")
    public static let canceled = CommerceOrderStatus(rawValue: "canceled")

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// An order in the merchant's commerce system, created from a channel order.
public struct CommerceOrder: Hashable, Codable, Sendable {
    public var number: CommerceOrderNumber
    /// The Amazon order it was created from; at most one commerce order exists per Amazon order.
    public var amazonOrderID: AmazonOrderID
    public var status: CommerceOrderStatus
    public var lines: [CommerceOrderLine]
    /// The lines' item amounts (unit price × quantity), before tax and discounts.
    public var subtotal: Money?
    /// All tax: the lines', shipping's and gift wrap's.
    public var tax: Money?
    public var grandTotal: Money?
    /// Order-level amounts (see ``CommerceOrderDraft``).
    public var charges: CommerceCharges?
    public var customer: CustomerAssignment
    /// False for FBA orders: Amazon holds that stock, so the merchant's inventory is untouched.
    public var affectsInventory: Bool
    public var createdAt: Date

    public init(
        number: CommerceOrderNumber, amazonOrderID: AmazonOrderID, status: CommerceOrderStatus,
        lines: [CommerceOrderLine], subtotal: Money?, tax: Money?, grandTotal: Money?,
        customer: CustomerAssignment, affectsInventory: Bool, createdAt: Date
    ) {
        self.number = number
        self.amazonOrderID = amazonOrderID
        self.status = status
        self.lines = lines
        self.subtotal = subtotal
        self.tax = tax
        self.grandTotal = grandTotal
        self.customer = customer
        self.affectsInventory = affectsInventory
        self.createdAt = createdAt
    }

    /// The commerce order a backend creates from a draft: every amount of the draft kept.
    public init(number: CommerceOrderNumber, draft: CommerceOrderDraft, createdAt: Date) {
        self.init(
            number: number, amazonOrderID: draft.amazonOrderID, status: draft.status, lines: draft.lines, subtotal: draft.subtotal,
            tax: draft.tax, grandTotal: draft.grandTotal, customer: draft.customer, affectsInventory: draft.affectsInventory, createdAt: createdAt)
        self.charges = draft.charges
    }
}

/// A commerce order's amounts beyond its lines, each in the order's currency: shipping and its
/// tax, gift wrap, cash-on-delivery fee, other charges, and the discount (negative).
public struct CommerceCharges: Hashable, Codable, Sendable {
    public var shipping: Money
    /// The part of ``CommerceOrder/tax`` that applies to shipping.
    public var shippingTax: Money
    public var giftWrap: Money
    public var codFee: Money
    /// `OTHER` charges and order-level ones (a delivery tip).
    public var other: Money
    /// Every discount, on items and on shipping (negative).
    public var discount: Money

    public init(shipping: Money, shippingTax: Money, giftWrap: Money, codFee: Money, other: Money, discount: Money) {
        self.shipping = shipping
        self.shippingTax = shippingTax
        self.giftWrap = giftWrap
        self.codFee = codFee
        self.other = other
        self.discount = discount
    }
}

/// One line of a commerce order.
public struct CommerceOrderLine: Hashable, Codable, Sendable {
    public var orderItemID: OrderItemID
    public var sku: String
    public var title: String
    public var quantity: Int
    public var quantityShipped: Int
    /// The line's item amount (unit price × quantity), before tax and discounts: its row subtotal.
    public var rowTotal: Money?
    /// The tax on the item itself.
    public var tax: Money?
    public var unitPrice: Money?
    /// The discount on the item itself (negative).
    public var discount: Money?

    public init(
        orderItemID: OrderItemID, sku: String, title: String, quantity: Int, quantityShipped: Int = 0,
        rowTotal: Money? = nil, tax: Money? = nil, unitPrice: Money? = nil, discount: Money? = nil
    ) {
        self.orderItemID = orderItemID
        self.sku = sku
        self.title = title
        self.quantity = quantity
        self.quantityShipped = quantityShipped
        self.rowTotal = rowTotal
        self.tax = tax
        self.unitPrice = unitPrice
        self.discount = discount
    }
}

/// What the workflow asks the commerce system to create.
public struct CommerceOrderDraft: Hashable, Codable, Sendable {
    public var amazonOrderID: AmazonOrderID
    /// `nil`: the commerce system assigns its next increment number (Adobe's default); otherwise
    /// the number to use (Order Number Source = Amazon order number).
    public var requestedNumber: CommerceOrderNumber?
    public var status: CommerceOrderStatus
    public var lines: [CommerceOrderLine]
    /// The lines' item amounts (unit price × quantity), before tax and discounts.
    public var subtotal: Money?
    /// All tax.
    public var tax: Money?
    /// Amazon's grand total: subtotal + charges' shipping, gift wrap, COD fee, other and discount + tax.
    public var grandTotal: Money?
    /// Order-level amounts; `nil` from a source that sends no breakdown.
    public var charges: CommerceCharges?
    public var customer: CustomerAssignment
    public var affectsInventory: Bool
    public var shippingAddress: PostalAddress?

    public init(
        amazonOrderID: AmazonOrderID, requestedNumber: CommerceOrderNumber?, status: CommerceOrderStatus,
        lines: [CommerceOrderLine], subtotal: Money?, tax: Money?, grandTotal: Money?, charges: CommerceCharges? = nil,
        customer: CustomerAssignment, affectsInventory: Bool, shippingAddress: PostalAddress?
    ) {
        self.charges = charges
        self.amazonOrderID = amazonOrderID
        self.requestedNumber = requestedNumber
        self.status = status
        self.lines = lines
        self.subtotal = subtotal
        self.tax = tax
        self.grandTotal = grandTotal
        self.customer = customer
        self.affectsInventory = affectsInventory
        self.shippingAddress = shippingAddress
    }
}
