import Foundation

/// One Amazon order as the channel last reported it: a snapshot.
///
/// Sources produce snapshots; the workflow folds each new snapshot into the stored
/// ``OrderRecord``. Buyer name, email and address are personal data: they are stored for the
/// commerce order but never logged (see ``redactedSummary``).
public struct ChannelOrder: Hashable, Codable, Sendable {
    public var sellerID: SellerID
    public var marketplaceID: MarketplaceID
    public var amazonOrderID: AmazonOrderID
    public var fulfillmentChannel: FulfillmentChannel
    public var status: AmazonOrderStatus
    public var purchaseDate: Date
    public var lastUpdateDate: Date
    public var lines: [ChannelOrderLine]
    public var buyer: Buyer?
    public var shippingAddress: PostalAddress?
    /// The order total Amazon reports, when it reports one.
    public var orderTotal: Money?
    /// Set when the buyer asked Amazon to cancel (the merchant decides; Amazon does not cancel).
    public var buyerCancellationRequest: BuyerCancellationRequest?
    /// Amazon's order-level proceeds breakdown: the items' categories aggregated, and charges
    /// applied to the order alone (`DELIVERY_TIP`).
    public var orderCharges: [Charge]?
    /// What fulfilment needs to ship on time: promised windows and service level.
    public var fulfillmentDetails: FulfillmentDetails?
    /// Amazon's programs for the order (`PRIME`, `AMAZON_BUSINESS`, `PREMIUM`, `PREORDER`, …).
    public var programs: [String]?
    /// Tax registrations Amazon sends with the order (a business buyer's VAT or tax number).
    public var taxRegistrations: [TaxRegistration]?

    public init(
        sellerID: SellerID, marketplaceID: MarketplaceID, amazonOrderID: AmazonOrderID,
        fulfillmentChannel: FulfillmentChannel, status: AmazonOrderStatus,
        purchaseDate: Date, lastUpdateDate: Date, lines: [ChannelOrderLine],
        buyer: Buyer? = nil, shippingAddress: PostalAddress? = nil, orderTotal: Money? = nil,
        buyerCancellationRequest: BuyerCancellationRequest? = nil
    ) {
        self.sellerID = sellerID
        self.marketplaceID = marketplaceID
        self.amazonOrderID = amazonOrderID
        self.fulfillmentChannel = fulfillmentChannel
        self.status = status
        self.purchaseDate = purchaseDate
        self.lastUpdateDate = lastUpdateDate
        self.lines = lines
        self.buyer = buyer
        self.shippingAddress = shippingAddress
        self.orderTotal = orderTotal
        self.buyerCancellationRequest = buyerCancellationRequest
    }

    /// Whether Amazon flags the order as a business order (`AMAZON_BUSINESS`).
    public var isBusinessOrder: Bool { programs?.contains("AMAZON_BUSINESS") ?? false }

    /// Every line has shipped its full ordered quantity.
    public var isFullyShipped: Bool {
        !lines.isEmpty && lines.allSatisfy { $0.quantityShipped >= $0.quantityOrdered }
    }

    /// A line by its order-item id.
    public func line(_ id: OrderItemID) -> ChannelOrderLine? {
        lines.first { $0.orderItemID == id }
    }

    /// Safe to log: ids, channel and status only, no buyer data.
    public var redactedSummary: String {
        "\(amazonOrderID) [\(fulfillmentChannel.rawValue) \(status) marketplace=\(marketplaceID)]"
    }
}

/// One line of an Amazon order.
public struct ChannelOrderLine: Hashable, Codable, Sendable {
    public var orderItemID: OrderItemID
    public var sku: String
    public var asin: String
    public var title: String
    public var quantityOrdered: Int
    public var quantityShipped: Int
    /// The price of the whole line (unit price × quantity): Amazon's `ITEM` breakdown.
    public var itemPrice: Money?
    /// The line's `TAX` breakdown.
    public var itemTax: Money?
    /// The price of one unit (`product.price.unitPrice`).
    public var unitPrice: Money?
    /// Every proceeds category of the line as Amazon sends it (`ItemProceedsBreakdown`), in
    /// Amazon's order, unknown types included; `nil` when Amazon sent no breakdown.
    public var charges: [Charge]?
    /// Amazon's `proceedsTotal`: the sum of ``charges``.
    public var proceedsTotal: Money?
    /// The promotions applied to the line.
    public var promotionIDs: [String]?
    /// Gift wrap and message the buyer chose (the message is the buyer's words: never logged).
    public var gift: GiftOption?
    /// `UOSS` or `IOSS` (EU VAT one-stop-shop reporting), when Amazon applies one.
    public var taxReportingScheme: String?
    /// Who collects the tax (`MARKETPLACE_FACILITATOR`: Amazon withholds and remits it).
    public var taxCollectionModel: String?
    /// The Import One-Stop Shop number a carrier needs when shipping into the EU from outside it.
    public var iossNumber: String?

    public init(
        orderItemID: OrderItemID, sku: String, asin: String, title: String,
        quantityOrdered: Int, quantityShipped: Int = 0, itemPrice: Money? = nil, itemTax: Money? = nil
    ) {
        self.orderItemID = orderItemID
        self.sku = sku
        self.asin = asin
        self.title = title
        self.quantityOrdered = quantityOrdered
        self.quantityShipped = quantityShipped
        self.itemPrice = itemPrice
        self.itemTax = itemTax
    }

    /// What is still to ship.
    public var quantityUnshipped: Int { max(0, quantityOrdered - quantityShipped) }

    /// The line's charges: Amazon's breakdown, or (for a source without one) its item price and tax.
    public var moneyCharges: [Charge] {
        if let charges { return charges }
        return [itemPrice.map { Charge(type: Charge.item, amount: $0) }, itemTax.map { Charge(type: Charge.tax, amount: $0) }].compactMap { $0 }
    }

    /// The sum of the line's charges of one type (zero when it has none).
    public func amount(_ type: String) -> Decimal {
        moneyCharges.filter { $0.type == type }.reduce(0) { $0 + $1.amount.amount }
    }

    /// The line's tax on the item itself (Amazon's `TAX` detail `ITEM`; all of the tax without details).
    public var rowTax: Decimal { moneyCharges.filter { $0.type == Charge.tax }.reduce(0) { $0 + $1.part(Charge.item) } }

    /// The line's discount on the item itself (Amazon's `DISCOUNT` detail `ITEM`; all of it without details).
    public var rowDiscount: Decimal { moneyCharges.filter { $0.type == Charge.discount }.reduce(0) { $0 + $1.part(Charge.item) } }
}

/// Gift options of a line (`GiftOption`).
public struct GiftOption: Hashable, Codable, Sendable {
    /// The wrapping the buyer chose (`giftWrapLevel`).
    public var wrapLevel: String?
    /// The buyer's message (personal: never logged).
    public var message: String?
    public init(wrapLevel: String? = nil, message: String? = nil) {
        self.wrapLevel = wrapLevel
        self.message = message
    }
}

/// When and how fast an order is to be shipped and delivered (`OrderFulfillment`).
public struct FulfillmentDetails: Hashable, Codable, Sendable {
    /// `shipByWindow`: the promised time period within which the order must be shipped.
    public var shipBy: DateRange?
    /// `deliverByWindow`: within which it should be delivered.
    public var deliverBy: DateRange?
    /// `fulfillmentServiceLevel`: `STANDARD`, `EXPEDITED`, `SECOND_DAY`, `NEXT_DAY`, …
    public var serviceLevel: String?
    public init(shipBy: DateRange? = nil, deliverBy: DateRange? = nil, serviceLevel: String? = nil) {
        self.shipBy = shipBy
        self.deliverBy = deliverBy
        self.serviceLevel = serviceLevel
    }
}

/// A period between two times, either end open.
public struct DateRange: Hashable, Codable, Sendable {
    public var earliest: Date?
    public var latest: Date?
    public init(earliest: Date?, latest: Date?) {
        self.earliest = earliest
        self.latest = latest
    }
}

/// A tax registration Amazon sends with an order (`OrderTaxRegistration`).
public struct TaxRegistration: Hashable, Codable, Sendable {
    /// `BUYER`, `MERCHANT` or `MARKETPLACE`.
    public var entityType: String?
    /// `BUSINESS`, `VAT`, `CST`, `CPF`, `CNPJ`.
    public var type: String?
    public var number: String?
    public var legalName: String?
    public init(entityType: String?, type: String?, number: String?, legalName: String?) {
        self.entityType = entityType
        self.type = type
        self.number = number
        self.legalName = legalName
    }
}

/// The buyer as Amazon reports them. Amazon's emails are anonymised relay addresses.
public struct Buyer: Hashable, Codable, Sendable {
    public var name: String?
    public var email: String?
    /// A business order's company (`buyerCompanyName`).
    public var companyName: String?
    /// The purchase order number a business buyer entered at checkout.
    public var purchaseOrderNumber: String?

    public init(name: String? = nil, email: String? = nil, companyName: String? = nil, purchaseOrderNumber: String? = nil) {
        self.name = name
        self.email = email
        self.companyName = companyName
        self.purchaseOrderNumber = purchaseOrderNumber
    }
}

/// A postal address (personal data: never logged).
public struct PostalAddress: Hashable, Codable, Sendable {
    public var name: String?
    public var addressLines: [String]
    public var city: String?
    public var stateOrRegion: String?
    public var postalCode: String?
    public var countryCode: String?
    public var phone: String?
    public var companyName: String?
    public var districtOrCounty: String?
    public var municipality: String?
    /// `RESIDENTIAL`, `COMMERCIAL` or `PICKUP_POINT`.
    public var addressType: String?

    public init(
        name: String? = nil, addressLines: [String] = [], city: String? = nil, stateOrRegion: String? = nil,
        postalCode: String? = nil, countryCode: String? = nil, phone: String? = nil, companyName: String? = nil,
        districtOrCounty: String? = nil, municipality: String? = nil, addressType: String? = nil
    ) {
        self.name = name
        self.addressLines = addressLines
        self.city = city
        self.stateOrRegion = stateOrRegion
        self.postalCode = postalCode
        self.countryCode = countryCode
        self.phone = phone
        self.companyName = companyName
        self.districtOrCounty = districtOrCounty
        self.municipality = municipality
        self.addressType = addressType
    }
}

/// The buyer asked Amazon to cancel the order; the merchant must act on it.
public struct BuyerCancellationRequest: Hashable, Codable, Sendable {
    public var reason: String?
    public init(reason: String? = nil) { self.reason = reason }
}
