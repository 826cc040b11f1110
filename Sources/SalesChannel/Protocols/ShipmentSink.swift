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

    /// Delivers a new order, knowing whether it is a replay (`jobs replay`). The default calls
    /// ``handOff(_:idempotencyKey:)``; a sink that can tell the receiver about replays
    /// implements this one.
    func handOff(_ document: HandoffDocument, delivery: HandoffDelivery) async throws -> String?

    /// Tells fulfilment about a cancellation, knowing whether it is a replay. The default calls
    /// ``cancel(_:idempotencyKey:)``.
    func cancel(_ document: HandoffDocument, delivery: HandoffDelivery) async throws
}

extension ShipmentSink {
    public func handOff(_ document: HandoffDocument, delivery: HandoffDelivery) async throws -> String? {
        try await handOff(document, idempotencyKey: delivery.idempotencyKey)
    }

    public func cancel(_ document: HandoffDocument, delivery: HandoffDelivery) async throws {
        try await cancel(document, idempotencyKey: delivery.idempotencyKey)
    }
}

/// How one delivery to a sink is to be told apart from others.
public struct HandoffDelivery: Hashable, Sendable {
    /// The same on every retry of this delivery; a replay has a key of its own.
    public var idempotencyKey: String
    /// 1 for the delivery the workflow decided; 2, 3, … for replays a person asked for.
    public var generation: Int
    public init(idempotencyKey: String, generation: Int = 1) {
        self.idempotencyKey = idempotencyKey
        self.generation = generation
    }
    /// Whether a person asked for this delivery again (`jobs replay`).
    public var isReplay: Bool { generation > 1 }
}

/// The order as fulfilment sees it: what to ship, to whom, under which numbers, for how much
/// and by when.
///
/// Two shapes (docs/handoff-schema.json, docs/handoff-schema-v2.json): version 2 (the default)
/// adds each line's money and gift options, the order's totals and charges, its promised dates
/// and service level, programs, business details and tax registrations, and the address's
/// company, district, municipality and type; ``version(_:)`` gives version 1, exactly as it was,
/// for an ERP that has not moved yet. Contains the shipping address and gift messages (personal
/// data): sinks send them to fulfilment but never log them.
public struct HandoffDocument: Hashable, Codable, Sendable {
    /// The shape of this document: 1 or 2.
    public var schemaVersion: Int
    public var amazonOrderID: AmazonOrderID
    public var marketplaceID: MarketplaceID
    public var sellerID: SellerID
    public var commerceOrderNumber: CommerceOrderNumber?
    public var purchaseDate: Date
    public var customer: CustomerAssignment?
    public var shippingAddress: PostalAddress?
    public var lines: [Line]
    public var orderTotal: Money?
    /// Version 2: the order's money, summed from Amazon's breakdown (`nil` when Amazon sent none).
    public var totals: Totals?
    /// Version 2: `true` when the totals do not add up to the grand total and the merchant booked
    /// them anyway (`orders accept-totals`, or within `totalsTolerance`); absent otherwise.
    public var totalsAccepted: Bool?
    /// Version 2: Amazon's order-level breakdown (the items' categories aggregated, a delivery tip).
    public var orderCharges: [Charge]?
    /// Version 2: promised ship-by and deliver-by windows and the service level.
    public var fulfillment: FulfillmentDetails?
    /// Version 2: Amazon's programs (`PRIME`, `AMAZON_BUSINESS`, …).
    public var programs: [String]?
    /// Version 2: a business order's company and purchase order number.
    public var business: Business?
    /// Version 2: tax registrations sent with the order.
    public var taxRegistrations: [TaxRegistration]?

    public struct Line: Hashable, Codable, Sendable {
        public var orderItemID: OrderItemID
        public var sku: String
        public var title: String
        public var quantity: Int
        public var quantityShipped: Int
        /// Version 2: the price of one unit.
        public var unitPrice: Money?
        /// Version 2: unit price × quantity (Amazon's `ITEM`).
        public var subtotal: Money?
        /// Version 2: the tax on the item itself.
        public var tax: Money?
        /// Version 2: the discount on the item itself (negative).
        public var discount: Money?
        /// Version 2: every charge of the line as Amazon broke it down, with details.
        public var charges: [Charge]?
        /// Version 2: Amazon's `proceedsTotal`, the sum of the charges.
        public var total: Money?
        public var promotionIDs: [String]?
        public var gift: GiftOption?
        /// `UOSS` or `IOSS`.
        public var taxReportingScheme: String?
        public var taxCollectionModel: String?
        public var iossNumber: String?
    }

    /// An order's totals, each in its currency; subtotal + shipping + giftWrap + codFee + other
    /// + tax + discount = grandTotal.
    public struct Totals: Hashable, Codable, Sendable {
        public var subtotal: Money
        public var shipping: Money
        public var shippingTax: Money
        public var giftWrap: Money
        public var codFee: Money
        public var other: Money
        public var tax: Money
        public var discount: Money
        public var grandTotal: Money
    }

    /// A business buyer's details.
    public struct Business: Hashable, Codable, Sendable {
        public var companyName: String?
        public var purchaseOrderNumber: String?
    }

    /// The newest shape of the document for a record.
    public init(record: OrderRecord) {
        let order = record.order
        self.schemaVersion = 2
        self.amazonOrderID = order.amazonOrderID
        self.marketplaceID = order.marketplaceID
        self.sellerID = order.sellerID
        self.commerceOrderNumber = record.commerceOrderNumber
        self.purchaseDate = order.purchaseDate
        self.customer = record.customer
        self.shippingAddress = order.shippingAddress
        self.lines = order.lines.map { line in
            let currency = line.moneyCharges.first?.amount.currencyCode
            return Line(
                orderItemID: line.orderItemID, sku: line.sku, title: line.title, quantity: line.quantityOrdered,
                quantityShipped: record.shippedQuantity(line.orderItemID), unitPrice: line.unitPrice, subtotal: line.itemPrice,
                tax: currency.map { Money(line.rowTax, $0) }, discount: currency.map { Money(line.rowDiscount, $0) },
                charges: line.charges, total: line.proceedsTotal, promotionIDs: line.promotionIDs, gift: line.gift,
                taxReportingScheme: line.taxReportingScheme, taxCollectionModel: line.taxCollectionModel, iossNumber: line.iossNumber)
        }
        self.orderTotal = order.orderTotal
        switch order.reconciliation.totals {
        case let totals?:
            self.totals = Totals(
                subtotal: totals.money(totals.subtotal), shipping: totals.money(totals.shipping), shippingTax: totals.money(totals.shippingTax),
                giftWrap: totals.money(totals.giftWrap), codFee: totals.money(totals.codFee), other: totals.money(totals.other),
                tax: totals.money(totals.tax), discount: totals.money(totals.discount),
                grandTotal: order.orderTotal ?? totals.money(totals.computedTotal))
        case nil:
            self.totals = nil
        }
        if case .reconciles = order.reconciliation {} else if self.totals != nil { self.totalsAccepted = true }
        self.orderCharges = order.orderCharges
        self.fulfillment = order.fulfillmentDetails
        self.programs = order.programs
        if order.buyer?.companyName != nil || order.buyer?.purchaseOrderNumber != nil {
            self.business = Business(companyName: order.buyer?.companyName, purchaseOrderNumber: order.buyer?.purchaseOrderNumber)
        }
        self.taxRegistrations = order.taxRegistrations
    }

    /// This document in the shape of `version` (1 or 2): version 1 is exactly what it was before
    /// version 2 existed.
    public func version(_ version: Int) -> HandoffDocument {
        guard version == 1 else { return self }
        var document = self
        document.schemaVersion = 1
        document.totals = nil
        document.totalsAccepted = nil
        document.orderCharges = nil
        document.fulfillment = nil
        document.programs = nil
        document.business = nil
        document.taxRegistrations = nil
        document.shippingAddress?.companyName = nil
        document.shippingAddress?.districtOrCounty = nil
        document.shippingAddress?.municipality = nil
        document.shippingAddress?.addressType = nil
        document.lines = lines.map {
            Line(orderItemID: $0.orderItemID, sku: $0.sku, title: $0.title, quantity: $0.quantity, quantityShipped: $0.quantityShipped)
        }
        return document
    }

    /// The versions a sink can send.
    public static let versions = [1, 2]
}

/// Marks an error that retrying will not cure; the outbox records it and stops retrying.
public protocol PermanentFailure: Error {}
