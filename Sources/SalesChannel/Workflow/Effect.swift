/// Something the workflow decided must happen outside SalesChannel's own records.
///
/// Effects are written to the outbox in the same transaction as the record that caused them
/// and run by the ``EffectRunner`` with an idempotency key, so each happens once however often
/// the process crashes.
public enum Effect: Hashable, Codable, Sendable {
    /// Ask the ``CustomerPolicy`` who the buyer is in the commerce system (MFN step 4).
    case assignCustomer
    /// Create the commerce order (MFN step 3, FBA step 3).
    case createCommerceOrder(CommercePlan)
    /// Hand the commerce order to a fulfilment system through the named ``ShipmentSink``.
    case handOff(sink: String)
    /// Tell the named sink that the order was canceled.
    case cancelHandoff(sink: String)
    /// Cancel the commerce order (Amazon canceled before shipment).
    case cancelCommerceOrder
    /// Record a shipment's quantities on the commerce order.
    case recordCommerceShipment(ShipmentID)
    /// Set the commerce order to `Complete` (every item shipped).
    case completeCommerceOrder
    /// Confirm a shipment to Amazon with its tracking (MFN step 5).
    case confirmShipment(ShipmentID)
    /// Tell the merchant-facing notifiers.
    /// Tell the merchant. The workflow emits it for every notifier (`notifier` nil); the
    /// ``Composition`` turns it into one job per configured notifier, so that one notifier
    /// failing is retried alone. Jobs stored before that (nil) tell every notifier.
    case notify(MerchantEvent.Kind, detail: String?, notifier: String? = nil)
    /// A stored job this release cannot read (written by a newer release, or damaged), named as
    /// it was stored. It is never run: a store sets it aside (dead-lettered, with `reason`).
    case unreadable(name: String, reason: String)

    /// How the commerce order is to be created.
    public struct CommercePlan: Hashable, Codable, Sendable {
        public var status: CommerceOrderStatus
        public var requestedNumber: CommerceOrderNumber?
        public var affectsInventory: Bool
        public init(status: CommerceOrderStatus, requestedNumber: CommerceOrderNumber?, affectsInventory: Bool) {
            self.status = status
            self.requestedNumber = requestedNumber
            self.affectsInventory = affectsInventory
        }
    }

    /// A stable name for this effect within its order, used in its idempotency key.
    public var name: String {
        switch self {
        case .assignCustomer: "assign-customer"
        case .createCommerceOrder: "create-commerce-order"
        case .handOff(let sink): "handoff:\(sink)"
        case .cancelHandoff(let sink): "cancel-handoff:\(sink)"
        case .cancelCommerceOrder: "cancel-commerce-order"
        case .recordCommerceShipment(let id): "commerce-shipment:\(id)"
        case .completeCommerceOrder: "complete-commerce-order"
        case .confirmShipment(let id): "confirm-shipment:\(id)"
        case .notify(let kind, let detail, let notifier):
            "notify:\(kind.rawValue)" + (detail.map { ":\($0)" } ?? "") + (notifier.map { "@\($0)" } ?? "")
        case .unreadable(let name, _): name
        }
    }

    /// The key under which this effect runs at most once: `<amazon order id>/<name>`, and for a
    /// replay (generation 2, 3, …) `<amazon order id>/<name>/replay-<generation>`.
    public func idempotencyKey(for order: AmazonOrderID, generation: Int = 1) -> String {
        generation > 1 ? "\(order)/\(name)/replay-\(generation)" : "\(order)/\(name)"
    }

    /// Whether `jobs replay` may run this effect again: deliveries to systems outside
    /// (sinks, Amazon, notifiers), never the commerce system's own changes.
    public var isReplayable: Bool {
        switch self {
        case .handOff, .cancelHandoff, .confirmShipment, .notify: true
        default: false
        }
    }

    /// Ordered effects of one order run strictly one after another (the customer before the
    /// commerce order, the order before its handoff). Notifications do not wait and block nothing.
    public var isOrdered: Bool {
        if case .notify = self { return false }
        return true
    }
}
