/// `accept-totals` was asked for an order that is not held for its totals.
public struct TotalsNotHeld: Error, Hashable, Sendable, CustomStringConvertible {
    public var order: AmazonOrderID
    public init(order: AmazonOrderID) { self.order = order }
    public var description: String { "order \(order) is not held for its totals; nothing to accept" }
}
