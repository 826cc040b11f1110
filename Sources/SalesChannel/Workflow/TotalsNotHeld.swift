/// `accept-totals` was asked for an order whose money cannot be accepted: not held for its
/// totals, canceled, or in several currencies.
public struct TotalsNotHeld: Error, Hashable, Sendable, CustomStringConvertible {
    public var order: AmazonOrderID
    public var reason: String
    public init(order: AmazonOrderID, reason: String = "it is not held for its totals; nothing to accept") {
        self.order = order
        self.reason = reason
    }
    public var description: String { "order \(order): \(reason)" }
}
