/// A `searchOrders` query that breaks one of Amazon's rules: a programming error, caught before
/// any call is spent.
public struct SearchOrdersRuleViolation: Error, Hashable, Sendable, CustomStringConvertible {
    public var rule: SearchOrdersRule
    public var detail: String

    public init(rule: SearchOrdersRule, detail: String) {
        self.rule = rule
        self.detail = detail
    }

    public var description: String {
        "searchOrders query breaks Amazon's rule `\(rule.rawValue)`: \(detail) (\(rule.modelSource): \"\(rule.modelText)\")"
    }
}
