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
    public var subtotal: Money?
    public var tax: Money?
    public var grandTotal: Money?
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
}

/// One line of a commerce order.
public struct CommerceOrderLine: Hashable, Codable, Sendable {
    public var orderItemID: OrderItemID
    public var sku: String
    public var title: String
    public var quantity: Int
    public var quantityShipped: Int
    public var rowTotal: Money?
    public var tax: Money?

    public init(
        orderItemID: OrderItemID, sku: String, title: String, quantity: Int, quantityShipped: Int = 0,
        rowTotal: Money? = nil, tax: Money? = nil
    ) {
        self.orderItemID = orderItemID
        self.sku = sku
        self.title = title
        self.quantity = quantity
        self.quantityShipped = quantityShipped
        self.rowTotal = rowTotal
        self.tax = tax
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
    public var subtotal: Money?
    public var tax: Money?
    public var grandTotal: Money?
    public var customer: CustomerAssignment
    public var affectsInventory: Bool
    public var shippingAddress: PostalAddress?

    public init(
        amazonOrderID: AmazonOrderID, requestedNumber: CommerceOrderNumber?, status: CommerceOrderStatus,
        lines: [CommerceOrderLine], subtotal: Money?, tax: Money?, grandTotal: Money?,
        customer: CustomerAssignment, affectsInventory: Bool, shippingAddress: PostalAddress?
    ) {
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
