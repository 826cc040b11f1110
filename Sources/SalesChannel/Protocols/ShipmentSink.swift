import Foundation

/// Hands commerce orders to the system that ships them: an ERP, OMS or WMS (MFN step 4).
///
/// Contract:
/// - `handOff` and `cancel` are called from the outbox with an idempotency key that is the same
///   on every retry of the same delivery; the sink (or the system behind it) must treat a
///   repeated key as already delivered, so a crash between delivery and its record never
///   delivers an order twice.
/// - Returning means delivered. Throwing schedules a retry with backoff; throw an error that
///   conforms to ``PermanentFailure`` when retrying cannot help (for example a 4xx answer).
/// - FBA orders are never handed off: Amazon ships them.
public protocol ShipmentSink: Sendable {
    /// Delivers a new order to fulfilment.
    /// - Returns: the receiving system's reference for it, if it gives one.
    func handOff(_ document: HandoffDocument, idempotencyKey: String) async throws -> String?

    /// Tells fulfilment that an order handed off earlier was canceled.
    func cancel(_ document: HandoffDocument, idempotencyKey: String) async throws
}

/// The order as fulfilment sees it: what to ship, to whom, and under which numbers.
///
/// Contains the shipping address (personal data): sinks send it to fulfilment but never log it.
public struct HandoffDocument: Hashable, Codable, Sendable {
    /// Version of this document's shape; bumped on incompatible changes.
    public var schemaVersion: Int = 1
    public var amazonOrderID: AmazonOrderID
    public var marketplaceID: MarketplaceID
    public var sellerID: SellerID
    public var commerceOrderNumber: CommerceOrderNumber?
    public var purchaseDate: Date
    public var customer: CustomerAssignment?
    public var shippingAddress: PostalAddress?
    public var lines: [Line]
    public var orderTotal: Money?

    public struct Line: Hashable, Codable, Sendable {
        public var orderItemID: OrderItemID
        public var sku: String
        public var title: String
        public var quantity: Int
        public var quantityShipped: Int
    }

    public init(record: OrderRecord) {
        self.amazonOrderID = record.order.amazonOrderID
        self.marketplaceID = record.order.marketplaceID
        self.sellerID = record.order.sellerID
        self.commerceOrderNumber = record.commerceOrderNumber
        self.purchaseDate = record.order.purchaseDate
        self.customer = record.customer
        self.shippingAddress = record.order.shippingAddress
        self.lines = record.order.lines.map {
            Line(orderItemID: $0.orderItemID, sku: $0.sku, title: $0.title, quantity: $0.quantityOrdered,
                 quantityShipped: record.shippedQuantity($0.orderItemID))
        }
        self.orderTotal = record.order.orderTotal
    }
}

/// Marks an error that retrying will not cure; the outbox records it and stops retrying.
public protocol PermanentFailure: Error {}
