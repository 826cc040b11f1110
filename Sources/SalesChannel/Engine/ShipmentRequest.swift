import Foundation

/// A shipment as an adapter receives it (the `ship` command, the HTTP API, an ERP reporting
/// back): what was sent, with which carrier and tracking, and which items. The engine turns it
/// into a ``Shipment`` with its id and package number, checks it against the channel's rules and
/// the workflow's, and records it with its confirmation to Amazon in one transaction.
public struct ShipmentRequest: Hashable, Sendable {
    public var amazonOrderID: AmazonOrderID
    /// Amazon's carrier code (`UPS`, `USPS`, …), or `Other` with ``carrierName``.
    public var carrierCode: String
    public var carrierName: String?
    public var trackingNumber: String
    public var shippingMethod: String?
    /// When the package left; `nil`: now.
    public var shipDate: Date?
    /// The items and quantities; empty: every item not shipped yet.
    public var items: [ShipmentItem]
    /// Ship although the buyer asked Amazon to cancel.
    public var overridingCancellationRequest: Bool

    public init(
        amazonOrderID: AmazonOrderID, carrierCode: String, carrierName: String? = nil, trackingNumber: String,
        shippingMethod: String? = nil, shipDate: Date? = nil, items: [ShipmentItem] = [], overridingCancellationRequest: Bool = false
    ) {
        self.amazonOrderID = amazonOrderID
        self.carrierCode = carrierCode
        self.carrierName = carrierName
        self.trackingNumber = trackingNumber
        self.shippingMethod = shippingMethod
        self.shipDate = shipDate
        self.items = items
        self.overridingCancellationRequest = overridingCancellationRequest
    }

    /// What was typed or pasted, without the spaces around it; empty optional fields dropped.
    var trimmed: ShipmentRequest {
        let trim = { (text: String) in text.trimmingCharacters(in: .whitespacesAndNewlines) }
        var copy = self
        copy.carrierCode = trim(carrierCode)
        copy.carrierName = carrierName.map(trim).flatMap { $0.isEmpty ? nil : $0 }
        copy.trackingNumber = trim(trackingNumber)
        copy.shippingMethod = shippingMethod.map(trim).flatMap { $0.isEmpty ? nil : $0 }
        return copy
    }

    /// The checks that need no stored order.
    func problems() -> String? {
        if carrierCode.isEmpty { return "the carrier is empty: give Amazon's carrier code (UPS, USPS, FedEx, DHL, …), or Other with a carrier name" }
        if carrierCode.caseInsensitiveCompare("Other") == .orderedSame && carrierName == nil { return "carrier Other needs a carrier name" }
        if trackingNumber.isEmpty { return "a tracking number is required" }
        if let bad = items.first(where: { $0.quantity <= 0 }) { return "item \(bad.orderItemID): the quantity must be positive" }
        if Set(items.map(\.orderItemID)).count != items.count { return "an item is listed twice" }
        return nil
    }
}

/// What refreshing one order by id found.
public enum RefreshOutcome: Sendable {
    /// Stored (created or updated) from the source that knows it.
    case stored(OrderRecord, sourceID: String)
    /// A fulfilled-by-Amazon order Amazon has not shipped yet: imported once it ships.
    case waitingForAmazonShipment(AmazonOrderStatus)
}

/// Which effects of an order `replay` runs again.
public enum ReplayableEffect: String, Hashable, Sendable, CaseIterable {
    /// The handoff to every sink.
    case handoff
    /// Every shipment confirmation to Amazon.
    case confirmation
    /// Every notification to the merchant.
    case notify

    func matches(_ effect: Effect) -> Bool {
        switch (self, effect) {
        case (.handoff, .handOff), (.confirmation, .confirmShipment), (.notify, .notify): true
        default: false
        }
    }
}
