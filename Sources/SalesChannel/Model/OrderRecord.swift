import Foundation

/// What SalesChannel knows about one Amazon order: the newest snapshot folded in, and where the
/// commerce side of it stands. The workflow is the only thing that changes a record.
public struct OrderRecord: Hashable, Codable, Sendable {
    /// The newest channel snapshot, merged so that nothing moves backwards.
    public var order: ChannelOrder
    /// The ``OrderSource`` that imported it; shipments are confirmed through the same source.
    public var sourceID: String
    /// Shown on the Orders page. Pending orders are imported but hidden (MFN step 1).
    public var visible: Bool
    public var commerceOrderNumber: CommerceOrderNumber?
    public var commerceStatus: CommerceOrderStatus?
    public var customer: CustomerAssignment?
    public var handoff: HandoffStatus
    public var shipments: [Shipment]
    /// The buyer asked Amazon to cancel; the merchant has been told.
    public var buyerCancellationFlagged: Bool
    /// The most recent failure, in words safe to show (no buyer data).
    public var lastError: String?
    /// Why the order's money cannot be booked yet (its charges do not add up to Amazon's grand
    /// total): no commerce order is created while this is set.
    public var totalsHold: String?
    /// The merchant accepted the order's money as Amazon sent it (`orders accept-totals`).
    public var totalsAccepted: Bool?
    /// Plans already made, so that no repetition of snapshots ever plans them twice.
    public var plans: Plans
    /// How many times each effect's final failure was notified (by effect name), so that a job
    /// replayed and failing again notifies again under a key of its own. Absent in records
    /// written before it existed.
    public var failureNotices: [String: Int]?
    public var firstSeenAt: Date
    public var updatedAt: Date

    public init(order: ChannelOrder, sourceID: String, now: Date) {
        self.order = order
        self.sourceID = sourceID
        self.visible = false
        self.handoff = .notApplicable
        self.shipments = []
        self.buyerCancellationFlagged = false
        self.plans = Plans()
        self.firstSeenAt = now
        self.updatedAt = now
    }

    public var amazonOrderID: AmazonOrderID { order.amazonOrderID }

    /// Which one-time effects the workflow has already emitted for this order.
    public struct Plans: Hashable, Codable, Sendable {
        public var commerceOrder = false
        public var handoff = false
        public var cancellation = false
        public var completion = false
        public var importedNotice = false
        public init() {}
    }

    /// Shipped quantity per item: what Amazon reports, or what the merchant has recorded in
    /// shipments not refused by Amazon, whichever is more.
    public func shippedQuantity(_ item: OrderItemID) -> Int {
        let amazon = order.line(item)?.quantityShipped ?? 0
        let recorded = shipments.filter { $0.amazonConfirmation != .failed }
            .reduce(0) { $0 + ($1.quantities[item] ?? 0) }
        return max(amazon, recorded)
    }

    /// Every item is shipped, by Amazon's word or by confirmed and pending shipments.
    public var isFullyShipped: Bool {
        order.status == .shipped
            || (!order.lines.isEmpty
                && order.lines.allSatisfy { shippedQuantity($0.orderItemID) >= $0.quantityOrdered })
    }

    public var isCanceled: Bool { order.status == .canceled || order.status == .unfulfillable }
}

/// Where the handoff to the fulfilment system (ERP/OMS/WMS) stands.
public enum HandoffStatus: String, Hashable, Codable, Sendable {
    case pending
    case delivered
    case failed
    /// FBA orders, and orders while `Import Amazon Orders` is disabled: nothing to hand off.
    case notApplicable = "not-applicable"
}
