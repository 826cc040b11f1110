import Foundation

/// `searchOrders` response (no `payload` wrapper in v2026-01-01).
///
/// Orders are decoded one by one: an order that does not fit the model lands in
/// ``undecodable`` with the reason, and the rest of the page is still read.
public struct SearchOrdersResponse: Codable, Hashable, Sendable {
    public var orders: [Order]
    public var pagination: Pagination?
    public var lastUpdatedBefore: Date?
    public var createdBefore: Date?
    /// Orders of the page that could not be read, with their id when it could be read.
    public var undecodable: [UndecodableOrder]

    public init(orders: [Order], pagination: Pagination?, lastUpdatedBefore: Date? = nil, createdBefore: Date? = nil) {
        self.orders = orders
        self.pagination = pagination
        self.lastUpdatedBefore = lastUpdatedBefore
        self.createdBefore = createdBefore
        self.undecodable = []
    }

    enum CodingKeys: String, CodingKey { case orders, pagination, lastUpdatedBefore, createdBefore }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pagination = try container.decodeIfPresent(Pagination.self, forKey: .pagination)
        lastUpdatedBefore = try container.decodeIfPresent(Date.self, forKey: .lastUpdatedBefore)
        createdBefore = try container.decodeIfPresent(Date.self, forKey: .createdBefore)
        var list = try container.nestedUnkeyedContainer(forKey: .orders)
        orders = []
        undecodable = []
        while !list.isAtEnd {
            do {
                orders.append(try list.decode(Order.self))
            } catch {
                // Read what can be read of it (its id), so it can be quarantined by name.
                // A failed element is not consumed: read it again as a skeleton to move past it.
                struct Skeleton: Decodable { var orderId: String? }
                if let skeleton = try? list.decode(Skeleton.self) {
                    undecodable.append(UndecodableOrder(orderId: skeleton.orderId, reason: Self.describe(error)))
                } else {
                    undecodable.append(UndecodableOrder(orderId: nil, reason: Self.describe(error)))
                    break  // not even an object: the rest of the list cannot be read in step
                }
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(orders, forKey: .orders)
        try container.encodeIfPresent(pagination, forKey: .pagination)
        try container.encodeIfPresent(lastUpdatedBefore, forKey: .lastUpdatedBefore)
        try container.encodeIfPresent(createdBefore, forKey: .createdBefore)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing \((context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }

    /// An order that did not fit the model.
    public struct UndecodableOrder: Hashable, Sendable {
        public var orderId: String?
        public var reason: String
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

    // Format styles are values (Sendable, no ICU formatter to build per call): creating an
    // ISO8601DateFormatter for every date was the import's hottest path.
    private static let plainStyle = Date.ISO8601FormatStyle()
    private static let fractionalStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Parses `2024-12-25T02:30:00Z` or `2022-02-11T01:00:00.000Z` (or with an offset).
    public static func parseDate(_ text: String) -> Date? {
        if let date = try? plainStyle.parse(text) { return date }
        if let date = try? fractionalStyle.parse(text) { return date }
        // Offsets other than Z.
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// `2024-12-25T02:30:00Z` in UTC.
    public static func formatDate(_ date: Date) -> String {
        plainStyle.format(date)
    }
}
