import Foundation

/// An `ORDER_CHANGE` notification as Amazon publishes it to SQS
/// (`OrderChangeNotification.json`, notification version 1.0, payload version 1.0).
///
/// A notice is only a pointer to an order, which is read again with `getOrder`. So it is
/// refused (and quarantined by the intake) only when a field the intake acts on is missing or
/// of the wrong type: `NotificationType`, `NotificationId`, `SellerId`, `AmazonOrderId`,
/// `MarketplaceId`, `FulfillmentType`. Any other field the schema requires and the notice lacks
/// is listed in ``deviations`` (Amazon's own example of the schema's `Summary` omits
/// `SupplySourceId`, which the schema requires). Enumerations are kept as Amazon's text, so a
/// value added after this release still parses; statuses use the Orders v0 spellings.
public struct OrderChangeNotification: Sendable, Hashable {
    /// `ORDER_CHANGE`.
    public var notificationType: String
    public var notificationID: String
    public var sellerID: String
    public var amazonOrderID: String
    public var marketplaceID: String
    /// `AFN` (Amazon fulfils) or `MFN` (the merchant does).
    public var fulfillmentType: String
    /// v0 spelling: `Pending`, `Unshipped`, `PartiallyShipped`, `Shipped`, `Canceled`, …
    public var orderStatus: String?
    /// `BuyerRequestedChange`, `DeliveryTipChange` or `OrderStatusChange`.
    public var orderChangeType: String?
    public var changeReason: String?
    /// When the order changed at Amazon (`OrderChangeTrigger.TimeOfOrderChange`, may be null).
    public var timeOfOrderChange: Date?
    /// When Amazon published the notice (`EventTime`).
    public var eventTime: Date?
    /// Required fields of the schema this notice lacks or gives with another type, by path.
    public var deviations: [String]

    /// When the change happened, as best the notice tells: its trigger's time, else its
    /// publication time.
    public var changedAt: Date? { timeOfOrderChange ?? eventTime }

    /// Parses a message body; the reason names the field, never a value.
    public static func parse(_ body: String) throws(UnreadableNotification) -> OrderChangeNotification {
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)), let root = json as? [String: Any] else {
            throw UnreadableNotification(reason: "the message is not a JSON object")
        }
        let payload = root["Payload"] as? [String: Any]
        let change = payload?["OrderChangeNotification"] as? [String: Any]
        let summary = change?["Summary"] as? [String: Any]
        let metadata = root["NotificationMetadata"] as? [String: Any]
        let trigger = change?["OrderChangeTrigger"] as? [String: Any]

        func required(_ object: [String: Any]?, _ key: String, at path: String) throws(UnreadableNotification) -> String {
            guard let object else { throw UnreadableNotification(reason: "\(path) is missing") }
            guard let value = object[key] else { throw UnreadableNotification(reason: "\(path).\(key) is missing") }
            guard let text = value as? String, !text.isEmpty else { throw UnreadableNotification(reason: "\(path).\(key) is not a non-empty string") }
            return text
        }
        let notice = OrderChangeNotification(
            notificationType: try required(root, "NotificationType", at: "the message"),
            notificationID: try required(metadata, "NotificationId", at: "NotificationMetadata"),
            sellerID: try required(change, "SellerId", at: "Payload.OrderChangeNotification"),
            amazonOrderID: try required(change, "AmazonOrderId", at: "Payload.OrderChangeNotification"),
            marketplaceID: try required(summary, "MarketplaceId", at: "Payload.OrderChangeNotification.Summary"),
            fulfillmentType: try required(summary, "FulfillmentType", at: "Payload.OrderChangeNotification.Summary"),
            orderStatus: summary?["OrderStatus"] as? String,
            orderChangeType: change?["OrderChangeType"] as? String,
            changeReason: trigger?["ChangeReason"] as? String,
            timeOfOrderChange: (trigger?["TimeOfOrderChange"] as? String).flatMap(Self.date),
            eventTime: (root["EventTime"] as? String).flatMap(Self.date),
            deviations: Self.deviations(root))
        return notice
    }

    /// The schema's `required` lists, walked over the document.
    static func deviations(_ root: [String: Any]) -> [String] {
        var found: [String] = []
        func check(_ object: Any?, _ path: String, _ keys: [String], nullable: Set<String> = []) {
            guard let object = object as? [String: Any] else { found.append("\(path) is missing"); return }
            for key in keys {
                switch object[key] {
                case nil: found.append("\(path).\(key) is missing")
                case is NSNull where !nullable.contains(key): found.append("\(path).\(key) is null")
                default: break
                }
            }
        }
        check(root, "$", ["NotificationVersion", "NotificationType", "PayloadVersion", "EventTime", "Payload", "NotificationMetadata"])
        let payload = root["Payload"] as? [String: Any]
        check(payload, "$.Payload", ["OrderChangeNotification"])
        let change = payload?["OrderChangeNotification"] as? [String: Any]
        let base = "$.Payload.OrderChangeNotification"
        check(change, base, ["NotificationLevel", "SellerId", "AmazonOrderId", "OrderChangeType", "OrderChangeTrigger", "Summary"])
        check(change?["OrderChangeTrigger"], base + ".OrderChangeTrigger", ["TimeOfOrderChange", "ChangeReason"], nullable: ["TimeOfOrderChange"])
        let summary = change?["Summary"] as? [String: Any]
        check(summary, base + ".Summary", ["MarketplaceId", "OrderStatus", "PurchaseDate", "DestinationPostalCode", "FulfillmentType", "OrderType", "OrderItems"],
              nullable: ["PurchaseDate", "DestinationPostalCode"])
        for (index, item) in (summary?["OrderItems"] as? [Any] ?? []).enumerated() {
            check(item, base + ".Summary.OrderItems[\(index)]", ["OrderItemId", "SellerSKU", "SupplySourceId", "Quantity"], nullable: ["SupplySourceId"])
        }
        check(root["NotificationMetadata"], "$.NotificationMetadata", ["ApplicationId", "SubscriptionId", "PublishTime", "NotificationId"])
        return found
    }

    /// ISO 8601 with or without fractional seconds.
    static func date(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: .iso8601)
    }
}

/// A message that is not an `ORDER_CHANGE` notification the intake can act on.
public struct UnreadableNotification: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "unreadable ORDER_CHANGE notification: \(reason)" }
}
