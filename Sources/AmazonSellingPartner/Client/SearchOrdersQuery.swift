import Foundation

/// The filters of `searchOrders` (Orders v2026-01-01).
///
/// ``validate(at:)`` checks the query against every rule the model states for it (see
/// ``SearchOrdersRule``); the client calls it before sending, so a query Amazon would refuse
/// costs no call. The client never changes a value: a page of a search repeats the first
/// request's values exactly (``nextPage(_:)``), as Amazon requires.
public struct SearchOrdersQuery: Hashable, Sendable {
    public var createdAfter: Date?
    public var createdBefore: Date?
    public var lastUpdatedAfter: Date?
    public var lastUpdatedBefore: Date?
    public var fulfillmentStatuses: [FulfillmentStatus]
    /// Empty: every marketplace of the seller (the parameter is optional in v2026-01-01).
    public var marketplaceIds: [String]
    /// Empty: both.
    public var fulfilledBy: [FulfilledBy]
    /// 1 to 100 (Amazon's default 100).
    public var maxResultsPerPage: Int?
    public var paginationToken: String?
    /// The datasets to include; a dataset not asked for is absent from the answer.
    public var includedData: [IncludedData]

    /// What an order source needs to follow the workflow: who bought it, where it goes, the
    /// money and its promotions, cancellation requests, the fulfilment status, dates and gift
    /// options, the packages, and the tax registrations and collection.
    public static let workflowData: [IncludedData] = [.buyer, .recipient, .proceeds, .promotion, .cancellation, .fulfillment, .packages, .tax]

    public init(
        createdAfter: Date? = nil, createdBefore: Date? = nil, lastUpdatedAfter: Date? = nil, lastUpdatedBefore: Date? = nil,
        fulfillmentStatuses: [FulfillmentStatus] = [], marketplaceIds: [String], fulfilledBy: [FulfilledBy] = [],
        maxResultsPerPage: Int? = 100, paginationToken: String? = nil,
        includedData: [IncludedData] = SearchOrdersQuery.workflowData
    ) {
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
        self.lastUpdatedAfter = lastUpdatedAfter
        self.lastUpdatedBefore = lastUpdatedBefore
        self.fulfillmentStatuses = fulfillmentStatuses
        self.marketplaceIds = marketplaceIds
        self.fulfilledBy = fulfilledBy
        self.maxResultsPerPage = maxResultsPerPage
        self.paginationToken = paginationToken
        self.includedData = includedData
    }

    /// The request for the page `token` names: every value of this query again, with the token.
    public func nextPage(_ token: String) -> SearchOrdersQuery {
        var next = self
        next.paginationToken = token
        return next
    }

    /// The values a page request must repeat (all but the token, `maxResultsPerPage` and
    /// `includedData`), in one canonical string.
    public var searchParameters: String {
        var parts: [String] = []
        func date(_ name: String, _ value: Date?) {
            if let value { parts.append(name + "=" + SPAPIJSON.formatDate(value)) }
        }
        date("createdAfter", createdAfter)
        date("createdBefore", createdBefore)
        date("lastUpdatedAfter", lastUpdatedAfter)
        date("lastUpdatedBefore", lastUpdatedBefore)
        if !fulfillmentStatuses.isEmpty { parts.append("fulfillmentStatuses=" + fulfillmentStatuses.map(\.rawValue).sorted().joined(separator: ",")) }
        if !marketplaceIds.isEmpty { parts.append("marketplaceIds=" + marketplaceIds.sorted().joined(separator: ",")) }
        if !fulfilledBy.isEmpty { parts.append("fulfilledBy=" + fulfilledBy.map(\.rawValue).sorted().joined(separator: ",")) }
        return parts.joined(separator: "&")
    }

    /// Checks the query against the model's rules for a request sent at `now`.
    /// - Parameter minimumBeforeAge: how long before `now` a `*Before` must lie: Amazon's two
    ///   minutes, or less against a time-scaled sandbox.
    /// - Throws: ``SearchOrdersRuleViolation`` naming the first rule it breaks.
    public func validate(at now: Date, minimumBeforeAge: TimeInterval = SearchOrdersRule.minimumBeforeAge) throws(SearchOrdersRuleViolation) {
        func fail(_ rule: SearchOrdersRule, _ detail: String) -> SearchOrdersRuleViolation {
            SearchOrdersRuleViolation(rule: rule, detail: detail)
        }
        guard (createdAfter == nil) != (lastUpdatedAfter == nil) else {
            throw fail(.exactlyOneAfter, createdAfter == nil ? "neither createdAfter nor lastUpdatedAfter is set" : "both createdAfter and lastUpdatedAfter are set")
        }
        if createdBefore != nil, createdAfter == nil {
            throw fail(.beforeWithItsOwnAfter, "createdBefore is set with lastUpdatedAfter")
        }
        if lastUpdatedBefore != nil, lastUpdatedAfter == nil {
            throw fail(.beforeWithItsOwnAfter, "lastUpdatedBefore is set with createdAfter")
        }
        // Dates go out with whole seconds; check what is sent.
        let sent = { (date: Date?) in date.map { SPAPIJSON.parseDate(SPAPIJSON.formatDate($0)) ?? $0 } }
        for (name, before, after) in [("createdBefore", sent(createdBefore), sent(createdAfter)),
                                      ("lastUpdatedBefore", sent(lastUpdatedBefore), sent(lastUpdatedAfter))] {
            guard let before else { continue }
            if let after, before < after {
                throw fail(.beforeNotEarlierThanAfter, "\(name) \(SPAPIJSON.formatDate(before)) is earlier than its after \(SPAPIJSON.formatDate(after))")
            }
            if before > now.addingTimeInterval(-minimumBeforeAge) {
                throw fail(.beforeTwoMinutesAgo, "\(name) \(SPAPIJSON.formatDate(before)) is less than two minutes before the request (\(SPAPIJSON.formatDate(now)))")
            }
        }
        if let size = maxResultsPerPage, !(1...100).contains(size) {
            throw fail(.pageSize, "maxResultsPerPage is \(size)")
        }
        if marketplaceIds.count > 50 {
            throw fail(.atMost50Marketplaces, "\(marketplaceIds.count) marketplace ids")
        }
        if let bad = marketplaceIds.first(where: { $0.isEmpty || $0.contains(",") }) {
            throw fail(.knownValues, "marketplace id `\(bad)` is empty or holds a comma (the list is sent comma-separated)")
        }
        if let unknown = fulfillmentStatuses.first(where: { if case .other = $0 { true } else { false } }) {
            throw fail(.knownValues, "fulfillmentStatuses has `\(unknown.rawValue)`; allowed: \(FulfillmentStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let token = paginationToken, token.isEmpty {
            throw fail(.samePagination, "the pagination token is empty")
        }
    }

    /// The query items as sent (before percent-encoding), in the order Amazon documents them;
    /// lists are comma-separated (Swagger 2.0's default `collectionFormat`, csv).
    public var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        func date(_ name: String, _ value: Date?) {
            if let value { items.append((name, SPAPIJSON.formatDate(value))) }
        }
        date("createdAfter", createdAfter)
        date("createdBefore", createdBefore)
        date("lastUpdatedAfter", lastUpdatedAfter)
        date("lastUpdatedBefore", lastUpdatedBefore)
        if !fulfillmentStatuses.isEmpty { items.append(("fulfillmentStatuses", fulfillmentStatuses.map(\.rawValue).joined(separator: ","))) }
        if !marketplaceIds.isEmpty { items.append(("marketplaceIds", marketplaceIds.joined(separator: ","))) }
        if !fulfilledBy.isEmpty { items.append(("fulfilledBy", fulfilledBy.map(\.rawValue).joined(separator: ","))) }
        if let maxResultsPerPage { items.append(("maxResultsPerPage", String(maxResultsPerPage))) }
        if let paginationToken { items.append(("paginationToken", paginationToken)) }
        if !includedData.isEmpty { items.append(("includedData", includedData.map(\.rawValue).joined(separator: ","))) }
        return items
    }
}
