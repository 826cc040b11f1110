import AmazonSandbox
import AmazonSellingPartner
import AsyncHTTPClient
import Foundation
import Testing

/// What the model states about answers: the sandbox answers that way, and the client checks
/// every answer it receives against the same rules (``ModelDeviation``).
@Suite(.serialized)
struct SandboxAnswerTests {
    /// Every order of a 600-order scenario, asked with `includedData`.
    static func walk(_ client: SellingPartnerClient, since: Date, includedData: [IncludedData]) async throws -> [Order] {
        var orders: [Order] = []
        var query = SearchOrdersQuery(createdAfter: since, marketplaceIds: ["ATVPDKIKX0DER"], includedData: includedData)
        while true {
            let page = try await client.searchOrders(query)
            orders += page.orders
            guard let token = page.pagination?.nextToken else { return orders }
            query = query.nextPage(token)
        }
    }

    @Test func onlyTheDatasetsAskedForAreSent() async throws {
        let configuration = Harness.configuration { $0.orders = 600; $0.existingShare = 1 }
        try await Harness.withHTTP { http in
            try await AmazonSandbox.withRunning(configuration) { endpoint in
                let client = Harness.client(endpoint, configuration, http: http)
                let since = Date() - 6 * 86400
                let bare = try await Self.walk(client, since: since, includedData: [])
                #expect(bare.count == 600)
                #expect(bare.allSatisfy {
                    $0.buyer == nil && $0.recipient == nil && $0.proceeds == nil && $0.fulfillment == nil && $0.packages == nil
                        && $0.orderItems.allSatisfy { $0.proceeds == nil && $0.fulfillment == nil && $0.cancellation == nil && $0.product.sellerSku != nil }
                })
                let statusOnly = try await Self.walk(client, since: since, includedData: [.fulfillment])
                #expect(statusOnly.allSatisfy { $0.fulfillment != nil && $0.buyer == nil && $0.recipient == nil && $0.proceeds == nil })
                let all = try await Self.walk(client, since: since, includedData: IncludedData.allCases)
                #expect(all.contains { $0.buyer != nil } && all.contains { $0.recipient != nil } && all.contains { $0.proceeds != nil })
                #expect(all.contains { $0.orderItems.contains { $0.cancellation != nil } })
                // getOrder honours it too.
                let id = try #require(all.first { $0.fulfillment?.fulfillmentStatus == .unshipped }?.orderId)
                let plain = try #require(try await client.getOrder(id, includedData: [.recipient]))
                #expect(plain.recipient != nil && plain.buyer == nil && plain.fulfillment == nil && plain.proceeds == nil)
                // The client found nothing to report in any of these answers.
                #expect(client.statistics.deviations.isEmpty, "\(client.statistics.deviations)")
                // An unknown dataset is refused.
                let (status, _, _) = try await Harness.rawGet(endpoint, client, http: http, "/orders/2026-01-01/orders/\(id)?includedData=BUYER%2CALL")
                #expect(status == 400)
            }
        }
    }

    @Test func buyerEmailPhoneAndPackagesOnlyForMerchantFulfilledOrdersAndNoBuyerWhilePending() async throws {
        let configuration = Harness.configuration { $0.orders = 600; $0.existingShare = 0.9; $0.start = Date() - 3600; $0.timeScale = 1 }
        try await Harness.withHTTP { http in
            try await AmazonSandbox.withRunning(configuration) { endpoint in
                let client = Harness.client(endpoint, configuration, http: http)
                let orders = try await Self.walk(client, since: Date() - 6 * 86400, includedData: IncludedData.allCases)
                let pending = orders.filter { $0.fulfillment.map { [.pending, .pendingAvailability].contains($0.fulfillmentStatus) } ?? false }
                let verified = orders.filter { !pending.map(\.orderId).contains($0.orderId) }
                let amazon = verified.filter { $0.fulfillment?.fulfilledBy == "AMAZON" }
                let merchant = verified.filter { $0.fulfillment?.fulfilledBy == "MERCHANT" }
                #expect(!pending.isEmpty && !amazon.isEmpty && !merchant.isEmpty)
                // "The anonymized email address of the buyer. Note: Only available for merchant-fulfilled (FBM) orders."
                #expect(amazon.allSatisfy { $0.buyer?.buyerName != nil && $0.buyer?.buyerEmail == nil })
                #expect(merchant.allSatisfy { $0.buyer?.buyerEmail != nil })
                // "The buyer phone number will be suppressed in some cases, including … All FBA orders."
                #expect(amazon.allSatisfy { $0.recipient?.deliveryAddress?.phone == nil })
                #expect(amazon.allSatisfy { $0.packages == nil })
                // While Pending: no buyer, no recipient, no money (v0 getOrderItems' note on Pending orders).
                #expect(pending.allSatisfy {
                    $0.buyer == nil && $0.recipient == nil && $0.proceeds == nil && $0.orderItems.allSatisfy { $0.proceeds == nil && $0.product.price == nil }
                })
                #expect(client.statistics.deviations.isEmpty, "\(client.statistics.deviations)")
            }
        }
    }

    @Test func proceedsAreBrokenDownAndAddUp() async throws {
        let configuration = Harness.configuration { $0.orders = 600; $0.existingShare = 1 }
        try await Harness.withHTTP { http in
            try await AmazonSandbox.withRunning(configuration) { endpoint in
                let client = Harness.client(endpoint, configuration, http: http)
                let orders = try await Self.walk(client, since: Date() - 6 * 86400, includedData: [.proceeds, .fulfillment])
                let priced = orders.filter { $0.proceeds != nil }
                #expect(priced.count > 500)
                var types: [String: Int] = [:]
                for order in priced {
                    var itemSum = Decimal(0)
                    for item in order.orderItems {
                        let breakdowns = try #require(item.proceeds?.breakdowns)
                        for breakdown in breakdowns { types[breakdown.type, default: 0] += 1 }
                        // proceedsTotal is the sum of its breakdowns; ITEM is unit price × quantity.
                        #expect(item.proceeds?.proceedsTotal?.amount == breakdowns.reduce(0) { $0 + $1.subtotal.amount })
                        let unit = try #require(item.product.price?.unitPrice?.amount)
                        #expect(breakdowns.first { $0.type == "ITEM" }?.subtotal.amount == unit * Decimal(item.quantityOrdered))
                        for breakdown in breakdowns where breakdown.type == "DISCOUNT" { #expect(breakdown.subtotal.amount < 0) }
                        for breakdown in breakdowns where breakdown.type == "TAX" || breakdown.type == "DISCOUNT" {
                            let details = try #require(breakdown.detailedBreakdowns)
                            #expect(details.reduce(Decimal(0)) { $0 + ($1.value?.amount ?? 0) } == breakdown.subtotal.amount)
                        }
                        itemSum += item.proceeds?.proceedsTotal?.amount ?? 0
                    }
                    // grandTotal is the sum of the lines; the order's breakdowns aggregate the items'.
                    #expect(order.proceeds?.grandTotal?.amount == itemSum)
                    #expect(order.proceeds?.breakdowns?.reduce(Decimal(0)) { $0 + $1.subtotal.amount } == itemSum)
                }
                for type in ["ITEM", "SHIPPING", "GIFT_WRAP", "TAX", "DISCOUNT"] { #expect(types[type, default: 0] > 0, "no \(type) in the scenario") }
                #expect(client.statistics.deviations.isEmpty, "\(client.statistics.deviations)")
            }
        }
    }

    @Test func theClientReportsAnswersThatDepartFromTheModel() throws {
        // The model's own example of an Amazon-fulfilled order (250-1234567-8901234) carries the
        // buyerEmail that `Buyer.buyerEmail` says only merchant-fulfilled orders have.
        let sandbox = try AmazonSandbox(configuration: SandboxConfiguration())
        let example = try #require(sandbox.modelExamples("searchOrders").first { String(decoding: $0.response, as: UTF8.self).contains("250-1234567-8901234") })
        let order = try #require(try SPAPIJSON.decoder().decode(SearchOrdersResponse.self, from: example.response).orders.first)
        let asked = Set(example.parameters["includedData"]?.split(separator: ",").compactMap { IncludedData(rawValue: String($0)) } ?? [])
        #expect(order.deviations(askedFor: asked).map(\.rule) == [.buyerEmailMerchantOnly])

        // Money that does not add up, datasets not asked for, quantities that do not match.
        var broken = order
        broken.orderItems[0].proceeds?.proceedsTotal?.amount += 1
        broken.orderItems[0].fulfillment = .init(quantityFulfilled: 1, quantityUnfulfilled: 5)
        broken.proceeds?.breakdowns = [.init(type: "ITEM", subtotal: Money(amount: 1, currencyCode: "JPY")), .init(type: "TIP", subtotal: Money(amount: 0, currencyCode: "JPY"))]
        broken.packages = [.init(packageReferenceId: "1", carrier: "Yamato", trackingNumber: "1", shipTime: nil, packageItems: nil)]
        let rules = Set(broken.deviations(askedFor: asked.subtracting([.buyer])).map(\.rule))
        #expect(rules == [.buyerEmailMerchantOnly, .packagesMerchantOnly, .proceedsTotalIsTheSum, .quantitiesAddUp, .knownBreakdownTypes,
                          .orderBreakdownsAggregateItems, .grandTotalIsTheSum, .datasetNotAskedFor])
        // Every other example of the model keeps the rules.
        for example in sandbox.modelExamples("searchOrders") + sandbox.modelExamples("getOrder") where example.status == 200 {
            // A plain example answers no particular request: every dataset counts as asked for.
            let asked = example.parameters.isEmpty ? Set(IncludedData.allCases)
                : Set(example.parameters["includedData"]?.split(separator: ",").compactMap { IncludedData(rawValue: String($0)) } ?? [])
            let orders = try (try? SPAPIJSON.decoder().decode(SearchOrdersResponse.self, from: example.response).orders)
                ?? [SPAPIJSON.decoder().decode(GetOrderResponse.self, from: example.response).order]
            for order in orders where order.orderId != "250-1234567-8901234" {
                #expect(order.deviations(askedFor: asked).isEmpty, "\(order.orderId): \(order.deviations(askedFor: asked))")
            }
        }
    }

    @Test func theRateLimitHeaderIsTheRateInForce() async throws {
        let time = VirtualTime(Date(timeIntervalSince1970: 1_780_000_000))
        let configuration = Harness.configuration { $0.orders = 50; $0.start = time.now; $0.rateLimits = true; $0.timeScale = 20 }
        try await Harness.withHTTP { http in
            try await AmazonSandbox.withRunning(configuration, clock: time.clock) { endpoint in
                let client = Harness.client(endpoint, configuration, http: http, clock: time.clock)
                let search = "/orders/2026-01-01/orders?createdAfter=\(QueryEncoding.encode(SPAPIJSON.formatDate(time.now - 86400)))&marketplaceIds=ATVPDKIKX0DER"
                let (ok, okHeaders, _) = try await Harness.rawGet(endpoint, client, http: http, search)
                #expect(ok == 200 && okHeaders["x-amzn-ratelimit-limit"].flatMap(Double.init).map { abs($0 - 0.0056 * 20) < 1e-9 } == true)
                let (refused, refusedHeaders, _) = try await Harness.rawGet(endpoint, client, http: http, "/orders/2026-01-01/orders?marketplaceIds=X")
                #expect(refused == 400 && refusedHeaders["x-amzn-ratelimit-limit"].flatMap(Double.init).map { abs($0 - 0.112) < 1e-9 } == true)
                let (missing, missingHeaders, _) = try await Harness.rawGet(endpoint, client, http: http, "/orders/2026-01-01/orders/111-0000000-0000000")
                #expect(missing == 404 && missingHeaders["x-amzn-ratelimit-limit"].flatMap(Double.init) == 0.5 * 20)
                // The bucket is the one the header names: the burst, then one call per 1/rate seconds.
                var throttled = 0
                for _ in 0..<40 {
                    let (status, headers, _) = try await Harness.rawGet(endpoint, client, http: http, search)
                    if status == 429 {
                        throttled += 1
                        #expect(headers["x-amzn-ratelimit-limit"] == nil)  // 429 does not carry it
                    }
                }
                #expect(throttled == 40 - 18)  // 20 tokens, two already spent on 200 and 400
                time.advance(by: 1 / (0.0056 * 20))
                #expect(try await Harness.rawGet(endpoint, client, http: http, search).status == 200)
                #expect(try await Harness.rawGet(endpoint, client, http: http, search).status == 429)
            }
        }
    }
}
