import AmazonSellingPartner
import Foundation

extension SandboxState {
    /// Every change Amazon made to an order in `(after, through]`, oldest first: status
    /// changes, buyers' cancellation requests, confirmed shipments, corrected totals.
    func changes(after: Date, through: Date) -> [(orderID: String, at: Date)] {
        var found: [(orderID: String, at: Date)] = []
        for (id, order) in orders where order.exists(at: through) {
            // The timeline begins with the order's creation, so a new order is a change too.
            for at in order.changes(at: through) where at > after { found.append((id, at)) }
        }
        return found.sorted { ($0.at, $0.orderID) < ($1.at, $1.orderID) }
    }

    /// The `ORDER_CHANGE` notification Amazon would publish for the change of order `id` at
    /// `at`, in the shape `OrderChangeNotification.json` states (every required field; the
    /// statuses in the Orders v0 spelling; no buyer data and no money, as Amazon's has none).
    func orderChangeNotification(_ id: String, at: Date, notificationID: String, publishedAt: Date) -> String? {
        guard let sandboxOrder = orders[id] else { return nil }
        let order = sandboxOrder.snapshot(at: at, including: [.recipient, .fulfillment])
        let status = sandboxOrder.status(at: at)
        let changeType: String
        let reason: String
        if sandboxOrder.buyerCancelAt == at {
            (changeType, reason) = ("BuyerRequestedChange", "Buyer Requested Cancel")
        } else if sandboxOrder.shipments.contains(where: { $0.confirmedAt == at }) {
            (changeType, reason) = ("OrderStatusChange", "Shipment Confirmed")
        } else {
            (changeType, reason) = ("OrderStatusChange", "Order Status Changed")
        }
        let items: [[String: Any]] = sandboxOrder.order.orderItems.map { item in
            let shipped = sandboxOrder.channel == "MFN" ? sandboxOrder.shippedQuantity(item.orderItemId) : (status == .shipped ? item.quantityOrdered : 0)
            return [
                "OrderItemId": item.orderItemId, "SellerSKU": item.product.sellerSku ?? item.orderItemId, "SupplySourceId": NSNull(),
                "Quantity": item.quantityOrdered, "QuantityShipped": shipped,
                "OrderItemStatus": shipped >= item.quantityOrdered ? "Shipped" : "Unshipped",
                "IsBuyerRequestedCancel": sandboxOrder.buyerCancelAt.map { $0 <= at } ?? false,
            ]
        }
        let shippedItems = items.reduce(0) { $0 + ($1["QuantityShipped"] as? Int ?? 0) }
        let orderedItems = sandboxOrder.order.orderItems.reduce(0) { $0 + $1.quantityOrdered }
        let postalCode: Any = order.recipient?.deliveryAddress?.postalCode ?? NSNull()
        let document: [String: Any] = [
            "NotificationVersion": "1.0",
            "NotificationType": "ORDER_CHANGE",
            "PayloadVersion": "1.0",
            "EventTime": Self.iso(publishedAt),
            "Payload": [
                "OrderChangeNotification": [
                    "NotificationLevel": "OrderLevel",
                    "SellerId": configuration.sellerID,
                    "AmazonOrderId": id,
                    "OrderChangeType": changeType,
                    "OrderChangeTrigger": ["TimeOfOrderChange": Self.iso(at), "ChangeReason": reason],
                    "Summary": [
                        "MarketplaceId": order.salesChannel.marketplaceId ?? configuration.marketplaceID,
                        "OrderStatus": Self.v0Status(status),
                        "PurchaseDate": Self.iso(order.createdTime),
                        "DestinationPostalCode": postalCode,
                        "FulfillmentType": sandboxOrder.channel == "MFN" ? "MFN" : "AFN",
                        "OrderType": "StandardOrder",
                        "NumberOfItemsShipped": shippedItems,
                        "NumberOfItemsUnshipped": max(0, orderedItems - shippedItems),
                        "OrderItems": items,
                    ] as [String: Any],
                ] as [String: Any],
            ],
            "NotificationMetadata": [
                "ApplicationId": "amzn1.sellerapps.app.sandbox-saleschannel",
                "SubscriptionId": "sandbox-order-change-subscription",
                "PublishTime": Self.iso(publishedAt),
                "NotificationId": notificationID,
            ],
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The Orders v0 spelling `OrderChangeNotification.json` uses for a status.
    static func v0Status(_ status: FulfillmentStatus) -> String {
        switch status {
        case .pendingAvailability: "PendingAvailability"
        case .pending: "Pending"
        case .unshipped: "Unshipped"
        case .partiallyShipped: "PartiallyShipped"
        case .shipped: "Shipped"
        case .cancelled: "Canceled"
        case .unfulfillable: "Unfulfillable"
        case .other(let value): value
        }
    }

    static func iso(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
