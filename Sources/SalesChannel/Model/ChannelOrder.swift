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
    /// The price of the whole line (unit price × quantity), as Amazon reports `ItemPrice`.
    public var itemPrice: Money?
    public var itemTax: Money?

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
}

/// The buyer as Amazon reports them. Amazon's emails are anonymised relay addresses.
public struct Buyer: Hashable, Codable, Sendable {
    public var name: String?
    public var email: String?

    public init(name: String? = nil, email: String? = nil) {
        self.name = name
        self.email = email
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

    public init(
        name: String? = nil, addressLines: [String] = [], city: String? = nil, stateOrRegion: String? = nil,
        postalCode: String? = nil, countryCode: String? = nil, phone: String? = nil
    ) {
        self.name = name
        self.addressLines = addressLines
        self.city = city
        self.stateOrRegion = stateOrRegion
        self.postalCode = postalCode
        self.countryCode = countryCode
        self.phone = phone
    }
}

/// The buyer asked Amazon to cancel the order; the merchant must act on it.
public struct BuyerCancellationRequest: Hashable, Codable, Sendable {
    public var reason: String?
    public init(reason: String? = nil) { self.reason = reason }
}
