import Foundation

/// A lifecycle event worth telling the merchant about, delivered to every ``Notifier``.
///
/// Carries ids and statuses only: no buyer name, email or address.
public struct MerchantEvent: Hashable, Codable, Sendable {
    public var kind: Kind
    public var amazonOrderID: AmazonOrderID
    public var marketplaceID: MarketplaceID
    public var fulfillmentChannel: FulfillmentChannel
    public var commerceOrderNumber: CommerceOrderNumber?
    /// A short detail, such as the shipment id or the sink name.
    public var detail: String?
    public var message: String
    public var occurredAt: Date

    public init(
        kind: Kind, amazonOrderID: AmazonOrderID, marketplaceID: MarketplaceID,
        fulfillmentChannel: FulfillmentChannel, commerceOrderNumber: CommerceOrderNumber?,
        detail: String?, message: String, occurredAt: Date
    ) {
        self.kind = kind
        self.amazonOrderID = amazonOrderID
        self.marketplaceID = marketplaceID
        self.fulfillmentChannel = fulfillmentChannel
        self.commerceOrderNumber = commerceOrderNumber
        self.detail = detail
        self.message = message
        self.occurredAt = occurredAt
    }

    /// The kinds of merchant-facing events.
    public enum Kind: String, Hashable, Codable, Sendable, CaseIterable {
        case orderImported = "order-imported"
        case commerceOrderCreated = "commerce-order-created"
        case handoffFailed = "handoff-failed"
        case shipmentConfirmed = "shipment-confirmed"
        case shipmentRefused = "shipment-refused"
        case canceled = "canceled"
        case buyerRequestedCancellation = "buyer-requested-cancellation"
        case deadLettered = "dead-lettered"
    }
}
