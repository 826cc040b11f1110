import AmazonNotifications
import Foundation
import Testing

@Suite struct OrderChangeNotificationTests {
    static func example() throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/order-change-example", withExtension: "json"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func removing(_ path: [String], from body: String) throws -> String {
        var json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        func removing(_ path: ArraySlice<String>, from object: [String: Any]) -> [String: Any] {
            var object = object
            if path.count == 1 { object[path.first!] = nil } else if let inner = object[path.first!] as? [String: Any] {
                object[path.first!] = removing(path.dropFirst(), from: inner)
            }
            return object
        }
        json = removing(path[...], from: json)
        return String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
    }

    @Test func theModelsExampleParsesWithNoDeviation() throws {
        let notice = try OrderChangeNotification.parse(try Self.example())
        #expect(notice.notificationType == "ORDER_CHANGE")
        #expect(notice.amazonOrderID == "903-8868176-2219830")
        #expect(notice.sellerID == "A3TH9S8BH6GOGM")
        #expect(notice.orderChangeType == "BuyerRequestedChange")
        #expect(notice.changeReason == "Buyer Requested Cancel")
        #expect(notice.marketplaceID == "ATVPDKIKX0DER")
        #expect(notice.orderStatus == "Unshipped")
        #expect(notice.fulfillmentType == "MFN")
        #expect(notice.notificationID == "d0e9e693-c3ad-4373-979f-ed4ec98dd746")
        #expect(abs((notice.timeOfOrderChange?.timeIntervalSince1970 ?? 0) - 1_669_750_924.284) < 0.001)
        #expect(notice.deviations.isEmpty, "\(notice.deviations)")
    }

    /// A field the intake acts on, removed: the notice is refused, and the reason names it.
    @Test(arguments: [
        ["NotificationType"], ["Payload"], ["NotificationMetadata"], ["NotificationMetadata", "NotificationId"],
        ["Payload", "OrderChangeNotification", "SellerId"], ["Payload", "OrderChangeNotification", "AmazonOrderId"],
        ["Payload", "OrderChangeNotification", "Summary", "MarketplaceId"], ["Payload", "OrderChangeNotification", "Summary", "FulfillmentType"],
    ])
    func aMissingFieldTheIntakeUsesIsRefusedByName(_ path: [String]) throws {
        let error = #expect(throws: UnreadableNotification.self) { try OrderChangeNotification.parse(try Self.removing(path, from: try Self.example())) }
        #expect(error?.reason.contains(path.last!) == true, "\(error?.reason ?? "")")
    }

    /// Any other field the schema requires, removed: the notice is acted on, and the deviation
    /// is named (Amazon's own example of `Summary` lacks `SupplySourceId`).
    @Test(arguments: [
        ["NotificationVersion"], ["PayloadVersion"], ["EventTime"],
        ["Payload", "OrderChangeNotification", "NotificationLevel"], ["Payload", "OrderChangeNotification", "OrderChangeType"],
        ["Payload", "OrderChangeNotification", "OrderChangeTrigger", "TimeOfOrderChange"],
        ["Payload", "OrderChangeNotification", "OrderChangeTrigger", "ChangeReason"],
        ["Payload", "OrderChangeNotification", "Summary", "OrderStatus"], ["Payload", "OrderChangeNotification", "Summary", "PurchaseDate"],
        ["Payload", "OrderChangeNotification", "Summary", "DestinationPostalCode"], ["Payload", "OrderChangeNotification", "Summary", "OrderType"],
        ["Payload", "OrderChangeNotification", "Summary", "OrderItems"], ["NotificationMetadata", "SubscriptionId"],
    ])
    func anotherMissingRequiredFieldIsADeviation(_ path: [String]) throws {
        let notice = try OrderChangeNotification.parse(try Self.removing(path, from: try Self.example()))
        #expect(notice.deviations.contains { $0.hasSuffix("\(path.last!) is missing") }, "\(notice.deviations)")
    }

    @Test func nullWhereTheSchemaAllowsItAndUnknownEnumValuesStillParse() throws {
        var body = try Self.example()
        body = body.replacingOccurrences(of: #""PurchaseDate": "2022-07-13T19:42:04.284Z""#, with: #""PurchaseDate": null"#)
        body = body.replacingOccurrences(of: #""OrderStatus": "Unshipped""#, with: #""OrderStatus": "SomethingNew""#)
        let notice = try OrderChangeNotification.parse(body)
        #expect(notice.orderStatus == "SomethingNew")
        #expect(notice.deviations.isEmpty, "\(notice.deviations)")
    }

    @Test func garbageIsRefusedWithAReasonThatQuotesNothing() {
        let error = #expect(throws: UnreadableNotification.self) { try OrderChangeNotification.parse("{\"AmazonOrderId\": \"secret-ish\"") }
        #expect(error?.reason.contains("secret-ish") == false)
    }
}
