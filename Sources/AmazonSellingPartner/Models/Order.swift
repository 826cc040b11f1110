import Foundation

/// An order as Orders API v2026-01-01 returns it (`Order`), with the parts SalesChannel reads.
/// Unknown fields are ignored; unknown enum values are kept as strings.
public struct Order: Codable, Hashable, Sendable {
    public var orderId: String
    public var createdTime: Date
    public var lastUpdatedTime: Date
    public var salesChannel: SalesChannel
    public var programs: [String]?
    public var buyer: Buyer?
    public var recipient: Recipient?
    public var proceeds: OrderProceeds?
    public var fulfillment: OrderFulfillment?
    /// `TAX` dataset: the order's tax registrations.
    public var tax: OrderTax?
    public var orderItems: [OrderItem]
    public var packages: [OrderPackage]?

    public init(
        orderId: String, createdTime: Date, lastUpdatedTime: Date, salesChannel: SalesChannel, programs: [String]? = nil,
        buyer: Buyer? = nil, recipient: Recipient? = nil, proceeds: OrderProceeds? = nil, fulfillment: OrderFulfillment? = nil,
        tax: OrderTax? = nil, orderItems: [OrderItem], packages: [OrderPackage]? = nil
    ) {
        self.orderId = orderId
        self.createdTime = createdTime
        self.lastUpdatedTime = lastUpdatedTime
        self.salesChannel = salesChannel
        self.programs = programs
        self.buyer = buyer
        self.recipient = recipient
        self.proceeds = proceeds
        self.fulfillment = fulfillment
        self.tax = tax
        self.orderItems = orderItems
        self.packages = packages
    }

    public struct SalesChannel: Codable, Hashable, Sendable {
        public var channelName: String
        public var marketplaceId: String?
        public var marketplaceName: String?
        public init(channelName: String = "AMAZON", marketplaceId: String?, marketplaceName: String? = nil) {
            self.channelName = channelName
            self.marketplaceId = marketplaceId
            self.marketplaceName = marketplaceName
        }
    }

    public struct Buyer: Codable, Hashable, Sendable {
        public var buyerName: String?
        public var buyerEmail: String?
        public var buyerCompanyName: String?
        /// "Only returned for orders where the buyer entered a PO number at checkout."
        public var buyerPurchaseOrderNumber: String?
        public init(buyerName: String? = nil, buyerEmail: String? = nil, buyerCompanyName: String? = nil, buyerPurchaseOrderNumber: String? = nil) {
            self.buyerName = buyerName
            self.buyerEmail = buyerEmail
            self.buyerCompanyName = buyerCompanyName
            self.buyerPurchaseOrderNumber = buyerPurchaseOrderNumber
        }
    }

    public struct Recipient: Codable, Hashable, Sendable {
        public var deliveryAddress: Address?
        public init(deliveryAddress: Address?) { self.deliveryAddress = deliveryAddress }
    }

    public struct Address: Codable, Hashable, Sendable {
        public var name: String?
        public var companyName: String?
        public var addressLine1: String?
        public var addressLine2: String?
        public var addressLine3: String?
        public var city: String?
        public var districtOrCounty: String?
        public var municipality: String?
        public var stateOrRegion: String?
        public var postalCode: String?
        public var countryCode: String?
        public var phone: String?
        public var addressType: String?
        public init(
            name: String? = nil, companyName: String? = nil, addressLine1: String? = nil, addressLine2: String? = nil, addressLine3: String? = nil,
            city: String? = nil, districtOrCounty: String? = nil, municipality: String? = nil, stateOrRegion: String? = nil, postalCode: String? = nil,
            countryCode: String? = nil, phone: String? = nil, addressType: String? = nil
        ) {
            self.name = name
            self.companyName = companyName
            self.municipality = municipality
            self.addressLine1 = addressLine1
            self.addressLine2 = addressLine2
            self.addressLine3 = addressLine3
            self.city = city
            self.districtOrCounty = districtOrCounty
            self.stateOrRegion = stateOrRegion
            self.postalCode = postalCode
            self.countryCode = countryCode
            self.phone = phone
            self.addressType = addressType
        }
    }

    /// "The money that the seller receives from the sale of the order."
    public struct OrderProceeds: Codable, Hashable, Sendable {
        public var grandTotal: Money?
        /// Per category, "aggregated across all order items (such as `ITEM`, `SHIPPING`, and
        /// `TAX`) or applied at the order level (such as `DELIVERY_TIP`)".
        public var breakdowns: [Breakdown]?
        public init(grandTotal: Money?, breakdowns: [Breakdown]? = nil) {
            self.grandTotal = grandTotal
            self.breakdowns = breakdowns
        }

        /// `OrderProceedsBreakdown`.
        public struct Breakdown: Codable, Hashable, Sendable {
            /// `ITEM`, `SHIPPING`, `GIFT_WRAP`, `COD_FEE`, `TAX`, `DISCOUNT`, `DELIVERY_TIP`, `OTHER`.
            public var type: String
            /// `PENDING` or `FINALIZED`; only for charges processed after checkout (`DELIVERY_TIP`).
            public var status: String?
            public var subtotal: Money
            public init(type: String, status: String? = nil, subtotal: Money) {
                self.type = type
                self.status = status
                self.subtotal = subtotal
            }
        }
    }

    public struct OrderFulfillment: Codable, Hashable, Sendable {
        public var fulfillmentStatus: FulfillmentStatus
        /// `MERCHANT` or `AMAZON`.
        public var fulfilledBy: String?
        /// `EXPEDITED`, `FREE_ECONOMY`, `NEXT_DAY`, `PRIORITY`, `SAME_DAY`, `SECOND_DAY`, `SCHEDULED`, `STANDARD`.
        public var fulfillmentServiceLevel: String?
        /// "The promised time period within which the order must be shipped".
        public var shipByWindow: DateTimeRange?
        /// "The promised time period within which the order should be delivered".
        public var deliverByWindow: DateTimeRange?
        public init(
            fulfillmentStatus: FulfillmentStatus, fulfilledBy: String?, fulfillmentServiceLevel: String? = nil,
            shipByWindow: DateTimeRange? = nil, deliverByWindow: DateTimeRange? = nil
        ) {
            self.fulfillmentStatus = fulfillmentStatus
            self.fulfilledBy = fulfilledBy
            self.fulfillmentServiceLevel = fulfillmentServiceLevel
            self.shipByWindow = shipByWindow
            self.deliverByWindow = deliverByWindow
        }
    }

    /// `DateTimeRange`.
    public struct DateTimeRange: Codable, Hashable, Sendable {
        public var earliestDateTime: Date?
        public var latestDateTime: Date?
        public init(earliestDateTime: Date?, latestDateTime: Date?) {
            self.earliestDateTime = earliestDateTime
            self.latestDateTime = latestDateTime
        }
    }

    /// `OrderTax`.
    public struct OrderTax: Codable, Hashable, Sendable {
        public var taxRegistrations: [TaxRegistration]?
        public init(taxRegistrations: [TaxRegistration]?) { self.taxRegistrations = taxRegistrations }

        /// `OrderTaxRegistration`.
        public struct TaxRegistration: Codable, Hashable, Sendable {
            /// `BUYER`, `MERCHANT`, `MARKETPLACE`.
            public var entityType: String?
            public var legalName: String?
            /// `BUSINESS`, `VAT`, `CST`, `CPF`, `CNPJ`.
            public var taxRegistrationType: String?
            public var taxRegistrationNumber: String?
            public init(entityType: String?, legalName: String?, taxRegistrationType: String?, taxRegistrationNumber: String?) {
                self.entityType = entityType
                self.legalName = legalName
                self.taxRegistrationType = taxRegistrationType
                self.taxRegistrationNumber = taxRegistrationNumber
            }
        }
    }

    public struct OrderItem: Codable, Hashable, Sendable {
        public var orderItemId: String
        public var quantityOrdered: Int
        public var product: Product
        public var proceeds: ItemProceeds?
        /// `PROMOTION` dataset.
        public var promotion: Promotion?
        public var cancellation: Cancellation?
        public var fulfillment: ItemFulfillment?
        /// `TAX` dataset.
        public var tax: ItemTax?

        public init(
            orderItemId: String, quantityOrdered: Int, product: Product, proceeds: ItemProceeds? = nil, promotion: Promotion? = nil,
            cancellation: Cancellation? = nil, fulfillment: ItemFulfillment? = nil, tax: ItemTax? = nil
        ) {
            self.orderItemId = orderItemId
            self.quantityOrdered = quantityOrdered
            self.product = product
            self.proceeds = proceeds
            self.promotion = promotion
            self.cancellation = cancellation
            self.fulfillment = fulfillment
            self.tax = tax
        }

        /// `ItemPromotion`.
        public struct Promotion: Codable, Hashable, Sendable {
            public var breakdowns: [Breakdown]?
            public init(breakdowns: [Breakdown]?) { self.breakdowns = breakdowns }
            public struct Breakdown: Codable, Hashable, Sendable {
                public var promotionId: String?
                public init(promotionId: String?) { self.promotionId = promotionId }
            }
        }

        /// `ItemTax`.
        public struct ItemTax: Codable, Hashable, Sendable {
            public var taxCalculationBreakdowns: [Calculation]?
            public var taxCollections: [Collection]?
            public init(taxCalculationBreakdowns: [Calculation]? = nil, taxCollections: [Collection]? = nil) {
                self.taxCalculationBreakdowns = taxCalculationBreakdowns
                self.taxCollections = taxCollections
            }
            /// `ItemTaxCalculationBreakdown`: `reportingScheme` `UOSS` or `IOSS`.
            public struct Calculation: Codable, Hashable, Sendable {
                public var reportingScheme: String?
                public init(reportingScheme: String?) { self.reportingScheme = reportingScheme }
            }
            /// `ItemTaxCollection`: `model` (`MARKETPLACE_FACILITATOR`) and `responsibleParty`.
            public struct Collection: Codable, Hashable, Sendable {
                public var model: String?
                public var responsibleParty: String?
                public init(model: String?, responsibleParty: String?) {
                    self.model = model
                    self.responsibleParty = responsibleParty
                }
            }
        }

        public struct Product: Codable, Hashable, Sendable {
            public var asin: String?
            public var title: String?
            public var sellerSku: String?
            public var price: Price?
            public init(asin: String?, title: String?, sellerSku: String?, price: Price? = nil) {
                self.asin = asin
                self.title = title
                self.sellerSku = sellerSku
                self.price = price
            }
        }

        public struct Price: Codable, Hashable, Sendable {
            public var unitPrice: Money?
            /// `BUSINESS_PRICE`: a price only for Amazon Business orders.
            public var priceDesignation: String?
            public init(unitPrice: Money?, priceDesignation: String? = nil) {
                self.unitPrice = unitPrice
                self.priceDesignation = priceDesignation
            }
        }

        /// "The money that the seller receives from the sale of this specific item."
        public struct ItemProceeds: Codable, Hashable, Sendable {
            public var proceedsTotal: Money?
            public var breakdowns: [Breakdown]?
            public init(proceedsTotal: Money?, breakdowns: [Breakdown]? = nil) {
                self.proceedsTotal = proceedsTotal
                self.breakdowns = breakdowns
            }

            /// `ItemProceedsBreakdown`.
            public struct Breakdown: Codable, Hashable, Sendable {
                /// `ITEM`, `SHIPPING`, `GIFT_WRAP`, `COD_FEE`, `OTHER`, `TAX`, `DISCOUNT`.
                public var type: String
                public var subtotal: Money
                /// "only available for TAX and DISCOUNT proceeds types".
                public var detailedBreakdowns: [Detail]?
                public init(type: String, subtotal: Money, detailedBreakdowns: [Detail]? = nil) {
                    self.type = type
                    self.subtotal = subtotal
                    self.detailedBreakdowns = detailedBreakdowns
                }
            }

            /// `ItemProceedsDetailedBreakdown`.
            public struct Detail: Codable, Hashable, Sendable {
                /// `ITEM`, `SHIPPING`, `GIFT_WRAP`, `COD_FEE`, `OTHER`, `DISCOUNT`.
                public var subtype: String?
                public var value: Money?
                public init(subtype: String?, value: Money?) {
                    self.subtype = subtype
                    self.value = value
                }
            }
        }

        public struct Cancellation: Codable, Hashable, Sendable {
            public var cancellationRequest: CancellationRequest?
            public init(cancellationRequest: CancellationRequest?) { self.cancellationRequest = cancellationRequest }
        }

        public struct CancellationRequest: Codable, Hashable, Sendable {
            public var requester: String?
            public var cancelReason: String?
            public init(requester: String?, cancelReason: String?) {
                self.requester = requester
                self.cancelReason = cancelReason
            }
        }

        public struct ItemFulfillment: Codable, Hashable, Sendable {
            public var quantityFulfilled: Int?
            public var quantityUnfulfilled: Int?
            public var packing: Packing?
            public var shipping: Shipping?
            public init(quantityFulfilled: Int?, quantityUnfulfilled: Int?, packing: Packing? = nil, shipping: Shipping? = nil) {
                self.quantityFulfilled = quantityFulfilled
                self.quantityUnfulfilled = quantityUnfulfilled
                self.packing = packing
                self.shipping = shipping
            }

            /// `ItemPacking`.
            public struct Packing: Codable, Hashable, Sendable {
                public var giftOption: GiftOption?
                public init(giftOption: GiftOption?) { self.giftOption = giftOption }
            }

            /// `GiftOption`.
            public struct GiftOption: Codable, Hashable, Sendable {
                public var giftMessage: String?
                public var giftWrapLevel: String?
                public init(giftMessage: String?, giftWrapLevel: String?) {
                    self.giftMessage = giftMessage
                    self.giftWrapLevel = giftWrapLevel
                }
            }

            /// `ItemShipping`.
            public struct Shipping: Codable, Hashable, Sendable {
                public var scheduledDeliveryWindow: DateTimeRange?
                public var internationalShipping: International?
                public init(scheduledDeliveryWindow: DateTimeRange? = nil, internationalShipping: International? = nil) {
                    self.scheduledDeliveryWindow = scheduledDeliveryWindow
                    self.internationalShipping = internationalShipping
                }
                /// `ItemInternationalShipping`.
                public struct International: Codable, Hashable, Sendable {
                    public var iossNumber: String?
                    public init(iossNumber: String?) { self.iossNumber = iossNumber }
                }
            }
        }
    }

    public struct OrderPackage: Codable, Hashable, Sendable {
        public var packageReferenceId: String
        public var carrier: String?
        public var trackingNumber: String?
        public var shipTime: Date?
        public var packageItems: [PackageItem]?
        public init(packageReferenceId: String, carrier: String?, trackingNumber: String?, shipTime: Date?, packageItems: [PackageItem]?) {
            self.packageReferenceId = packageReferenceId
            self.carrier = carrier
            self.trackingNumber = trackingNumber
            self.shipTime = shipTime
            self.packageItems = packageItems
        }
    }

    public struct PackageItem: Codable, Hashable, Sendable {
        public var orderItemId: String
        public var quantity: Int
        public init(orderItemId: String, quantity: Int) {
            self.orderItemId = orderItemId
            self.quantity = quantity
        }
    }
}

/// `FulfillmentStatus` of v2026-01-01; values Amazon adds later are kept in `.other`.
public enum FulfillmentStatus: Hashable, Sendable, Codable, CustomStringConvertible, CaseIterable {
    case pendingAvailability, pending, unshipped, partiallyShipped, shipped, cancelled, unfulfillable
    case other(String)

    public static let allCases: [FulfillmentStatus] = [.pendingAvailability, .pending, .unshipped, .partiallyShipped, .shipped, .cancelled, .unfulfillable]

    public init(rawValue: String) {
        self = Self.allCases.first { $0.rawValue == rawValue } ?? .other(rawValue)
    }

    public var rawValue: String {
        switch self {
        case .pendingAvailability: "PENDING_AVAILABILITY"
        case .pending: "PENDING"
        case .unshipped: "UNSHIPPED"
        case .partiallyShipped: "PARTIALLY_SHIPPED"
        case .shipped: "SHIPPED"
        case .cancelled: "CANCELLED"
        case .unfulfillable: "UNFULFILLABLE"
        case .other(let value): value
        }
    }

    public var description: String { rawValue }
    public init(from decoder: any Decoder) throws { self.init(rawValue: try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// An amount as SP-API writes it: a decimal string and a currency, decoded to `Decimal`.
public struct Money: Codable, Hashable, Sendable {
    public var amount: Decimal
    public var currencyCode: String

    public init(amount: Decimal, currencyCode: String) {
        self.amount = amount
        self.currencyCode = currencyCode
    }

    enum CodingKeys: String, CodingKey { case amount, currencyCode }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        currencyCode = try container.decode(String.self, forKey: .currencyCode)
        let text: String
        if let string = try? container.decode(String.self, forKey: .amount) {
            text = string
        } else {
            // Tolerate a JSON number, but read its digits, never through Double.
            text = "\(try container.decode(Decimal.self, forKey: .amount))"
        }
        guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) else {
            throw DecodingError.dataCorruptedError(forKey: .amount, in: container, debugDescription: "not a decimal amount: \(text)")
        }
        amount = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("\(amount)", forKey: .amount)
        try container.encode(currencyCode, forKey: .currencyCode)
    }
}
