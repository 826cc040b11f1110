import AmazonSandbox
import AmazonSellingPartner
import AsyncHTTPClient
import Foundation
import Testing

/// Every rule Orders v2026-01-01 states for a `searchOrders` request, twice: the sandbox refuses
/// a request that breaks it with Amazon's 400 (`{"errors":[{"code":"InvalidInput",…}]}`), and the
/// client refuses to send it (``SearchOrdersRuleViolation`` naming the rule, no call spent).
/// `docs/sandbox.md` lists each rule with the model's words and these tests.
@Suite(.serialized)
struct SearchRuleTests {
    static let marketplace = "ATVPDKIKX0DER"

    /// One broken request: as a raw query (for the sandbox) and as a typed query (for the client).
    struct Case: Sendable {
        var rule: SearchOrdersRule
        var name: String
        var raw: @Sendable (Date) -> String
        var typed: (@Sendable (Date) -> SearchOrdersQuery)?
    }

    static func date(_ date: Date) -> String { QueryEncoding.encode(SPAPIJSON.formatDate(date)) }

    static let cases: [Case] = [
        Case(rule: .exactlyOneAfter, name: "neither after",
             raw: { _ in "marketplaceIds=\(marketplace)" },
             typed: { _ in SearchOrdersQuery(marketplaceIds: [marketplace]) }),
        Case(rule: .exactlyOneAfter, name: "both afters",
             raw: { now in "createdAfter=\(date(now - 86400))&lastUpdatedAfter=\(date(now - 86400))&marketplaceIds=\(marketplace)" },
             typed: { now in SearchOrdersQuery(createdAfter: now - 86400, lastUpdatedAfter: now - 86400, marketplaceIds: [marketplace]) }),
        Case(rule: .beforeWithItsOwnAfter, name: "lastUpdatedBefore with createdAfter",
             raw: { now in "createdAfter=\(date(now - 86400))&lastUpdatedBefore=\(date(now - 3600))&marketplaceIds=\(marketplace)" },
             typed: { now in SearchOrdersQuery(createdAfter: now - 86400, lastUpdatedBefore: now - 3600, marketplaceIds: [marketplace]) }),
        Case(rule: .beforeWithItsOwnAfter, name: "createdBefore with lastUpdatedAfter",
             raw: { now in "lastUpdatedAfter=\(date(now - 86400))&createdBefore=\(date(now - 3600))&marketplaceIds=\(marketplace)" },
             typed: { now in SearchOrdersQuery(createdBefore: now - 3600, lastUpdatedAfter: now - 86400, marketplaceIds: [marketplace]) }),
        Case(rule: .beforeNotEarlierThanAfter, name: "before earlier than after",
             raw: { now in "lastUpdatedAfter=\(date(now - 3600))&lastUpdatedBefore=\(date(now - 7200))&marketplaceIds=\(marketplace)" },
             typed: { now in SearchOrdersQuery(lastUpdatedAfter: now - 3600, lastUpdatedBefore: now - 7200, marketplaceIds: [marketplace]) }),
        Case(rule: .beforeTwoMinutesAgo, name: "lastUpdatedBefore one minute ago",
             raw: { now in "lastUpdatedAfter=\(date(now - 3600))&lastUpdatedBefore=\(date(now - 60))&marketplaceIds=\(marketplace)" },
             typed: { now in SearchOrdersQuery(lastUpdatedAfter: now - 3600, lastUpdatedBefore: now - 60, marketplaceIds: [marketplace]) }),
        Case(rule: .beforeTwoMinutesAgo, name: "createdBefore now",
             raw: { now in "createdAfter=\(date(now - 3600))&createdBefore=\(date(now))&marketplaceIds=\(marketplace)" },
             typed: { now in SearchOrdersQuery(createdAfter: now - 3600, createdBefore: now, marketplaceIds: [marketplace]) }),
        Case(rule: .pageSize, name: "maxResultsPerPage 0",
             raw: { now in "createdAfter=\(date(now - 86400))&marketplaceIds=\(marketplace)&maxResultsPerPage=0" },
             typed: { now in SearchOrdersQuery(createdAfter: now - 86400, marketplaceIds: [marketplace], maxResultsPerPage: 0) }),
        Case(rule: .pageSize, name: "maxResultsPerPage 101",
             raw: { now in "createdAfter=\(date(now - 86400))&marketplaceIds=\(marketplace)&maxResultsPerPage=101" },
             typed: { now in SearchOrdersQuery(createdAfter: now - 86400, marketplaceIds: [marketplace], maxResultsPerPage: 101) }),
        Case(rule: .pageSize, name: "maxResultsPerPage not a number",
             raw: { now in "createdAfter=\(date(now - 86400))&marketplaceIds=\(marketplace)&maxResultsPerPage=ten" }, typed: nil),
        Case(rule: .atMost50Marketplaces, name: "51 marketplaces",
             raw: { now in "createdAfter=\(date(now - 86400))&marketplaceIds=" + (0...50).map { "A\($0)" }.joined(separator: "%2C") },
             typed: { now in SearchOrdersQuery(createdAfter: now - 86400, marketplaceIds: (0...50).map { "A\($0)" }) }),
        Case(rule: .knownValues, name: "an unknown fulfilment status",
             raw: { now in "createdAfter=\(date(now - 86400))&marketplaceIds=\(marketplace)&fulfillmentStatuses=SHIPPED%2CSHIPPED_OUT" },
             typed: { now in SearchOrdersQuery(createdAfter: now - 86400, fulfillmentStatuses: [.shipped, .other("SHIPPED_OUT")], marketplaceIds: [marketplace]) }),
        Case(rule: .knownValues, name: "an unknown fulfilledBy",
             raw: { now in "createdAfter=\(date(now - 86400))&marketplaceIds=\(marketplace)&fulfilledBy=SELLER" }, typed: nil),
        Case(rule: .knownValues, name: "an unknown dataset",
             raw: { now in "createdAfter=\(date(now - 86400))&marketplaceIds=\(marketplace)&includedData=BUYER%2CEVERYTHING" }, typed: nil),
        Case(rule: .knownValues, name: "a date that is not ISO 8601",
             raw: { _ in "createdAfter=yesterday&marketplaceIds=\(marketplace)" }, typed: nil),
        Case(rule: .knownValues, name: "an empty marketplace id",
             raw: { now in "createdAfter=\(date(now - 86400))&marketplaceIds=\(marketplace)%2C" },
             typed: { now in SearchOrdersQuery(createdAfter: now - 86400, marketplaceIds: [marketplace, ""]) }),
        Case(rule: .knownValues, name: "a parameter searchOrders does not have (v0's NextToken)",
             raw: { now in "createdAfter=\(date(now - 86400))&marketplaceIds=\(marketplace)&NextToken=abc" }, typed: nil),
        Case(rule: .knownValues, name: "a list given as repeated parameters instead of comma-separated",
             raw: { now in "createdAfter=\(date(now - 86400))&marketplaceIds=\(marketplace)&marketplaceIds=A2EUQ1WTGCTBG2" },
             typed: { now in SearchOrdersQuery(createdAfter: now - 86400, marketplaceIds: ["\(marketplace),A2EUQ1WTGCTBG2"]) }),
    ]

    @Test func theSandboxRefusesEveryBrokenRequestWithAmazonsError() async throws {
        let time = VirtualTime(Date(timeIntervalSince1970: 1_780_000_000))
        let configuration = Harness.configuration { $0.orders = 50; $0.start = time.now; $0.rateLimits = true; $0.rateScale = 1000 }
        try await Harness.withHTTP { http in
            try await AmazonSandbox.withRunning(configuration, clock: time.clock) { endpoint in
                let client = Harness.client(endpoint, configuration, http: http, clock: time.clock)
                for rule in Self.cases {
                    time.advance(by: 1)  // a token back in the bucket for every request
                    let (status, headers, body) = try await Harness.rawGet(endpoint, client, http: http, "/orders/2026-01-01/orders?" + rule.raw(time.now))
                    let error = (body["errors"] as? [[String: Any]])?.first
                    #expect(status == 400, "\(rule.name): \(status)")
                    #expect(error?["code"] as? String == "InvalidInput" && (error?["message"] as? String)?.isEmpty == false, "\(rule.name): \(body)")
                    #expect(error?["details"] as? String == "rule: \(rule.rule.rawValue)", "\(rule.name): \(body)")
                    #expect(headers["x-amzn-requestid"] != nil && headers["x-amzn-ratelimit-limit"] != nil, "\(rule.name)")
                }
                // The same searches, kept to the rules, are answered.
                let valid = [
                    "createdAfter=\(Self.date(time.now - 86400))&marketplaceIds=\(Self.marketplace)",
                    "createdAfter=\(Self.date(time.now - 86400))&createdBefore=\(Self.date(time.now - 120))",
                    "lastUpdatedAfter=\(Self.date(time.now - 86400))&lastUpdatedBefore=\(Self.date(time.now - 86400))&maxResultsPerPage=1",
                    "lastUpdatedAfter=\(Self.date(time.now - 86400))&maxResultsPerPage=100&fulfillmentStatuses=PENDING_AVAILABILITY%2CPENDING%2CUNSHIPPED%2CPARTIALLY_SHIPPED%2CSHIPPED%2CCANCELLED%2CUNFULFILLABLE&fulfilledBy=MERCHANT%2CAMAZON&includedData="
                        + IncludedData.allCases.map(\.rawValue).joined(separator: "%2C")
                        + "&marketplaceIds=" + ([Self.marketplace] + (1..<50).map { "A\($0)" }).joined(separator: "%2C"),
                ]
                for query in valid {
                    time.advance(by: 1)
                    let (status, _, body) = try await Harness.rawGet(endpoint, client, http: http, "/orders/2026-01-01/orders?" + query)
                    #expect(status == 200, "\(query): \(body)")
                }
            }
        }
    }

    @Test func theClientRefusesToSendThemAndSpendsNoCall() async throws {
        let time = VirtualTime(Date(timeIntervalSince1970: 1_780_000_000))
        let configuration = Harness.configuration { $0.orders = 50; $0.start = time.now }
        try await Harness.withHTTP { http in
            try await AmazonSandbox.withRunning(configuration, clock: time.clock) { endpoint in
                let client = Harness.client(endpoint, configuration, http: http, clock: time.clock)
                for rule in Self.cases {
                    guard let typed = rule.typed else { continue }  // not expressible with the typed query
                    do {
                        _ = try await client.searchOrders(typed(time.now))
                        Issue.record("\(rule.name): the client sent it")
                    } catch let violation as SearchOrdersRuleViolation {
                        #expect(violation.rule == rule.rule, "\(rule.name): \(violation)")
                        #expect(violation.description.contains(rule.rule.rawValue) && violation.description.contains(rule.rule.modelText))
                    }
                }
                #expect(client.statistics.calls == 0)
                #expect(try await Harness.stats(endpoint, http: http)["searchOrders", default: 0] == 0)
            }
        }
    }

    @Test func pagesMustRepeatTheFirstRequestsValuesButMayChangeSizeAndDatasets() async throws {
        let time = VirtualTime(Date(timeIntervalSince1970: 1_780_000_000))
        let configuration = Harness.configuration { $0.orders = 400; $0.existingShare = 1; $0.start = time.now }
        try await Harness.withHTTP { http in
            try await AmazonSandbox.withRunning(configuration, clock: time.clock) { endpoint in
                let client = Harness.client(endpoint, configuration, http: http, clock: time.clock)
                let query = SearchOrdersQuery(
                    lastUpdatedAfter: time.now - 5 * 86400, lastUpdatedBefore: time.now - 300, fulfillmentStatuses: [.unshipped, .cancelled],
                    marketplaceIds: [Self.marketplace], fulfilledBy: [.merchant], maxResultsPerPage: 20)
                let first = try await client.searchOrders(query)
                let token = try #require(first.pagination?.nextToken)
                time.advance(by: 600)

                // What the old source did: the same token with a newer lastUpdatedBefore.
                var moved = query.nextPage(token)
                moved.lastUpdatedBefore = time.now - 125
                var changed = [moved]
                var statuses = query.nextPage(token)
                statuses.fulfillmentStatuses = [.unshipped]
                changed.append(statuses)
                var parties = query.nextPage(token)
                parties.fulfilledBy = [.merchant, .amazon]
                changed.append(parties)
                var marketplaces = query.nextPage(token)
                marketplaces.marketplaceIds = [Self.marketplace, "A2EUQ1WTGCTBG2"]
                changed.append(marketplaces)
                for page in changed {
                    // The client knows where the token came from and refuses.
                    await #expect { _ = try await client.searchOrders(page) } throws: { ($0 as? SearchOrdersRuleViolation)?.rule == .samePagination }
                    // Sent anyway (by a client that does not know the token), the sandbox refuses.
                    let raw = page.queryItems.map { "\($0.0)=\(QueryEncoding.encode($0.1))" }.joined(separator: "&")
                    let (status, _, body) = try await Harness.rawGet(endpoint, client, http: http, "/orders/2026-01-01/orders?" + raw)
                    let error = (body["errors"] as? [[String: Any]])?.first
                    #expect(status == 400 && error?["details"] as? String == "rule: same-values-on-every-page", "\(body)")
                }
                // A token the sandbox never issued is refused too.
                let (status, _, _) = try await Harness.rawGet(
                    endpoint, client, http: http, "/orders/2026-01-01/orders?" + query.nextPage("bm90IGEgdG9rZW4=").queryItems.map { "\($0.0)=\(QueryEncoding.encode($0.1))" }.joined(separator: "&"))
                #expect(status == 400)

                // maxResultsPerPage and includedData may change between pages.
                var resized = query.nextPage(token)
                resized.maxResultsPerPage = 50
                resized.includedData = [.fulfillment]
                let second = try await client.searchOrders(resized)
                #expect(second.orders.count == 50 && second.orders.allSatisfy { $0.buyer == nil && $0.fulfillment != nil })
                var orders = first.orders + second.orders
                var next = second.pagination?.nextToken
                while let token = next {
                    let page = try await client.searchOrders(query.nextPage(token))
                    orders += page.orders
                    next = page.pagination?.nextToken
                }
                #expect(Set(orders.map(\.orderId)).count == orders.count)
                #expect(orders.allSatisfy { [FulfillmentStatus.unshipped, .cancelled].contains($0.fulfillment?.fulfillmentStatus ?? .pending) })
            }
        }
    }
}
