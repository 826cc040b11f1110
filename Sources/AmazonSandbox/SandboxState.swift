import AmazonSellingPartner
import Foundation

/// Everything the sandbox knows, behind one actor: the scenario's orders, issued tokens,
/// pagination snapshots, rate-limit buckets and counters.
actor SandboxState {
    let configuration: SandboxConfiguration
    let start: Date
    private(set) var orders: [String: SandboxOrder] = [:]
    private let orderIDs: [String]
    private var accessTokens: [String: Date] = [:]
    private var pages: [String: (ids: [String], offset: Int, issued: Date)] = [:]
    private var nextTokens: [String: String] = [:]
    private var buckets: [String: (tokens: Double, updated: Date)] = [:]
    private var faults: SeededGenerator
    private(set) var counters: [String: Int] = [:]

    init(configuration: SandboxConfiguration, start: Date = Date()) {
        self.configuration = configuration
        self.start = start
        let scenario = Scenario.make(configuration, start: start)
        for order in scenario { orders[order.order.orderId] = order }
        orderIDs = scenario.map(\.order.orderId)
        faults = SeededGenerator(seed: configuration.seed &+ 0xFA17)
    }

    func count(_ name: String) { counters[name, default: 0] += 1 }

    // MARK: Login with Amazon

    func issueToken(_ fields: [String: String]) -> (status: Int, body: Data) {
        let (status, body) = tokenAnswer(fields)
        return (status, (try? JSONSerialization.data(withJSONObject: body)) ?? Data())
    }

    private func tokenAnswer(_ fields: [String: String]) -> (status: Int, body: [String: Any]) {
        count("token")
        guard fields["client_id"] == configuration.clientID, fields["client_secret"] == configuration.clientSecret else {
            return (401, ["error": "invalid_client", "error_description": "Client authentication failed"])
        }
        switch fields["grant_type"] {
        case "refresh_token":
            guard fields["refresh_token"] == configuration.refreshToken else {
                return (400, ["error": "invalid_grant", "error_description": "The request has an invalid grant parameter : refresh_token"])
            }
        case "client_credentials":
            guard let scope = fields["scope"], scope.hasPrefix("sellingpartnerapi::") else {
                return (400, ["error": "invalid_scope", "error_description": "An unknown scope was specified"])
            }
        default:
            return (400, ["error": "unsupported_grant_type", "error_description": "grant_type must be refresh_token or client_credentials"])
        }
        let token = "Atza|sandbox-" + UUID().uuidString
        accessTokens[token] = Date().addingTimeInterval(TimeInterval(configuration.tokenLifetime))
        return (200, ["access_token": token, "token_type": "bearer", "expires_in": configuration.tokenLifetime])
    }

    /// Whether an access token was issued here and is still valid.
    func isAuthorized(_ token: String?) -> Bool {
        guard let token, let expiry = accessTokens[token] else { return false }
        return expiry > Date()
    }

    // MARK: Limits and faults

    /// Takes a token from the operation's bucket; false means 429.
    func admit(_ operation: String) -> Bool {
        guard configuration.rateLimits, let plan = RateLimiter.documented[operation] else { return true }
        let now = Date()
        let rate = plan.rate * configuration.rateScale
        var bucket = buckets[operation] ?? (plan.burst, now)
        bucket.tokens = min(plan.burst, bucket.tokens + now.timeIntervalSince(bucket.updated) * rate)
        bucket.updated = now
        guard bucket.tokens >= 1 else {
            buckets[operation] = bucket
            count("throttled")
            return false
        }
        bucket.tokens -= 1
        buckets[operation] = bucket
        return true
    }

    func rate(_ operation: String) -> Double? {
        guard configuration.rateLimits else { return nil }
        return RateLimiter.documented[operation].map { $0.rate * configuration.rateScale }
    }

    enum Fault { case http500, http503, throttle, slow(TimeInterval), drop, malformed }

    /// Draws the fault, if any, for one request.
    func drawFault() -> Fault? {
        let spec = configuration.faults
        guard !spec.isEmpty else { return nil }
        var roll = faults.unit()
        for (probability, fault) in [(spec.http500, Fault.http500), (spec.http503, .http503), (spec.throttle, .throttle),
                                     (spec.slow, .slow(spec.slowDuration)), (spec.drop, .drop), (spec.malformed, .malformed)] {
            if roll < probability {
                count("fault")
                return fault
            }
            roll -= probability
        }
        return nil
    }

    // MARK: Orders

    /// `searchOrders`. Returns the status and the JSON body.
    func search(_ query: [String: String], now: Date) -> (status: Int, body: Data) {
        count("searchOrders")
        if let token = query["paginationToken"] {
            guard let page = pages[token] else { return invalid("The pagination token is invalid") }
            guard now.timeIntervalSince(page.issued) < configuration.paginationTokenLifetime else {
                pages[token] = nil
                return invalid("The pagination token has expired; search again")
            }
            return respond(ids: page.ids, offset: page.offset, perPage: Int(query["maxResultsPerPage"] ?? "") ?? 100, now: now, token: token)
        }
        let after = (query["createdAfter"], query["lastUpdatedAfter"])
        guard (after.0 == nil) != (after.1 == nil) else { return invalid("Exactly one of createdAfter and lastUpdatedAfter is required") }
        var dates: [String: Date] = [:]
        for name in ["createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore"] {
            guard let text = query[name] else { continue }
            guard let date = SPAPIJSON.parseDate(text) else { return invalid("\(name) is not an ISO 8601 date-time") }
            dates[name] = date
        }
        let latest = now.addingTimeInterval(-configuration.beforeLag)
        for name in ["createdBefore", "lastUpdatedBefore"] {
            if let date = dates[name], date > latest {
                return invalid("\(name) must be at least \(Int(configuration.beforeLag / 60)) minutes before the time of the request")
            }
        }
        guard let marketplaces = query["marketplaceIds"]?.split(separator: ",").map(String.init), !marketplaces.isEmpty else {
            return invalid("marketplaceIds is required")
        }
        let perPage = Int(query["maxResultsPerPage"] ?? "100") ?? -1
        guard (1...100).contains(perPage) else { return invalid("maxResultsPerPage must be from 1 to 100") }
        let statuses = query["fulfillmentStatuses"].map { Set($0.split(separator: ",").map { FulfillmentStatus(rawValue: String($0)) }) }
        let fulfilledBy = query["fulfilledBy"]
        let byCreation = dates["createdAfter"] != nil
        let lower = dates["createdAfter"] ?? dates["lastUpdatedAfter"]!
        let upper = dates["createdBefore"] ?? dates["lastUpdatedBefore"] ?? latest
        var matches: [(Date, String)] = []
        for id in orderIDs {
            guard let order = orders[id], order.exists(at: upper) else { continue }
            let key = byCreation ? order.createdTime : order.lastUpdated(at: upper)
            guard key >= lower, key <= upper, marketplaces.contains(order.order.salesChannel.marketplaceId ?? "") else { continue }
            if let statuses, !statuses.contains(order.status(at: upper)) { continue }
            if let fulfilledBy, (fulfilledBy == "AMAZON") != (order.channel == "AFN") { continue }
            matches.append((key, id))
        }
        let ids = matches.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.1)
        return respond(ids: ids, offset: 0, perPage: perPage, now: upper, token: nil,
                       lastUpdatedBefore: byCreation ? nil : upper, createdBefore: byCreation ? upper : nil)
    }

    private func respond(ids: [String], offset: Int, perPage: Int, now: Date, token: String?,
                         lastUpdatedBefore: Date? = nil, createdBefore: Date? = nil) -> (status: Int, body: Data) {
        let end = min(ids.count, offset + perPage)
        let page = ids[offset..<end].compactMap { orders[$0]?.snapshot(at: now) }
        // Each page names the next with a token of its own, so asking again for a page (after a
        // lost answer) gives the same orders and the same next token.
        var next: String?
        if end < ids.count {
            if let known = nextTokens[(token ?? "") + "#" + String(offset)] {
                next = known
            } else {
                let newToken = UUID().uuidString
                pages[newToken] = (ids, end, token.flatMap { pages[$0]?.issued } ?? Date())
                if let token { nextTokens[token + "#" + String(offset)] = newToken }
                next = newToken
            }
        }
        let response = SearchOrdersResponse(
            orders: page, pagination: next.map { .init(nextToken: $0) }, lastUpdatedBefore: lastUpdatedBefore, createdBefore: createdBefore)
        return (200, (try? SPAPIJSON.encoder().encode(response)) ?? Data())
    }

    func getOrder(_ id: String, now: Date) -> (status: Int, body: Data) {
        count("getOrder")
        guard let order = orders[id], order.exists(at: now) else {
            return (404, errors("NotFound", "The order \(id) was not found"))
        }
        return (200, (try? SPAPIJSON.encoder().encode(GetOrderResponse(order: order.snapshot(at: now)))) ?? Data())
    }

    /// `confirmShipment`, validated as Amazon validates it.
    func confirm(_ id: String, body: Data, now: Date) -> (status: Int, body: Data) {
        count("confirmShipment")
        guard var order = orders[id], order.exists(at: now) else { return (404, errors("NotFound", "The order \(id) was not found")) }
        guard let request = try? SPAPIJSON.decoder().decode(ConfirmShipmentRequest.self, from: body) else {
            return invalid("The request body does not match ConfirmShipmentRequest")
        }
        let detail = request.packageDetail
        guard request.marketplaceId == order.order.salesChannel.marketplaceId else { return invalid("marketplaceId does not match the order") }
        guard order.channel == "MFN" else { return invalid("Shipments of Amazon-fulfilled orders are confirmed by Amazon") }
        let status = order.status(at: now)
        guard status == .unshipped || status == .partiallyShipped else { return invalid("The order status is \(status.rawValue); only UNSHIPPED or PARTIALLY_SHIPPED orders can be confirmed") }
        guard let reference = Int(detail.packageReferenceId), reference > 0 else { return invalid("packageReferenceId must be a positive number") }
        guard !order.shipments.contains(where: { $0.packageReferenceId == detail.packageReferenceId }) else {
            return invalid("packageReferenceId \(detail.packageReferenceId) was already used for this order")
        }
        guard !detail.carrierCode.isEmpty else { return invalid("carrierCode is required") }
        guard detail.carrierCode != "Other" || !(detail.carrierName ?? "").isEmpty else { return invalid("carrierName is required when carrierCode is Other") }
        guard !detail.trackingNumber.isEmpty else { return invalid("trackingNumber is required") }
        guard SPAPIJSON.parseDate(detail.shipDate) != nil else { return invalid("shipDate must be an ISO 8601 date-time") }
        guard !detail.orderItems.isEmpty else { return invalid("orderItems is required") }
        var items: [String: Int] = [:]
        for item in detail.orderItems {
            guard let line = order.order.orderItems.first(where: { $0.orderItemId == item.orderItemId }) else {
                return invalid("orderItemId \(item.orderItemId) is not on this order")
            }
            let open = line.quantityOrdered - order.shippedQuantity(item.orderItemId) - (items[item.orderItemId] ?? 0)
            guard item.quantity > 0, item.quantity <= open else { return invalid("orderItemId \(item.orderItemId): quantity \(item.quantity) exceeds the \(open) unshipped") }
            items[item.orderItemId, default: 0] += item.quantity
        }
        order.shipments.append(.init(packageReferenceId: detail.packageReferenceId, carrierCode: detail.carrierCode, carrierName: detail.carrierName,
                                     trackingNumber: detail.trackingNumber, shipDate: detail.shipDate, items: items, confirmedAt: now))
        orders[id] = order
        return (204, Data())
    }

    private func invalid(_ message: String) -> (status: Int, body: Data) {
        count("400")
        return (400, errors("InvalidInput", message))
    }

    func errors(_ code: String, _ message: String) -> Data {
        (try? JSONEncoder().encode(ErrorList(errors: [.init(code: code, message: message)]))) ?? Data()
    }

    // MARK: Ground truth

    /// Every order as it stands, for tests and curious users (`GET /_sandbox/orders`).
    func groundTruth(now: Date) -> Data {
        struct Truth: Encodable {
            var orderId: String
            var fulfillmentChannel: String
            var status: String
            var createdTime: String
            var lastUpdatedTime: String
            var grandTotal: String
            var buyerRequestedCancellation: Bool
            var reachedUnshipped: Bool
            /// When the order became Unshipped, and when it left that status (nil: still there).
            var unshippedAt: String?
            var leftUnshippedAt: String?
            var items: [Item]
            var shipments: [SandboxOrder.ConfirmedShipment]
            struct Item: Encodable { var orderItemId: String; var quantityOrdered: Int; var quantityShipped: Int }
        }
        let truths = orderIDs.compactMap { orders[$0] }.filter { $0.exists(at: now) }.map { order in
            let status = order.status(at: now)
            return Truth(
                orderId: order.order.orderId, fulfillmentChannel: order.channel, status: status.rawValue,
                createdTime: SPAPIJSON.formatDate(order.createdTime), lastUpdatedTime: SPAPIJSON.formatDate(order.lastUpdated(at: now)),
                grandTotal: "\(order.order.proceeds?.grandTotal?.amount ?? 0)",
                buyerRequestedCancellation: order.buyerCancelAt.map { $0 <= now } ?? false,
                reachedUnshipped: order.timeline.contains { $0.status == .unshipped && $0.at <= now },
                unshippedAt: order.timeline.first { $0.status == .unshipped && $0.at <= now }.map { SPAPIJSON.formatDate($0.at) },
                leftUnshippedAt: order.timeline.first(where: { $0.status == .unshipped }).flatMap { unshipped in
                    order.timeline.first { $0.at > unshipped.at && $0.at <= now && ($0.status == .cancelled || $0.status == .shipped) }
                }.map { SPAPIJSON.formatDate($0.at) },
                items: order.order.orderItems.map {
                    Truth.Item(orderItemId: $0.orderItemId, quantityOrdered: $0.quantityOrdered,
                               quantityShipped: order.channel == "AFN" ? (status == .shipped ? $0.quantityOrdered : 0) : order.shippedQuantity($0.orderItemId))
                },
                shipments: order.shipments)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(truths)) ?? Data()
    }
}
