import Foundation

/// An order as `saleschannel orders --json` and the HTTP API show it: the stable interface
/// (docs/orders-json.md). Buyer names, emails and addresses are not part of it.
public struct OrderView: Encodable, Sendable {
    public var amazonOrderId: String
    public var sellerId: String
    public var marketplaceId: String
    public var fulfillmentChannel: String
    public var amazonStatus: String
    public var visible: Bool
    public var purchaseDate: Date
    public var lastUpdateDate: Date
    public var commerceOrderNumber: String?
    public var commerceStatus: String?
    public var customer: CustomerView?
    public var handoff: HandoffView
    public var buyerRequestedCancellation: Bool
    public var items: [ItemView]
    public var shipments: [ShipmentView]
    public var lastError: String?
    public var totals: TotalsView?
    public var shipBy: RangeView?
    public var deliverBy: RangeView?
    public var totalsHeld: String?
    public var serviceLevel: String?
    public var programs: [String]
    public var business: BusinessView?

    public struct CustomerView: Encodable, Sendable {
        public var kind: String
        public var id: String?
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kind, forKey: .kind)
            try c.encode(id, forKey: .id)
        }
        enum CodingKeys: String, CodingKey { case kind, id }
    }
    public struct HandoffView: Encodable, Sendable { public var status: String }
    /// Decimal strings; subtotal + shipping + giftWrap + codFee + other + tax + discount = grandTotal.
    public struct TotalsView: Encodable, Sendable {
        public var currency: String
        public var subtotal: String
        public var shipping: String
        public var shippingTax: String
        public var giftWrap: String
        public var codFee: String
        public var other: String
        public var tax: String
        public var discount: String
        public var grandTotal: String
    }
    public struct RangeView: Encodable, Sendable {
        public var earliest: Date?
        public var latest: Date?
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(earliest, forKey: .earliest)
            try c.encode(latest, forKey: .latest)
        }
        enum CodingKeys: String, CodingKey { case earliest, latest }
    }
    public struct ItemView: Encodable, Sendable {
        public var orderItemId: String
        public var sku: String
        public var quantityOrdered: Int
        public var quantityShipped: Int
        public var unitPrice: String?
        public var subtotal: String?
        public var tax: String?
        public var discount: String?
        public var giftWrapLevel: String?
        public var taxReportingScheme: String?
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(orderItemId, forKey: .orderItemId)
            try c.encode(sku, forKey: .sku)
            try c.encode(quantityOrdered, forKey: .quantityOrdered)
            try c.encode(quantityShipped, forKey: .quantityShipped)
            try c.encode(unitPrice, forKey: .unitPrice)
            try c.encode(subtotal, forKey: .subtotal)
            try c.encode(tax, forKey: .tax)
            try c.encode(discount, forKey: .discount)
            try c.encode(giftWrapLevel, forKey: .giftWrapLevel)
            try c.encode(taxReportingScheme, forKey: .taxReportingScheme)
        }
        enum CodingKeys: String, CodingKey {
            case orderItemId, sku, quantityOrdered, quantityShipped, unitPrice, subtotal, tax, discount, giftWrapLevel, taxReportingScheme
        }
    }
    public struct BusinessView: Encodable, Sendable {
        public var companyName: String?
        public var purchaseOrderNumber: String?
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(companyName, forKey: .companyName)
            try c.encode(purchaseOrderNumber, forKey: .purchaseOrderNumber)
        }
        enum CodingKeys: String, CodingKey { case companyName, purchaseOrderNumber }
    }
    public struct ShipmentView: Encodable, Sendable {
        public var shipmentId: String
        public var carrier: String
        public var carrierName: String?
        public var trackingNumber: String
        public var shipDate: Date
        public var items: [String: Int]
        public var amazonConfirmation: String
        public var error: String?

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(shipmentId, forKey: .shipmentId)
            try c.encode(carrier, forKey: .carrier)
            try c.encode(carrierName, forKey: .carrierName)
            try c.encode(trackingNumber, forKey: .trackingNumber)
            try c.encode(shipDate, forKey: .shipDate)
            try c.encode(items, forKey: .items)
            try c.encode(amazonConfirmation, forKey: .amazonConfirmation)
            try c.encode(error, forKey: .error)
        }
        enum CodingKeys: String, CodingKey { case shipmentId, carrier, carrierName, trackingNumber, shipDate, items, amazonConfirmation, error }
    }

    enum CodingKeys: String, CodingKey {
        case amazonOrderId, sellerId, marketplaceId, fulfillmentChannel, amazonStatus, visible, purchaseDate, lastUpdateDate
        case commerceOrderNumber, commerceStatus, customer, handoff, buyerRequestedCancellation, items, shipments, lastError
        case totals, shipBy, deliverBy, totalsHeld, serviceLevel, programs, business
    }

    /// Absent values are written as `null`, as the interface promises, never left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(amazonOrderId, forKey: .amazonOrderId)
        try c.encode(sellerId, forKey: .sellerId)
        try c.encode(marketplaceId, forKey: .marketplaceId)
        try c.encode(fulfillmentChannel, forKey: .fulfillmentChannel)
        try c.encode(amazonStatus, forKey: .amazonStatus)
        try c.encode(visible, forKey: .visible)
        try c.encode(purchaseDate, forKey: .purchaseDate)
        try c.encode(lastUpdateDate, forKey: .lastUpdateDate)
        try c.encode(commerceOrderNumber, forKey: .commerceOrderNumber)
        try c.encode(commerceStatus, forKey: .commerceStatus)
        try c.encode(customer, forKey: .customer)
        try c.encode(handoff, forKey: .handoff)
        try c.encode(buyerRequestedCancellation, forKey: .buyerRequestedCancellation)
        try c.encode(items, forKey: .items)
        try c.encode(shipments, forKey: .shipments)
        try c.encode(lastError, forKey: .lastError)
        try c.encode(totals, forKey: .totals)
        try c.encode(shipBy, forKey: .shipBy)
        try c.encode(deliverBy, forKey: .deliverBy)
        try c.encode(totalsHeld, forKey: .totalsHeld)
        try c.encode(serviceLevel, forKey: .serviceLevel)
        try c.encode(programs, forKey: .programs)
        try c.encode(business, forKey: .business)
    }

    public init(_ record: OrderRecord) {
        amazonOrderId = record.amazonOrderID.rawValue
        sellerId = record.order.sellerID.rawValue
        marketplaceId = record.order.marketplaceID.rawValue
        fulfillmentChannel = record.order.fulfillmentChannel.rawValue
        amazonStatus = record.order.status.rawValue
        visible = record.visible
        purchaseDate = record.order.purchaseDate
        lastUpdateDate = record.order.lastUpdateDate
        commerceOrderNumber = record.commerceOrderNumber?.rawValue
        commerceStatus = record.commerceStatus?.rawValue
        customer = record.customer.map { CustomerView(kind: $0.kind, id: $0.customerID?.rawValue) }
        handoff = HandoffView(status: record.handoff.rawValue)
        buyerRequestedCancellation = record.buyerCancellationFlagged
        items = record.order.lines.map { line in
            let priced = line.itemPrice != nil || line.charges != nil
            return ItemView(
                orderItemId: line.orderItemID.rawValue, sku: line.sku, quantityOrdered: line.quantityOrdered,
                quantityShipped: record.shippedQuantity(line.orderItemID), unitPrice: line.unitPrice.map { "\($0.amount)" },
                subtotal: line.itemPrice.map { "\($0.amount)" }, tax: priced ? "\(line.rowTax)" : nil, discount: priced ? "\(line.rowDiscount)" : nil,
                giftWrapLevel: line.gift?.wrapLevel, taxReportingScheme: line.taxReportingScheme)
        }
        shipments = record.shipments.flatMap { shipment in
            shipment.packages.map { package in
                ShipmentView(
                    shipmentId: shipment.id.rawValue, carrier: package.carrierCode, carrierName: package.carrierName,
                    trackingNumber: package.trackingNumber, shipDate: package.shipDate,
                    items: Dictionary(package.items.map { ($0.orderItemID.rawValue, $0.quantity) }, uniquingKeysWith: +),
                    amazonConfirmation: shipment.amazonConfirmation.rawValue, error: shipment.lastError)
            }
        }
        lastError = record.lastError
        switch record.order.reconciliation.totals {
        case let t?:
            let grand = record.order.orderTotal?.amount ?? t.computedTotal
            totals = TotalsView(
                currency: t.currencyCode, subtotal: "\(t.subtotal)", shipping: "\(t.shipping)", shippingTax: "\(t.shippingTax)",
                giftWrap: "\(t.giftWrap)", codFee: "\(t.codFee)", other: "\(t.other)", tax: "\(t.tax)", discount: "\(t.discount)",
                grandTotal: "\(grand)")
        case nil:
            totals = nil
        }
        shipBy = record.order.fulfillmentDetails?.shipBy.map { RangeView(earliest: $0.earliest, latest: $0.latest) }
        deliverBy = record.order.fulfillmentDetails?.deliverBy.map { RangeView(earliest: $0.earliest, latest: $0.latest) }
        totalsHeld = record.totalsHold
        serviceLevel = record.order.fulfillmentDetails?.serviceLevel
        programs = record.order.programs ?? []
        business = record.order.buyer.flatMap { buyer in
            buyer.companyName == nil && buyer.purchaseOrderNumber == nil
                ? nil : BusinessView(companyName: buyer.companyName, purchaseOrderNumber: buyer.purchaseOrderNumber)
        }
    }
}
