/// What the workflow decided for one order: the record to store, the effects to enqueue with
/// it, and the history entries to add. Stored together in one transaction.
public struct WorkflowDecision: Hashable, Sendable {
    /// The record to store; `nil` when nothing is to be stored (an FBA order before `Shipped`).
    public var record: OrderRecord?
    public var effects: [Effect]
    public var events: [OrderEvent]
    /// False when the snapshot changed nothing (stale or repeated).
    public var changed: Bool

    public init(record: OrderRecord?, effects: [Effect] = [], events: [OrderEvent] = [], changed: Bool = true) {
        self.record = record
        self.effects = effects
        self.events = events
        self.changed = changed
    }

    /// Nothing to store or do.
    public static func unchanged(_ record: OrderRecord?) -> WorkflowDecision {
        WorkflowDecision(record: record, changed: false)
    }
}
