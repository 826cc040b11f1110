import Foundation

/// `searchOrders` response (no `payload` wrapper in v2026-01-01).
public struct SearchOrdersResponse: Codable, Hashable, Sendable {
    public var orders: [Order]
    public var pagination: Pagination?
    public var lastUpdatedBefore: Date?
    public var createdBefore: Date?

    public init(orders: [Order], pagination: Pagination?, lastUpdatedBefore: Date? = nil, createdBefore: Date? = nil) {
        self.orders = orders
        self.pagination = pagination
        self.lastUpdatedBefore = lastUpdatedBefore
        self.createdBefore = createdBefore
    }

    public struct Pagination: Codable, Hashable, Sendable {
        public var nextToken: String?
        public init(nextToken: String?) { self.nextToken = nextToken }
    }
}

/// `getOrder` response.
public struct GetOrderResponse: Codable, Hashable, Sendable {
    public var order: Order
    public init(order: Order) { self.order = order }
}

/// SP-API's error body: `{"errors":[{"code","message","details"}]}`. `message` is sometimes null.
public struct ErrorList: Codable, Hashable, Sendable {
    public var errors: [APIError]
    public init(errors: [APIError]) { self.errors = errors }

    public struct APIError: Codable, Hashable, Sendable {
        public var code: String
        public var message: String?
        public var details: String?
        public init(code: String, message: String?, details: String? = nil) {
            self.code = code
            self.message = message
            self.details = details
        }
    }
}

/// Orders v0 `ConfirmShipmentRequest`.
public struct ConfirmShipmentRequest: Codable, Hashable, Sendable {
    public var marketplaceId: String
    public var packageDetail: PackageDetail
    public var codCollectionMethod: String?

    public init(marketplaceId: String, packageDetail: PackageDetail, codCollectionMethod: String? = nil) {
        self.marketplaceId = marketplaceId
        self.packageDetail = packageDetail
        self.codCollectionMethod = codCollectionMethod
    }

    public struct PackageDetail: Codable, Hashable, Sendable {
        /// A positive number, unique within the order.
        public var packageReferenceId: String
        public var carrierCode: String
        /// Required when `carrierCode` is `Other`.
        public var carrierName: String?
        public var shippingMethod: String?
        public var trackingNumber: String
        /// ISO 8601; sent in UTC.
        public var shipDate: String
        public var shipFromSupplySourceId: String?
        public var orderItems: [Item]

        public init(
            packageReferenceId: String, carrierCode: String, carrierName: String? = nil, shippingMethod: String? = nil,
            trackingNumber: String, shipDate: String, shipFromSupplySourceId: String? = nil, orderItems: [Item]
        ) {
            self.packageReferenceId = packageReferenceId
            self.carrierCode = carrierCode
            self.carrierName = carrierName
            self.shippingMethod = shippingMethod
            self.trackingNumber = trackingNumber
            self.shipDate = shipDate
            self.shipFromSupplySourceId = shipFromSupplySourceId
            self.orderItems = orderItems
        }
    }

    public struct Item: Codable, Hashable, Sendable {
        public var orderItemId: String
        public var quantity: Int
        public var transparencyCodes: [String]?
        public init(orderItemId: String, quantity: Int, transparencyCodes: [String]? = nil) {
            self.orderItemId = orderItemId
            self.quantity = quantity
            self.transparencyCodes = transparencyCodes
        }
    }
}

/// JSON as SP-API writes it: ISO 8601 dates with or without fractional seconds.
public enum SPAPIJSON {
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 date-time: \(text)")
            }
            return date
        }
        return decoder
    }

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatDate(date))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Parses `2024-12-25T02:30:00Z` or `2022-02-11T01:00:00.000Z` (or with an offset).
    public static func parseDate(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// `2024-12-25T02:30:00Z` in UTC.
    public static func formatDate(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
