import Foundation

/// A rule Orders v2026-01-01 states for `searchOrders` requests, with the model's own words.
///
/// The client checks a query against these before sending it (``SearchOrdersQuery/validate(at:)``
/// and the pagination ledger), and the local sandbox refuses requests that break them with
/// Amazon's 400 `InvalidInput`; `docs/sandbox.md` lists each with the test that enforces it.
public enum SearchOrdersRule: String, Hashable, Sendable, CaseIterable {
    case exactlyOneAfter = "exactly-one-after"
    case beforeWithItsOwnAfter = "before-with-its-own-after"
    case beforeNotEarlierThanAfter = "before-not-earlier-than-after"
    case beforeTwoMinutesAgo = "before-two-minutes-ago"
    case pageSize = "page-size-1-to-100"
    case atMost50Marketplaces = "at-most-50-marketplaces"
    case knownValues = "known-values"
    case samePagination = "same-values-on-every-page"
    case tokenExpiry = "token-expires-after-24-hours"

    /// Amazon's rule that a `*Before` lies at least two minutes before the request.
    public static let minimumBeforeAge: TimeInterval = 120
    /// "The token will expire after 24 hours."
    public static let tokenLifetime: TimeInterval = 24 * 3600

    /// Where the model states the rule.
    public var modelSource: String {
        switch self {
        case .exactlyOneAfter: "searchOrders parameters createdAfter and lastUpdatedAfter"
        case .beforeWithItsOwnAfter: "searchOrders parameters createdAfter, createdBefore, lastUpdatedAfter, lastUpdatedBefore"
        case .beforeNotEarlierThanAfter, .beforeTwoMinutesAgo: "searchOrders parameters createdBefore and lastUpdatedBefore"
        case .pageSize: "searchOrders parameter maxResultsPerPage"
        case .atMost50Marketplaces: "searchOrders parameter marketplaceIds (maxItems)"
        case .knownValues: "searchOrders parameters fulfillmentStatuses, fulfilledBy, includedData (items' enum) and the four dates"
        case .samePagination, .tokenExpiry: "definition Pagination (and SearchOrdersResponse.pagination)"
        }
    }

    /// The model's words.
    public var modelText: String {
        switch self {
        case .exactlyOneAfter: "You must provide exactly one of `createdAfter` and `lastUpdatedAfter` in your request."
        case .beforeWithItsOwnAfter:
            "If `createdAfter` is provided, neither `lastUpdatedAfter` nor `lastUpdatedBefore` may be provided. … If `lastUpdatedAfter` is provided, neither `createdAfter` nor `createdBefore` may be provided."
        case .beforeNotEarlierThanAfter: "if provided must be equal to or after the `createdAfter` date\" · \"if provided must be equal to or after the `lastUpdatedAfter` date"
        case .beforeTwoMinutesAgo: "and at least two minutes before the time of the request"
        case .pageSize: "The value must be between 1 and 100. **Default:** 100."
        case .atMost50Marketplaces: "\"maxItems\": 50"
        case .knownValues:
            "\"enum\": [\"PENDING_AVAILABILITY\", \"PENDING\", \"UNSHIPPED\", \"PARTIALLY_SHIPPED\", \"SHIPPED\", \"CANCELLED\", \"UNFULFILLABLE\"] · \"enum\": [\"MERCHANT\", \"AMAZON\"] · \"enum\": [\"BUYER\", \"RECIPIENT\", \"PROCEEDS\", \"EXPENSE\", \"PROMOTION\", \"CANCELLATION\", \"FULFILLMENT\", \"PACKAGES\", \"TAX\", \"PAYMENT\", \"FULFILLMENT_ORDERS\"] · \"The date must be in [ISO 8601](https://developer-docs.amazon.com/sp-api/docs/iso-8601) format.\""
        case .samePagination:
            "All other parameters must be provided with the same values that were provided with the request that generated this token, with the exception of `maxResultsPerPage` and `includedData`, which can be modified between calls."
        case .tokenExpiry: "The token will expire after 24 hours."
        }
    }
}
