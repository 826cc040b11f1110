import AmazonSellingPartner
import Foundation

/// One `searchOrders` search: its values, fixed when its first page is asked for, and where its
/// pages stand. Every page repeats the values exactly, as Amazon requires ("All other parameters
/// must be provided with the same values that were provided with the request that generated this
/// token", definition `Pagination`).
public struct SearchWindow: Codable, Hashable, Sendable {
    public var lastUpdatedAfter: Date
    public var lastUpdatedBefore: Date
    public var fulfillmentStatuses: [String]
    public var fulfilledBy: [String]
    public var marketplaceIds: [String]
    /// The next page's token; `nil` before the first page.
    public var token: String?
    /// Pages fetched so far.
    public var pages: Int = 0
    /// Orders seen so far.
    public var orders: Int = 0
    /// When the window was last started over because Amazon refused one of its pages.
    public var restartedAt: Date?
    public var started: Date

    /// A source's filters.
    public struct Filters: Hashable, Sendable {
        public var fulfillmentStatuses: [FulfillmentStatus]
        public var fulfilledBy: [FulfilledBy]
        public var marketplaceIds: [String]
        public init(fulfillmentStatuses: [FulfillmentStatus], fulfilledBy: [FulfilledBy], marketplaceIds: [String]) {
            self.fulfillmentStatuses = fulfillmentStatuses
            self.fulfilledBy = fulfilledBy
            self.marketplaceIds = marketplaceIds
        }
    }

    /// A window over `[after, before]` (whole seconds, as they are sent).
    public init(after: Date, before: Date, filters: Filters, started: Date) {
        let seconds = { (date: Date) in Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }
        self.lastUpdatedAfter = min(seconds(after), seconds(before))
        self.lastUpdatedBefore = seconds(before)
        self.fulfillmentStatuses = filters.fulfillmentStatuses.map(\.rawValue)
        self.fulfilledBy = filters.fulfilledBy.map(\.rawValue)
        self.marketplaceIds = filters.marketplaceIds
        self.started = started
    }

    /// The request for the window's next page.
    public func query(pageSize: Int) -> SearchOrdersQuery {
        SearchOrdersQuery(
            lastUpdatedAfter: lastUpdatedAfter, lastUpdatedBefore: lastUpdatedBefore,
            fulfillmentStatuses: fulfillmentStatuses.map(FulfillmentStatus.init(rawValue:)), marketplaceIds: marketplaceIds,
            fulfilledBy: fulfilledBy.compactMap(FulfilledBy.init(rawValue:)), maxResultsPerPage: pageSize, paginationToken: token)
    }

    /// Safe to log.
    var summary: String {
        "\(SPAPIJSON.formatDate(lastUpdatedAfter))…\(SPAPIJSON.formatDate(lastUpdatedBefore)), page \(pages + 1)"
    }
}
