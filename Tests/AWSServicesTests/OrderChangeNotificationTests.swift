import AmazonNotifications
import Foundation
import Testing

@Suite struct OrderChangeNotificationTests {
    static func example() throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/order-change-example", withExtension: "json"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test func theModelsExampleParses() throws {
        let notice = try OrderChangeNotification.parse(try Self.example())
        #expect(notice.notificationType == "ORDER_CHANGE")
        #expect(notice.change.amazonOrderID == "903-8868176-2219830")
        #expect(notice.change.sellerID == "A3TH9S8BH6GOGM")
        #expect(notice.change.orderChangeType == "BuyerRequestedChange")
        #expect(notice.change.changeReason == "Buyer Requested Cancel")
        #expect(notice.change.summary.marketplaceID == "ATVPDKIKX0DER")
        #expect(notice.change.summary.orderStatus == "Unshipped")
        #expect(notice.change.summary.fulfillmentType == "MFN")
        #expect(notice.change.summary.orderItems.map(\.sellerSKU) == ["SellerSKUID1"])
        #expect(notice.metadata.notificationID == "d0e9e693-c3ad-4373-979f-ed4ec98dd746")
    }

    /// Each field the schema requires, removed in turn, makes the notice unreadable, and the
    /// reason names the field.
    @Test(arguments: [
        ["NotificationVersion"], ["NotificationType"], ["PayloadVersion"], ["EventTime"], ["Payload"], ["NotificationMetadata"],
        ["Payload", "OrderChangeNotification", "SellerId"], ["Payload", "OrderChangeNotification", "AmazonOrderId"],
        ["Payload", "OrderChangeNotification", "NotificationLevel"], ["Payload", "OrderChangeNotification", "OrderChangeType"],
        ["Payload", "OrderChangeNotification", "OrderChangeTrigger", "TimeOfOrderChange"],
        ["Payload", "OrderChangeNotification", "OrderChangeTrigger", "ChangeReason"],
        ["Payload", "OrderChangeNotification", "Summary", "MarketplaceId"], ["Payload", "OrderChangeNotification", "Summary", "OrderStatus"],
        ["Payload", "OrderChangeNotification", "Summary", "PurchaseDate"], ["Payload", "OrderChangeNotification", "Summary", "DestinationPostalCode"],
        ["Payload", "OrderChangeNotification", "Summary", "FulfillmentType"], ["Payload", "OrderChangeNotification", "Summary", "OrderType"],
        ["Payload", "OrderChangeNotification", "Summary", "OrderItems"],
        ["NotificationMetadata", "NotificationId"], ["NotificationMetadata", "SubscriptionId"],
    ])
    func aMissingRequiredFieldIsNamed(_ path: [String]) throws {
        var json = try #require(try JSONSerialization.jsonObject(with: Data(try Self.example().utf8)) as? [String: Any])
        func removing(_ path: ArraySlice<String>, from object: [String: Any]) -> [String: Any] {
            var object = object
            if path.count == 1 { object[path.first!] = nil } else if let inner = object[path.first!] as? [String: Any] {
                object[path.first!] = removing(path.dropFirst(), from: inner)
            }
            return object
        }
        json = removing(path[...], from: json)
        let body = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
        let error = #expect(throws: UnreadableNotification.self) { try OrderChangeNotification.parse(body) }
        #expect(error?.reason.contains(path.last!) == true, "\(error?.reason ?? "")")
    }

    @Test func nullWhereTheSchemaAllowsItAndUnknownEnumValuesStillParse() throws {
        var body = try Self.example()
        body = body.replacingOccurrences(of: #""PurchaseDate": "2022-07-13T19:42:04.284Z""#, with: #""PurchaseDate": null"#)
        body = body.replacingOccurrences(of: #""OrderStatus": "Unshipped""#, with: #""OrderStatus": "SomethingNew""#)
        let notice = try OrderChangeNotification.parse(body)
        #expect(notice.change.summary.purchaseDate == nil)
        #expect(notice.change.summary.orderStatus == "SomethingNew")
    }

    @Test func garbageIsRefusedWithAReasonThatQuotesNothing() {
        let error = #expect(throws: UnreadableNotification.self) { try OrderChangeNotification.parse("{\"AmazonOrderId\": \"secret-ish\"") }
        #expect(error?.reason.contains("secret-ish") == false)
    }
}
