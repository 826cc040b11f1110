import Foundation

/// A shipment the merchant made for a merchant-fulfilled order: one or more packages.
public struct Shipment: Hashable, Codable, Sendable {
    public var id: ShipmentID
    public var amazonOrderID: AmazonOrderID
    public var packages: [ShipmentPackage]
    public var recordedAt: Date
    /// Where the confirmation to Amazon stands.
    public var amazonConfirmation: ShipmentConfirmationState
    /// Amazon's refusal (message and request id) when the confirmation failed.
    public var lastError: String?

    public init(
        id: ShipmentID, amazonOrderID: AmazonOrderID, packages: [ShipmentPackage], recordedAt: Date,
        amazonConfirmation: ShipmentConfirmationState = .pending, lastError: String? = nil
    ) {
        self.id = id
        self.amazonOrderID = amazonOrderID
        self.packages = packages
        self.recordedAt = recordedAt
        self.amazonConfirmation = amazonConfirmation
        self.lastError = lastError
    }

    /// Quantities per order item over every package.
    public var quantities: [OrderItemID: Int] {
        var result: [OrderItemID: Int] = [:]
        for package in packages {
            for item in package.items { result[item.orderItemID, default: 0] += item.quantity }
        }
        return result
    }
}

/// One package of a shipment.
public struct ShipmentPackage: Hashable, Codable, Sendable {
    /// Amazon requires a numeric reference, unique within the order.
    public var packageReferenceID: String
    /// Amazon carrier code (for example `UPS`, `USPS`, `DHL`), or `Other` with ``carrierName``.
    public var carrierCode: String
    public var carrierName: String?
    public var shippingMethod: String?
    public var trackingNumber: String
    public var shipDate: Date
    public var items: [ShipmentItem]

    public init(
        packageReferenceID: String, carrierCode: String, carrierName: String? = nil,
        shippingMethod: String? = nil, trackingNumber: String, shipDate: Date, items: [ShipmentItem]
    ) {
        self.packageReferenceID = packageReferenceID
        self.carrierCode = carrierCode
        self.carrierName = carrierName
        self.shippingMethod = shippingMethod
        self.trackingNumber = trackingNumber
        self.shipDate = shipDate
        self.items = items
    }
}

/// An order item and how many of it are in a package.
public struct ShipmentItem: Hashable, Codable, Sendable {
    public var orderItemID: OrderItemID
    public var quantity: Int

    public init(orderItemID: OrderItemID, quantity: Int) {
        self.orderItemID = orderItemID
        self.quantity = quantity
    }
}

/// Where a shipment confirmation to Amazon stands.
public enum ShipmentConfirmationState: String, Hashable, Codable, Sendable {
    case pending
    case confirmed
    case failed
}
