import Foundation

/// A lifecycle event worth telling the merchant about, delivered to every ``Notifier``.
///
/// Most events are about one order; a few are about a source (``Kind/authorizationFailed``,
/// ``Kind/sourceStopped``): those carry ``sourceID`` and no order. Carries ids and statuses only:
/// no buyer name, email or address, no secret.
public struct MerchantEvent: Hashable, Codable, Sendable {
    public var kind: Kind
    /// The order the event is about; `nil` for an event about a source.
    public var amazonOrderID: AmazonOrderID?
    public var marketplaceID: MarketplaceID?
    public var fulfillmentChannel: FulfillmentChannel?
    /// The source the event is about (events about a source).
    public var sourceID: String?
    public var commerceOrderNumber: CommerceOrderNumber?
    /// A short detail, such as the shipment id or the sink name.
    public var detail: String?
    public var message: String
    public var occurredAt: Date

    /// An event about one order.
    public init(
        kind: Kind, amazonOrderID: AmazonOrderID, marketplaceID: MarketplaceID,
        fulfillmentChannel: FulfillmentChannel, commerceOrderNumber: CommerceOrderNumber?,
        detail: String?, message: String, occurredAt: Date
    ) {
        self.kind = kind
        self.amazonOrderID = amazonOrderID
        self.marketplaceID = marketplaceID
        self.fulfillmentChannel = fulfillmentChannel
        self.sourceID = nil
        self.commerceOrderNumber = commerceOrderNumber
        self.detail = detail
        self.message = message
        self.occurredAt = occurredAt
    }

    /// An event about a source (it stopped, its authorisation failed).
    public init(kind: Kind, sourceID: String, detail: String?, message: String, occurredAt: Date) {
        self.kind = kind
        self.sourceID = sourceID
        self.detail = detail
        self.message = message
        self.occurredAt = occurredAt
    }

    /// What the event is about, for logs and idempotency keys: the order id, or the source id.
    public var subject: String { amazonOrderID?.rawValue ?? sourceID ?? "-" }

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
        /// The order's charges do not add up to Amazon's grand total: it waits for a correction or
        /// for the merchant to accept its money (`orders accept-totals`).
        case totalsHeld = "totals-held"
        /// Amazon no longer accepts the source's credentials (LWA `invalid_grant`: the seller must
        /// authorise the app again; `invalid_client`: the client secret changed). The source stopped.
        case authorizationFailed = "authorization-failed"
        /// The source stopped for another reason a person must look at.
        case sourceStopped = "source-stopped"
    }
}
