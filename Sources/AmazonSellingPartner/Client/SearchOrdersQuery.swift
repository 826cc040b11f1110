import Foundation

/// The filters of `searchOrders` (Orders v2026-01-01). Exactly one of `createdAfter` and
/// `lastUpdatedAfter` must be set; a `*Before` closer than 2 minutes to now is moved back by the
/// client, as Amazon requires.
public struct SearchOrdersQuery: Hashable, Sendable {
    public var createdAfter: Date?
    public var createdBefore: Date?
    public var lastUpdatedAfter: Date?
    public var lastUpdatedBefore: Date?
    public var fulfillmentStatuses: [FulfillmentStatus]
    public var marketplaceIds: [String]
    /// `MERCHANT` or `AMAZON`.
    public var fulfilledBy: String?
    /// 1 to 100 (Amazon's default 100).
    public var maxResultsPerPage: Int?
    public var paginationToken: String?
    /// `BUYER`, `RECIPIENT`, `PROCEEDS`, `CANCELLATION`, `FULFILLMENT`, `PACKAGES`, … (items are always included).
    public var includedData: [String]

    public init(
        createdAfter: Date? = nil, createdBefore: Date? = nil, lastUpdatedAfter: Date? = nil, lastUpdatedBefore: Date? = nil,
        fulfillmentStatuses: [FulfillmentStatus] = [], marketplaceIds: [String], fulfilledBy: String? = nil,
        maxResultsPerPage: Int? = 100, paginationToken: String? = nil,
        includedData: [String] = ["BUYER", "RECIPIENT", "PROCEEDS", "CANCELLATION", "FULFILLMENT", "PACKAGES"]
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

    /// The query items, with every `*Before` at most `latestBefore`.
    func items(latestBefore: Date) -> [(String, String)] {
        var items: [(String, String)] = []
        func date(_ name: String, _ value: Date?) {
            if let value { items.append((name, SPAPIJSON.formatDate(value))) }
        }
        date("createdAfter", createdAfter)
        date("createdBefore", createdBefore.map { min($0, latestBefore) })
        date("lastUpdatedAfter", lastUpdatedAfter)
        date("lastUpdatedBefore", lastUpdatedBefore.map { min($0, latestBefore) })
        if !fulfillmentStatuses.isEmpty { items.append(("fulfillmentStatuses", fulfillmentStatuses.map(\.rawValue).joined(separator: ","))) }
        items.append(("marketplaceIds", marketplaceIds.joined(separator: ",")))
        if let fulfilledBy { items.append(("fulfilledBy", fulfilledBy)) }
        if let maxResultsPerPage { items.append(("maxResultsPerPage", String(maxResultsPerPage))) }
        if let paginationToken { items.append(("paginationToken", paginationToken)) }
        if !includedData.isEmpty { items.append(("includedData", includedData.joined(separator: ","))) }
        return items
    }
}
