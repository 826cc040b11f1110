import AmazonSellingPartner
import Foundation

/// A request the sandbox refuses, with the rule it breaks.
struct SearchRefusal: Error {
    var rule: SearchOrdersRule
    var message: String
    init(_ rule: SearchOrdersRule, _ message: String) {
        self.rule = rule
        self.message = message
    }
}

/// The values of a `searchOrders` request that select its orders, parsed and checked against the
/// model's rules (everything but `paginationToken`, `maxResultsPerPage` and `includedData`, which
/// may change between pages).
struct SearchParameters: Hashable, CustomStringConvertible {
    var byCreation: Bool
    var after: Date
    var before: Date?
    var statuses: Set<String>
    var marketplaces: Set<String>
    var fulfilledBy: Set<String>
    /// Not part of what pages must repeat.
    var perPage: Int

    static func == (lhs: SearchParameters, rhs: SearchParameters) -> Bool {
        (lhs.byCreation, lhs.after, lhs.before, lhs.statuses, lhs.marketplaces, lhs.fulfilledBy)
            == (rhs.byCreation, rhs.after, rhs.before, rhs.statuses, rhs.marketplaces, rhs.fulfilledBy)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(byCreation)
        hasher.combine(after)
        hasher.combine(before)
    }

    var description: String {
        "\(byCreation ? "created" : "lastUpdated") \(SPAPIJSON.formatDate(after))…\(before.map(SPAPIJSON.formatDate) ?? "-") statuses=\(statuses.sorted()) marketplaces=\(marketplaces.sorted()) fulfilledBy=\(fulfilledBy.sorted())"
    }

    /// What differs, for the refusal's message.
    func differences(from other: SearchParameters) -> String {
        var names: [String] = []
        if byCreation != other.byCreation || after != other.after { names.append(byCreation ? "createdAfter" : "lastUpdatedAfter") }
        if before != other.before { names.append(byCreation ? "createdBefore" : "lastUpdatedBefore") }
        if statuses != other.statuses { names.append("fulfillmentStatuses") }
        if marketplaces != other.marketplaces { names.append("marketplaceIds") }
        if fulfilledBy != other.fulfilledBy { names.append("fulfilledBy") }
        return names.joined(separator: ", ")
    }

    /// Parses a request's query and checks every rule the model states for these values.
    init(_ query: [String: String], now: Date, beforeLag: TimeInterval) throws(SearchRefusal) {
        var dates: [String: Date] = [:]
        for name in ["createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore"] {
            guard let text = query[name] else { continue }
            guard let date = SPAPIJSON.parseDate(text) else {
                throw SearchRefusal(.knownValues, "\(name) `\(text)` is not an ISO 8601 date-time")
            }
            dates[name] = date
        }
        // "You must provide exactly one of `createdAfter` and `lastUpdatedAfter`."
        guard (dates["createdAfter"] == nil) != (dates["lastUpdatedAfter"] == nil) else {
            throw SearchRefusal(.exactlyOneAfter, "You must provide exactly one of createdAfter and lastUpdatedAfter")
        }
        byCreation = dates["createdAfter"] != nil
        // "If `createdAfter` is provided, neither `lastUpdatedAfter` nor `lastUpdatedBefore` may be provided", and the reverse.
        if byCreation, dates["lastUpdatedBefore"] != nil {
            throw SearchRefusal(.beforeWithItsOwnAfter, "lastUpdatedBefore may not be provided with createdAfter")
        }
        if !byCreation, dates["createdBefore"] != nil {
            throw SearchRefusal(.beforeWithItsOwnAfter, "createdBefore may not be provided with lastUpdatedAfter")
        }
        let afterName = byCreation ? "createdAfter" : "lastUpdatedAfter"
        let beforeName = byCreation ? "createdBefore" : "lastUpdatedBefore"
        after = dates[afterName]!
        before = dates[beforeName]
        if let before {
            guard before >= after else {
                throw SearchRefusal(.beforeNotEarlierThanAfter, "\(beforeName) must be equal to or after \(afterName)")
            }
            guard before <= now.addingTimeInterval(-beforeLag) else {
                throw SearchRefusal(.beforeTwoMinutesAgo, "\(beforeName) must be at least two minutes before the time of the request")
            }
        }
        // Lists are comma-separated (no `collectionFormat` in the model: Swagger 2.0's csv).
        func list(_ name: String) -> [String] {
            query[name].map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        }
        let statusNames = list("fulfillmentStatuses")
        for name in statusNames where FulfillmentStatus.allCases.first(where: { $0.rawValue == name }) == nil {
            throw SearchRefusal(.knownValues, "fulfillmentStatuses `\(name)` is not one of \(FulfillmentStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        statuses = Set(statusNames)
        let parties = list("fulfilledBy")
        for name in parties where FulfilledBy(rawValue: name) == nil {
            throw SearchRefusal(.knownValues, "fulfilledBy `\(name)` is not one of MERCHANT, AMAZON")
        }
        fulfilledBy = Set(parties)
        let marketplaceList = list("marketplaceIds")
        // "maxItems": 50
        guard marketplaceList.count <= 50 else {
            throw SearchRefusal(.atMost50Marketplaces, "marketplaceIds has \(marketplaceList.count) values; at most 50 are allowed")
        }
        if marketplaceList.contains("") { throw SearchRefusal(.knownValues, "marketplaceIds has an empty value") }
        marketplaces = Set(marketplaceList)
        // "The value must be between 1 and 100. **Default:** 100."
        if let text = query["maxResultsPerPage"] {
            guard let value = Int(text), (1...100).contains(value) else {
                throw SearchRefusal(.pageSize, "maxResultsPerPage must be an integer between 1 and 100")
            }
            perPage = value
        } else {
            perPage = 100
        }
    }
}
