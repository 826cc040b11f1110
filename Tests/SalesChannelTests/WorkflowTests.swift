import Foundation
import SalesChannel
import SalesChannelTesting
import Testing

/// The reference workflow (Adobe's "Amazon fulfillment workflows") as a table: each row is a
/// step, the snapshots Amazon reports, and what must follow.
struct WorkflowTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    static func order(
        _ status: AmazonOrderStatus, at minutes: Double, channel: FulfillmentChannel = .merchant,
        buyer: Bool = false, cancelRequest: Bool = false, shipped: Int = 0, priced: Bool = true, grandTotal: String? = nil
    ) -> ChannelOrder {
        ChannelOrder(
            sellerID: "SELLER", marketplaceID: "ATVPDKIKX0DER", amazonOrderID: "902-1845936-5435065",
            fulfillmentChannel: channel, status: status, purchaseDate: t0, lastUpdateDate: t0.addingTimeInterval(minutes * 60),
            lines: [
                ChannelOrderLine(orderItemID: "11111", sku: "MUG", asin: "B00551Q3CS", title: "Mug", quantityOrdered: 2,
                                 quantityShipped: min(shipped, 2), itemPrice: priced ? Money(Decimal(string: "20.00")!, "USD") : nil,
                                 itemTax: priced ? Money(2, "USD") : nil),
                ChannelOrderLine(orderItemID: "22222", sku: "CUP", asin: "B00551Q3CT", title: "Cup", quantityOrdered: 1,
                                 quantityShipped: max(0, shipped - 2), itemPrice: priced ? Money(5, "USD") : nil),
            ],
            buyer: buyer ? Buyer(name: "Jane Doe", email: "abc123@marketplace.amazon.com") : nil,
            orderTotal: grandTotal.map { Money(Decimal(string: $0)!, "USD") },  // the lines add up to 20.00 + 2 tax + 5 = 27.00
            buyerCancellationRequest: cancelRequest ? BuyerCancellationRequest(reason: "Found cheaper somewhere else.") : nil)
    }

    struct Row: CustomTestStringConvertible, Sendable {
        var step: String
        var snapshots: [ChannelOrder]
        var settings = OrderSettings(sinkNames: ["erp"])
        /// Expected: stored at all, visible, the effects planned (names, in order), statuses.
        var stored = true
        var visible = false
        var effects: [String] = []
        var check: @Sendable (OrderRecord?, [Effect]) -> Bool = { _, _ in true }
        var testDescription: String { step }
    }

    static let rows: [Row] = [
        Row(step: "MFN 1: a Pending order is imported but hidden", snapshots: [order(.pending, at: 0)]),
        Row(step: "MFN 2: Unshipped shows the order on the Orders page",
            snapshots: [order(.pending, at: 0), order(.unshipped, at: 5)], visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "handoff:erp"]),
        Row(step: "MFN 3: details (price, buyer) are filled and the commerce order is created",
            snapshots: [order(.pending, at: 0), order(.unshipped, at: 5, buyer: true)], visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "handoff:erp"],
            check: { record, effects in
                record?.order.buyer?.email == "abc123@marketplace.amazon.com"
                    && effects.contains(.createCommerceOrder(.init(status: .pending, requestedNumber: nil, affectsInventory: true)))
            }),
        Row(step: "MFN 3: a Pending order comes without money (as Amazon sends it); Unshipped brings the prices",
            snapshots: [order(.pending, at: 0, priced: false), order(.unshipped, at: 5, buyer: true)], visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "handoff:erp"],
            check: { record, _ in record?.order.lines.map(\.itemPrice) == [Money(Decimal(string: "20.00")!, "USD"), Money(5, "USD")] }),
        Row(step: "MFN 3: a later snapshot without money keeps the prices already known",
            snapshots: [order(.unshipped, at: 5, buyer: true), order(.unshipped, at: 9, buyer: true, cancelRequest: true, priced: false)],
            visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "handoff:erp", "notify:buyer-requested-cancellation"],
            check: { record, _ in record?.order.lines.first?.itemTax == Money(2, "USD") && record?.order.lines.last?.itemPrice == Money(5, "USD") }),
        Row(step: "MFN 3: an order whose charges do not add up to Amazon's grand total is held, not booked",
            snapshots: [order(.unshipped, at: 5, buyer: true, grandTotal: "27.50")], visible: true,
            effects: ["notify:order-imported", "notify:totals-held"],
            check: { record, _ in record?.totalsHold?.contains("difference 0.5") == true && record?.lastError?.hasPrefix("totals held") == true }),
        Row(step: "MFN 3: Amazon's corrected grand total releases the hold and books the order",
            snapshots: [order(.unshipped, at: 5, buyer: true, grandTotal: "27.50"), order(.unshipped, at: 9, buyer: true, grandTotal: "27.00")],
            visible: true,
            effects: ["notify:order-imported", "notify:totals-held", "assign-customer", "create-commerce-order", "handoff:erp"],
            check: { record, _ in record?.totalsHold == nil && record?.lastError == nil }),
        Row(step: "MFN 3: an order canceled while held keeps no hold",
            snapshots: [order(.unshipped, at: 5, buyer: true, grandTotal: "27.50"), order(.canceled, at: 9, buyer: true, grandTotal: "27.50")],
            visible: true, effects: ["notify:order-imported", "notify:totals-held"],
            check: { record, _ in record?.totalsHold == nil && record?.lastError == nil }),
        Row(step: "MFN 4: the customer is decided before the order is created, then the ERP gets it",
            snapshots: [order(.unshipped, at: 5, buyer: true)], visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "handoff:erp"],
            check: { record, _ in record?.handoff == .pending }),
        Row(step: "MFN 4: guest customers with no sink configured are not handed off",
            snapshots: [order(.unshipped, at: 5)], settings: OrderSettings(sinkNames: []), visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order"],
            check: { record, _ in record?.handoff == .notApplicable }),
        Row(step: "MFN 5: shipped outside SalesChannel, Amazon reports Shipped: commerce order Complete",
            snapshots: [order(.unshipped, at: 5), order(.shipped, at: 60, shipped: 3)], visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "handoff:erp", "complete-commerce-order"]),
        Row(step: "MFN 5: PartiallyShipped at Amazon does not complete the commerce order",
            snapshots: [order(.unshipped, at: 5), order(.partiallyShipped, at: 60, shipped: 2)], visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "handoff:erp"],
            check: { record, _ in record?.order.status == .partiallyShipped && record?.plans.completion == false }),
        Row(step: "FBA 1: an Amazon-fulfilled order placed (Pending) is not imported",
            snapshots: [order(.pending, at: 0, channel: .amazon)], stored: false),
        Row(step: "FBA 2: not imported until Amazon sets Shipped",
            snapshots: [order(.pending, at: 0, channel: .amazon), order(.unshipped, at: 5, channel: .amazon)], stored: false),
        Row(step: "FBA 3: at Shipped the commerce order is created Complete, affecting no inventory, never handed off",
            snapshots: [order(.pending, at: 0, channel: .amazon), order(.shipped, at: 60, channel: .amazon, shipped: 3)], visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order"],
            check: { record, effects in
                effects.contains(.createCommerceOrder(.init(status: .complete, requestedNumber: nil, affectsInventory: false)))
                    && record?.handoff == .notApplicable
            }),
        Row(step: "FBA: an order Amazon cancels before shipping is never imported",
            snapshots: [order(.pending, at: 0, channel: .amazon), order(.canceled, at: 9, channel: .amazon)], stored: false),
        Row(step: "Cancellation: Amazon cancels after verification: commerce order canceled, sink told, merchant notified",
            snapshots: [order(.unshipped, at: 5), order(.canceled, at: 30)], visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "handoff:erp",
                      "cancel-commerce-order", "cancel-handoff:erp", "notify:canceled"]),
        Row(step: "Cancellation: canceled before Amazon verified it: shown as canceled, nothing to undo",
            snapshots: [order(.pending, at: 0), order(.canceled, at: 30)], visible: true,
            check: { record, _ in record?.commerceOrderNumber == nil && record?.plans.commerceOrder == false }),
        Row(step: "Buyer-requested cancellation is flagged and the merchant notified",
            snapshots: [order(.unshipped, at: 5), order(.unshipped, at: 20, cancelRequest: true)], visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "handoff:erp", "notify:buyer-requested-cancellation"],
            check: { record, _ in record?.buyerCancellationFlagged == true }),
        Row(step: "Import Amazon Orders disabled: channel orders visible, no commerce orders",
            snapshots: [order(.pending, at: 0), order(.unshipped, at: 5)],
            settings: OrderSettings(importAmazonOrders: false, sinkNames: ["erp"]), visible: true,
            effects: ["notify:order-imported"], check: { record, _ in record?.handoff == .notApplicable }),
        Row(step: "Order Number Source: commerce increment number (default)",
            snapshots: [order(.unshipped, at: 5)], visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "handoff:erp"],
            check: { _, effects in effects.contains(.createCommerceOrder(.init(status: .pending, requestedNumber: nil, affectsInventory: true))) }),
        Row(step: "Order Number Source: Amazon order number",
            snapshots: [order(.unshipped, at: 5)], settings: OrderSettings(orderNumberSource: .amazonOrderNumber, sinkNames: ["erp"]),
            visible: true, effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "handoff:erp"],
            check: { _, effects in
                effects.contains(.createCommerceOrder(.init(status: .pending, requestedNumber: "902-1845936-5435065", affectsInventory: true)))
            }),
        Row(step: "Order Status: custom Processing Order Status for new orders",
            snapshots: [order(.unshipped, at: 5)], settings: OrderSettings(processingOrderStatus: "processing", sinkNames: ["erp"]),
            visible: true, effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "handoff:erp"],
            check: { _, effects in effects.contains(.createCommerceOrder(.init(status: "processing", requestedNumber: nil, affectsInventory: true))) }),
        Row(step: "Stale snapshots never regress a record",
            snapshots: [order(.unshipped, at: 5), order(.pending, at: 0), order(.unshipped, at: 5)], visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "handoff:erp"],
            check: { record, _ in record?.order.status == .unshipped }),
        Row(step: "A newer snapshot with an older status does not move the status back",
            snapshots: [order(.shipped, at: 60, shipped: 3), order(.unshipped, at: 90)], visible: true,
            effects: ["notify:order-imported", "assign-customer", "create-commerce-order", "complete-commerce-order"],
            check: { record, _ in record?.order.status == .shipped && record?.order.lines[0].quantityShipped == 2 }),
    ]

    static func replay(_ snapshots: [ChannelOrder], settings: OrderSettings) -> (OrderRecord?, [Effect]) {
        var record: OrderRecord?
        var effects: [Effect] = []
        for snapshot in snapshots {
            let decision = Workflow.apply(snapshot: snapshot, to: record, sourceID: "test", settings: settings, now: t0)
            if decision.changed, let next = decision.record { record = next }
            effects += decision.effects
        }
        return (record, effects)
    }

    @Test(arguments: rows)
    func referenceWorkflow(_ row: Row) {
        let (record, effects) = Self.replay(row.snapshots, settings: row.settings)
        #expect((record != nil) == row.stored)
        #expect((record?.visible ?? false) == row.visible)
        #expect(effects.map(\.name) == row.effects)
        #expect(row.check(record, effects))
    }

    @Test func mfnStep5ShippingEveryItemCompletesTheOrderAndShipsAtAmazon() throws {
        let settings = OrderSettings(sinkNames: ["erp"])
        let (stored, _) = Self.replay([Self.order(.unshipped, at: 5)], settings: settings)
        var record = try #require(stored)
        let created = CommerceOrder(number: "000000001", amazonOrderID: record.amazonOrderID, status: .pending, lines: [], subtotal: nil,
                                    tax: nil, grandTotal: nil, customer: .guest, affectsInventory: true, createdAt: Self.t0)
        record = try #require(Workflow.apply(.commerceOrderCreated(created), of: .createCommerceOrder(.init(status: .pending, requestedNumber: nil, affectsInventory: true)), to: record, now: Self.t0).record)

        // Partial shipment: one mug. Not complete; confirmed → PartiallyShipped.
        let first = Shipment(id: "S1", amazonOrderID: record.amazonOrderID, packages: [
            ShipmentPackage(packageReferenceID: "1", carrierCode: "UPS", trackingNumber: "1Z999", shipDate: Self.t0, items: [ShipmentItem(orderItemID: "11111", quantity: 1)])
        ], recordedAt: Self.t0)
        var decision = try Workflow.record(shipment: first, on: record, settings: settings, now: Self.t0)
        #expect(decision.effects.map(\.name) == ["confirm-shipment:S1", "commerce-shipment:S1"])
        record = try #require(decision.record)
        record = try #require(Workflow.apply(.shipmentConfirmed("S1"), of: .confirmShipment("S1"), to: record, now: Self.t0).record)
        #expect(record.order.status == .partiallyShipped)
        #expect(record.shipments[0].amazonConfirmation == .confirmed)

        // Too many: refused with the reason.
        let tooMany = Shipment(id: "S2", amazonOrderID: record.amazonOrderID, packages: [
            ShipmentPackage(packageReferenceID: "2", carrierCode: "UPS", trackingNumber: "1Z998", shipDate: Self.t0, items: [ShipmentItem(orderItemID: "11111", quantity: 2)])
        ], recordedAt: Self.t0)
        #expect(throws: ShipmentRejection.self) { try Workflow.record(shipment: tooMany, on: record, settings: settings, now: Self.t0) }

        // The rest: Complete, and Shipped at Amazon once confirmed.
        let rest = Shipment(id: "S2", amazonOrderID: record.amazonOrderID, packages: [
            ShipmentPackage(packageReferenceID: "2", carrierCode: "Other", carrierName: "Acme Post", trackingNumber: "AC1", shipDate: Self.t0,
                            items: [ShipmentItem(orderItemID: "11111", quantity: 1), ShipmentItem(orderItemID: "22222", quantity: 1)])
        ], recordedAt: Self.t0)
        decision = try Workflow.record(shipment: rest, on: record, settings: settings, now: Self.t0)
        #expect(decision.effects.map(\.name) == ["confirm-shipment:S2", "commerce-shipment:S2", "complete-commerce-order"])
        record = try #require(decision.record)
        record = try #require(Workflow.apply(.shipmentConfirmed("S2"), of: .confirmShipment("S2"), to: record, now: Self.t0).record)
        #expect(record.order.status == .shipped)

        // Amazon refusing a shipment marks it failed with Amazon's message and tells the merchant.
        let refused = Workflow.failed(.confirmShipment("S2"), on: record, reason: "InvalidInput: bad carrier (request 42)", final: true, now: Self.t0)
        #expect(refused.record?.shipments[1].amazonConfirmation == .failed)
        #expect(refused.effects.map(\.name) == ["notify:shipment-refused:S2"])
    }

    @Test func fbaOrdersTakeNoShipments() throws {
        let (stored, _) = Self.replay([Self.order(.shipped, at: 60, channel: .amazon, shipped: 3)], settings: OrderSettings())
        let record = try #require(stored)
        let shipment = Shipment(id: "S1", amazonOrderID: record.amazonOrderID, packages: [
            ShipmentPackage(packageReferenceID: "1", carrierCode: "UPS", trackingNumber: "1Z", shipDate: Self.t0, items: [ShipmentItem(orderItemID: "11111", quantity: 1)])
        ], recordedAt: Self.t0)
        #expect(throws: ShipmentRejection.self) { try Workflow.record(shipment: shipment, on: record, settings: OrderSettings(), now: Self.t0) }
    }
}
