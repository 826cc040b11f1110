import Foundation

/// An `ORDER_CHANGE` notification as Amazon publishes it to SQS
/// (`OrderChangeNotification.json`, notification version 1.0, payload version 1.0).
///
/// Every field the schema requires must be present with its type, or the notice is refused
/// (and quarantined by the intake). Enumerations are kept as Amazon's text, so a value added
/// after this release still parses: the notice is only a pointer to the order, which is read
/// again with `getOrder`; the statuses use the Orders v0 spellings (`Unshipped`, `Canceled`).
public struct OrderChangeNotification: Sendable, Hashable, Decodable {
    public var notificationVersion: String
    /// `ORDER_CHANGE`.
    public var notificationType: String
    public var payloadVersion: String
    public var eventTime: String
    public var change: Change
    public var metadata: Metadata

    /// `Payload.OrderChangeNotification`.
    public struct Change: Sendable, Hashable, Decodable {
        /// `OrderLevel` or `OrderItemLevel`.
        public var notificationLevel: String
        public var sellerID: String
        public var amazonOrderID: String
        /// `BuyerRequestedChange`, `DeliveryTipChange` or `OrderStatusChange`.
        public var orderChangeType: String
        public var timeOfOrderChange: String?
        public var changeReason: String
        public var summary: Summary

        enum CodingKeys: String, CodingKey {
            case notificationLevel = "NotificationLevel", sellerID = "SellerId", amazonOrderID = "AmazonOrderId"
            case orderChangeType = "OrderChangeType", trigger = "OrderChangeTrigger", summary = "Summary"
        }
        enum TriggerKeys: String, CodingKey { case timeOfOrderChange = "TimeOfOrderChange", changeReason = "ChangeReason" }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            notificationLevel = try container.decode(String.self, forKey: .notificationLevel)
            sellerID = try container.decode(String.self, forKey: .sellerID)
            amazonOrderID = try container.decode(String.self, forKey: .amazonOrderID)
            orderChangeType = try container.decode(String.self, forKey: .orderChangeType)
            let trigger = try container.nestedContainer(keyedBy: TriggerKeys.self, forKey: .trigger)
            // Required, and nullable.
            guard trigger.contains(.timeOfOrderChange) else {
                throw DecodingError.keyNotFound(TriggerKeys.timeOfOrderChange, .init(codingPath: trigger.codingPath, debugDescription: "required (may be null)"))
            }
            timeOfOrderChange = try trigger.decodeNil(forKey: .timeOfOrderChange) ? nil : trigger.decode(String.self, forKey: .timeOfOrderChange)
            changeReason = try trigger.decode(String.self, forKey: .changeReason)
            summary = try container.decode(Summary.self, forKey: .summary)
        }
    }

    /// `Summary`: where the order is and who fulfils it.
    public struct Summary: Sendable, Hashable, Decodable {
        public var marketplaceID: String
        /// v0 spelling: `Pending`, `Unshipped`, `PartiallyShipped`, `Shipped`, `Canceled`, …
        public var orderStatus: String
        /// `AFN` (Amazon fulfils) or `MFN` (the merchant does).
        public var fulfillmentType: String
        public var orderType: String
        public var purchaseDate: String?
        public var orderItems: [Item]

        public struct Item: Sendable, Hashable, Decodable {
            public var orderItemID: String
            public var sellerSKU: String
            public var quantity: Int
            enum CodingKeys: String, CodingKey {
                case orderItemID = "OrderItemId", sellerSKU = "SellerSKU", supplySourceID = "SupplySourceId", quantity = "Quantity"
            }
            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                orderItemID = try container.decode(String.self, forKey: .orderItemID)
                sellerSKU = try container.decode(String.self, forKey: .sellerSKU)
                quantity = try container.decode(Int.self, forKey: .quantity)
                try requireNullable(container, .supplySourceID)
            }
        }

        enum CodingKeys: String, CodingKey {
            case marketplaceID = "MarketplaceId", orderStatus = "OrderStatus", purchaseDate = "PurchaseDate"
            case destinationPostalCode = "DestinationPostalCode", fulfillmentType = "FulfillmentType", orderType = "OrderType"
            case orderItems = "OrderItems"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            marketplaceID = try container.decode(String.self, forKey: .marketplaceID)
            orderStatus = try container.decode(String.self, forKey: .orderStatus)
            fulfillmentType = try container.decode(String.self, forKey: .fulfillmentType)
            orderType = try container.decode(String.self, forKey: .orderType)
            try requireNullable(container, .purchaseDate)
            purchaseDate = try container.decodeIfPresent(String.self, forKey: .purchaseDate)
            try requireNullable(container, .destinationPostalCode)
            orderItems = try container.decode([Item].self, forKey: .orderItems)
        }
    }

    /// `NotificationMetadata`.
    public struct Metadata: Sendable, Hashable, Decodable {
        public var applicationID: String
        public var subscriptionID: String
        public var publishTime: String
        /// Unique per notification: the dedupe key.
        public var notificationID: String
        enum CodingKeys: String, CodingKey {
            case applicationID = "ApplicationId", subscriptionID = "SubscriptionId", publishTime = "PublishTime", notificationID = "NotificationId"
        }
    }

    enum CodingKeys: String, CodingKey {
        case notificationVersion = "NotificationVersion", notificationType = "NotificationType", payloadVersion = "PayloadVersion"
        case eventTime = "EventTime", payload = "Payload", metadata = "NotificationMetadata"
    }
    enum PayloadKeys: String, CodingKey { case change = "OrderChangeNotification" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        notificationVersion = try container.decode(String.self, forKey: .notificationVersion)
        notificationType = try container.decode(String.self, forKey: .notificationType)
        payloadVersion = try container.decode(String.self, forKey: .payloadVersion)
        eventTime = try container.decode(String.self, forKey: .eventTime)
        let payload = try container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .payload)
        change = try payload.decode(Change.self, forKey: .change)
        metadata = try container.decode(Metadata.self, forKey: .metadata)
    }

    /// Parses a message body; the error says which field is wrong, never a value.
    public static func parse(_ body: String) throws(UnreadableNotification) -> OrderChangeNotification {
        do {
            return try JSONDecoder().decode(OrderChangeNotification.self, from: Data(body.utf8))
        } catch let error as DecodingError {
            throw UnreadableNotification(reason: Self.describe(error))
        } catch {
            throw UnreadableNotification(reason: "not a notification: \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (last.map { [$0] } ?? [])
            return keys.isEmpty ? "the message" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context, key)) is missing"
        case .typeMismatch(let type, let context): return "\(path(context)) is not a \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)) is null; a \(type) is required"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "the message is not JSON" : "\(path(context)) is malformed"
        @unknown default: return "the message does not match OrderChangeNotification.json"
        }
    }
}

/// A message that is not an `ORDER_CHANGE` notification as the schema states it.
public struct UnreadableNotification: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "unreadable ORDER_CHANGE notification: \(reason)" }
}

/// A required key whose value may be null must still be present.
private func requireNullable<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws {
    guard container.contains(key) else {
        throw DecodingError.keyNotFound(key, .init(codingPath: container.codingPath, debugDescription: "required (may be null)"))
    }
}
