import ArgumentParser
import Foundation
import SalesChannel

struct OrdersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "The Orders page: visible channel orders with their commerce orders.",
        discussion: "Pending orders are imported but hidden, as Amazon has not verified them; --all shows them too.")

    @OptionGroup var deployment: DeploymentOptions
    @Flag(help: "Include hidden (Pending) orders.") var all = false
    @Flag(help: "Print one JSON array (the stable interface documented in docs/orders-json.md).") var json = false

    func run() async throws {
        let records = try await deployment.composition().store.records(includeHidden: all)
        if json {
            let data = try cliEncoder().encode(records.map(OrderView.init))
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(pad("AMAZON ORDER", 21) + pad("CH", 4) + pad("AMAZON STATUS", 18) + pad("COMMERCE", 11) + pad("STATUS", 11) + pad("CUSTOMER", 10) + "HANDOFF")
        for record in records {
            let view = OrderView(record)
            print(pad(view.amazonOrderId, 21) + pad(view.fulfillmentChannel, 4) + pad(view.amazonStatus + (record.visible ? "" : "*"), 18)
                + pad(view.commerceOrderNumber ?? "-", 11) + pad(view.commerceStatus ?? "-", 11)
                + pad(view.customer.map { $0.id ?? $0.kind } ?? "-", 10) + view.handoff.status
                + (view.lastError.map { "  ! \($0)" } ?? ""))
        }
        print("\(records.count) order(s)" + (all ? " (* hidden: not yet verified by Amazon)" : ""))
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

/// One element of `orders --json`: the stable interface (docs/orders-json.md).
struct OrderView: Encodable {
    var amazonOrderId: String
    var sellerId: String
    var marketplaceId: String
    var fulfillmentChannel: String
    var amazonStatus: String
    var visible: Bool
    var purchaseDate: Date
    var lastUpdateDate: Date
    var commerceOrderNumber: String?
    var commerceStatus: String?
    var customer: CustomerView?
    var handoff: HandoffView
    var buyerRequestedCancellation: Bool
    var items: [ItemView]
    var shipments: [ShipmentView]
    var lastError: String?

    struct CustomerView: Encodable {
        var kind: String
        var id: String?
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kind, forKey: .kind)
            try c.encode(id, forKey: .id)
        }
        enum CodingKeys: String, CodingKey { case kind, id }
    }
    struct HandoffView: Encodable { var status: String }
    struct ItemView: Encodable { var orderItemId: String; var sku: String; var quantityOrdered: Int; var quantityShipped: Int }
    struct ShipmentView: Encodable {
        var shipmentId: String
        var carrier: String
        var carrierName: String?
        var trackingNumber: String
        var shipDate: Date
        var items: [String: Int]
        var amazonConfirmation: String
        var error: String?
    }

    enum CodingKeys: String, CodingKey {
        case amazonOrderId, sellerId, marketplaceId, fulfillmentChannel, amazonStatus, visible, purchaseDate, lastUpdateDate
        case commerceOrderNumber, commerceStatus, customer, handoff, buyerRequestedCancellation, items, shipments, lastError
    }

    /// Absent values are written as `null`, as the interface promises, never left out.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(amazonOrderId, forKey: .amazonOrderId)
        try c.encode(sellerId, forKey: .sellerId)
        try c.encode(marketplaceId, forKey: .marketplaceId)
        try c.encode(fulfillmentChannel, forKey: .fulfillmentChannel)
        try c.encode(amazonStatus, forKey: .amazonStatus)
        try c.encode(visible, forKey: .visible)
        try c.encode(purchaseDate, forKey: .purchaseDate)
        try c.encode(lastUpdateDate, forKey: .lastUpdateDate)
        try c.encode(commerceOrderNumber, forKey: .commerceOrderNumber)
        try c.encode(commerceStatus, forKey: .commerceStatus)
        try c.encode(customer, forKey: .customer)
        try c.encode(handoff, forKey: .handoff)
        try c.encode(buyerRequestedCancellation, forKey: .buyerRequestedCancellation)
        try c.encode(items, forKey: .items)
        try c.encode(shipments, forKey: .shipments)
        try c.encode(lastError, forKey: .lastError)
    }

    init(_ record: OrderRecord) {
        amazonOrderId = record.amazonOrderID.rawValue
        sellerId = record.order.sellerID.rawValue
        marketplaceId = record.order.marketplaceID.rawValue
        fulfillmentChannel = record.order.fulfillmentChannel.rawValue
        amazonStatus = record.order.status.rawValue
        visible = record.visible
        purchaseDate = record.order.purchaseDate
        lastUpdateDate = record.order.lastUpdateDate
        commerceOrderNumber = record.commerceOrderNumber?.rawValue
        commerceStatus = record.commerceStatus?.rawValue
        customer = record.customer.map { CustomerView(kind: $0.kind, id: $0.customerID?.rawValue) }
        handoff = HandoffView(status: record.handoff.rawValue)
        buyerRequestedCancellation = record.buyerCancellationFlagged
        items = record.order.lines.map {
            ItemView(orderItemId: $0.orderItemID.rawValue, sku: $0.sku, quantityOrdered: $0.quantityOrdered,
                     quantityShipped: record.shippedQuantity($0.orderItemID))
        }
        shipments = record.shipments.flatMap { shipment in
            shipment.packages.map { package in
                ShipmentView(
                    shipmentId: shipment.id.rawValue, carrier: package.carrierCode, carrierName: package.carrierName,
                    trackingNumber: package.trackingNumber, shipDate: package.shipDate,
                    items: Dictionary(package.items.map { ($0.orderItemID.rawValue, $0.quantity) }, uniquingKeysWith: +),
                    amazonConfirmation: shipment.amazonConfirmation.rawValue, error: shipment.lastError)
            }
        }
        lastError = record.lastError
    }
}

struct OrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "order", abstract: "One order with its event history.")

    @OptionGroup var deployment: DeploymentOptions
    @Argument(help: "The Amazon order id.") var id: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let store = try deployment.composition().store
        guard let record = try await store.record(AmazonOrderID(id)) else {
            throw CommandFailure("order \(id) is not in the store; `saleschannel orders --all` lists what is")
        }
        let events = try await store.events(for: record.amazonOrderID)
        if json {
            struct Detail: Encodable { var order: OrderView; var events: [OrderEvent] }
            print(String(decoding: try cliEncoder().encode(Detail(order: OrderView(record), events: events)), as: UTF8.self))
            return
        }
        let view = OrderView(record)
        print("Amazon order \(view.amazonOrderId)  \(view.fulfillmentChannel)  \(view.amazonStatus)\(record.visible ? "" : " (hidden: not verified yet)")")
        print("marketplace \(view.marketplaceId) · seller \(view.sellerId) · source \(record.sourceID)")
        print("commerce order \(view.commerceOrderNumber ?? "-") \(view.commerceStatus ?? "") · customer \(view.customer.map { $0.id ?? $0.kind } ?? "-") · handoff \(view.handoff.status)")
        if record.buyerCancellationFlagged { print("the buyer asked Amazon to cancel this order") }
        for item in view.items { print("  item \(item.orderItemId)  \(item.sku)  \(item.quantityShipped)/\(item.quantityOrdered) shipped") }
        for shipment in view.shipments {
            print("  shipment \(shipment.shipmentId)  \(shipment.carrier) \(shipment.trackingNumber)  Amazon: \(shipment.amazonConfirmation)\(shipment.error.map { " (\($0))" } ?? "")")
        }
        if let error = view.lastError { print("last error: \(error)") }
        print("history:")
        let formatter = ISO8601DateFormatter()
        for event in events { print("  \(formatter.string(from: event.at))  \(pad(event.kind.rawValue, 28))\(event.message)") }
    }
}
