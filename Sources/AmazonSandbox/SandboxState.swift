import AmazonSellingPartner
import Foundation

/// Everything the sandbox knows, behind one actor: the scenario's orders, issued tokens,
/// pagination snapshots, rate-limit buckets and counters.
actor SandboxState {
    let configuration: SandboxConfiguration
    let start: Date
    private(set) var orders: [String: SandboxOrder] = [:]
    private let orderIDs: [String]
    /// Issued access tokens: when each expires, and the scope of a grantless one (`nil`: a
    /// seller's token, from a refresh token).
    private var accessTokens: [String: (expiry: Date, scope: String?)] = [:]
    /// Notifications API v1: the application's destinations by id, its subscriptions by type.
    var destinations: [String: NotificationDestination] = [:]
    var subscriptions: [String: NotificationSubscription] = [:]
    /// A search's result, fixed when its first page was asked for, and the values every later
    /// page must repeat.
    struct Search {
        var ids: [String]
        var parameters: SearchParameters
        /// When the first page was asked for.
        var issued: Date
        /// The upper bound it was answered for (its `*Before`, or the latest one allowed).
        var upper: Date
    }
    /// Issued tokens: the search, where the page starts, and when the token was issued ("The
    /// token will expire after 24 hours": each token 24 hours after it was given out).
    private var pages: [String: (search: Search, offset: Int, issued: Date)] = [:]
    private var nextTokens: [String: String] = [:]
    private var buckets: [String: (tokens: Double, updated: Date)] = [:]
    private var faults: SeededGenerator
    private var tokenFaults: SeededGenerator
    private(set) var counters: [String: Int] = [:]

    init(configuration: SandboxConfiguration, start: Date) {
        self.configuration = configuration
        self.start = start
        let scenario = Scenario.make(configuration, start: start)
        for order in scenario { orders[order.order.orderId] = order }
        orderIDs = scenario.map(\.order.orderId)
        faults = SeededGenerator(seed: configuration.seed &+ 0xFA17)
        tokenFaults = SeededGenerator(seed: configuration.seed &+ 0x70CE)
    }

    func count(_ name: String) { counters[name, default: 0] += 1 }

    // MARK: Login with Amazon

    func issueToken(_ fields: [String: String], now: Date) -> (status: Int, body: Data) {
        let (status, body) = tokenAnswer(fields, now: now)
        return (status, (try? JSONSerialization.data(withJSONObject: body)) ?? Data())
    }

    private func tokenAnswer(_ fields: [String: String], now: Date) -> (status: Int, body: [String: Any]) {
        count("token")
        let spec = configuration.faults
        if spec.lwa500 + spec.lwa503 > 0 {
            let roll = tokenFaults.unit()
            if roll < spec.lwa500 {
                count("lwaFault")
                return (500, ["error": "server_error", "error_description": "The authorization server encountered an unexpected error"])
            }
            if roll < spec.lwa500 + spec.lwa503 {
                count("lwaFault")
                return (503, ["error": "temporarily_unavailable", "error_description": "The authorization server is temporarily unavailable"])
            }
        }
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
        let scope = fields["grant_type"] == "client_credentials" ? fields["scope"] : nil
        accessTokens[token] = (now.addingTimeInterval(TimeInterval(configuration.tokenLifetime)), scope)
        return (200, ["access_token": token, "token_type": "bearer", "expires_in": configuration.tokenLifetime])
    }

    /// Whether an access token was issued here, is still valid, and is of the kind `operation`
    /// takes: a grantless operation takes only a token of its scope (`client_credentials`), every
    /// other operation only a selling partner's (from a refresh token).
    func isAuthorized(_ token: String?, for operation: String, now: Date) -> Bool {
        guard let token, let issued = accessTokens[token], issued.expiry > now else { return false }
        return issued.scope == Self.grantlessOperations[operation]
    }

    /// The grantless operations and the scope each takes (`notifications.json`: "The
    /// `<operation>` operation is grantless").
    static let grantlessOperations: [String: String] = Dictionary(uniqueKeysWithValues: [
        "getSubscriptionById", "deleteSubscriptionById", "getDestinations", "createDestination", "getDestination", "deleteDestination",
    ].map { ($0, "sellingpartnerapi::notifications") })

    // MARK: Limits and faults

    /// The usage plan in force for an operation: the documented rate and burst, the rate times
    /// the configured scale.
    func plan(_ operation: String) -> RateLimiter.Plan? {
        guard configuration.rateLimits, let plan = RateLimiter.documented[operation] else { return nil }
        return RateLimiter.Plan(rate: plan.rate * configuration.rateScale, burst: plan.burst)
    }

    /// Takes a token from the operation's bucket; false means 429.
    func admit(_ operation: String, now: Date) -> Bool {
        guard let plan = plan(operation) else { return true }
        var bucket = buckets[operation] ?? (plan.burst, now)
        bucket.tokens = min(plan.burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * plan.rate)
        bucket.updated = now
        guard bucket.tokens >= 1 else {
            buckets[operation] = bucket
            count("throttled")
            count("throttled:" + operation)
            return false
        }
        bucket.tokens -= 1
        buckets[operation] = bucket
        return true
    }

    /// `x-amzn-RateLimit-Limit`: the rate in force, as the bucket applies it.
    func rate(_ operation: String) -> Double? { plan(operation)?.rate }

    enum Fault { case http500, http503, throttle, slow(TimeInterval), drop, malformed, forbidden }

    /// Draws the fault, if any, for one SP-API request.
    func drawFault() -> Fault? {
        let spec = configuration.faults
        guard spec.apiFaults > 0 else { return nil }
        var roll = faults.unit()
        for (probability, fault) in [(spec.http500, Fault.http500), (spec.http503, .http503), (spec.throttle, .throttle),
                                     (spec.slow, .slow(spec.slowDuration)), (spec.drop, .drop), (spec.malformed, .malformed),
                                     (spec.forbidden, .forbidden)] {
            if roll < probability {
                count("fault")
                return fault
            }
            roll -= probability
        }
        return nil
    }

    // MARK: Orders

    /// `searchOrders`, refusing every request that breaks a rule of the model. Returns the status
    /// and the JSON body.
    func search(_ query: [String: String], now: Date) -> (status: Int, body: Data) {
        count("searchOrders")
        let parameters: SearchParameters
        do {
            parameters = try SearchParameters(query, now: now, beforeLag: configuration.beforeLag)
        } catch {
            return refuse(error)
        }
        let include: Set<IncludedData>
        do { include = try Self.includedData(query["includedData"]) } catch { return refuse(error) }
        if let token = query["paginationToken"] {
            guard let page = pages[token] else {
                return refuse(SearchRefusal(.samePagination, "We could not decode your paginationToken. It was not issued for this selling partner, or it was changed in transit."))
            }
            guard now.timeIntervalSince(page.issued) < configuration.paginationTokenLifetime else {
                return refuse(SearchRefusal(.tokenExpiry, "The paginationToken has expired: tokens expire after 24 hours. Search again without it."))
            }
            guard page.search.parameters == parameters else {
                return refuse(SearchRefusal(.samePagination, "The request's parameters differ from those of the request that generated this paginationToken: \(page.search.parameters.differences(from: parameters)). Only maxResultsPerPage and includedData may change between pages."))
            }
            return respond(page.search, offset: page.offset, perPage: parameters.perPage, include: include, token: token, now: now)
        }
        let upper = parameters.before ?? now.addingTimeInterval(-configuration.beforeLag)
        var matches: [(Date, String)] = []
        for id in orderIDs {
            guard let order = orders[id], order.exists(at: upper) else { continue }
            let key = parameters.byCreation ? order.createdTime : order.lastUpdated(at: upper)
            guard key >= parameters.after, key <= upper else { continue }
            if !parameters.marketplaces.isEmpty, !parameters.marketplaces.contains(order.order.salesChannel.marketplaceId ?? "") { continue }
            if !parameters.statuses.isEmpty, !parameters.statuses.contains(order.status(at: upper).rawValue) { continue }
            if !parameters.fulfilledBy.isEmpty, !parameters.fulfilledBy.contains(order.channel == "AFN" ? "AMAZON" : "MERCHANT") { continue }
            matches.append((key, id))
        }
        let search = Search(ids: matches.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.1), parameters: parameters, issued: now, upper: upper)
        return respond(search, offset: 0, perPage: parameters.perPage, include: include, token: nil, now: now)
    }

    private func respond(_ search: Search, offset: Int, perPage: Int, include: Set<IncludedData>, token: String?, now: Date) -> (status: Int, body: Data) {
        let ids = search.ids
        let end = min(ids.count, offset + perPage)
        let at = search.upper
        let page = ids[offset..<end].compactMap { orders[$0]?.snapshot(at: at, including: include) }
        // Each page names the next with a token of its own, so asking again for a page (after a
        // lost answer) gives the same orders and the same next token.
        var next: String?
        if end < ids.count {
            let key = (token ?? "first:\(search.issued.timeIntervalSince1970):\(search.parameters)") + "#" + String(offset) + "/" + String(end)
            if let known = nextTokens[key] {
                next = known
            } else {
                let newToken = Self.newToken()
                pages[newToken] = (search, end, now)
                nextTokens[key] = newToken
                next = newToken
            }
        }
        let response = SearchOrdersResponse(
            orders: page, pagination: next.map { .init(nextToken: $0) },
            lastUpdatedBefore: search.parameters.byCreation ? nil : at, createdBefore: search.parameters.byCreation ? at : nil)
        return (200, (try? SPAPIJSON.encoder().encode(response)) ?? Data())
    }

    /// Opaque like Amazon's: base64 with `+`, `/` and `=`, which a client must percent-encode.
    private static func newToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 24)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        bytes[0] = 0xFB  // so that the token starts with `+`
        return Data(bytes).base64EncodedString() + "=="
    }

    func getOrder(_ id: String, query: [String: String], now: Date) -> (status: Int, body: Data) {
        count("getOrder")
        let include: Set<IncludedData>
        do { include = try Self.includedData(query["includedData"]) } catch { return refuse(error) }
        guard let order = orders[id], order.exists(at: now) else {
            return (404, errors("NotFound", "The order \(id) was not found"))
        }
        return (200, (try? SPAPIJSON.encoder().encode(GetOrderResponse(order: order.snapshot(at: now, including: include)))) ?? Data())
    }

    /// `includedData`: a comma-separated list of the model's datasets; none when absent.
    static func includedData(_ text: String?) throws(SearchRefusal) -> Set<IncludedData> {
        guard let text else { return [] }
        var result: Set<IncludedData> = []
        for name in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard let value = IncludedData(rawValue: name) else {
                throw SearchRefusal(.knownValues, "includedData `\(name)` is not one of \(IncludedData.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            result.insert(value)
        }
        return result
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
        // "must exactly match the Seller Central carrier list" (spapi-notes §4): no case folding here.
        guard CarrierCode.known.contains(detail.carrierCode) else {
            return invalid("carrierCode \(detail.carrierCode) is not one of Amazon's carrier codes; use Other with a carrierName")
        }
        guard detail.carrierCode != "Other" || !(detail.carrierName ?? "").isEmpty else { return invalid("carrierName is required when carrierCode is Other") }
        guard !detail.trackingNumber.isEmpty else { return invalid("trackingNumber is required") }
        guard let shipDate = SPAPIJSON.parseDate(detail.shipDate) else { return invalid("shipDate must be an ISO 8601 date-time") }
        guard shipDate >= order.createdTime else { return invalid("shipDate \(detail.shipDate) is before the order was placed") }
        guard !detail.orderItems.isEmpty else { return invalid("orderItems is required") }
        // "The COD collection method (only supported in the JP marketplace)", `enum: ["DirectPayment"]`.
        if let method = request.codCollectionMethod {
            guard method == "DirectPayment" else { return invalid("codCollectionMethod must be DirectPayment") }
            guard request.marketplaceId == "A1VC38T7YXB528" else { return invalid("codCollectionMethod is only supported in the JP marketplace") }
        }
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

    private func refuse(_ error: SearchRefusal) -> (status: Int, body: Data) {
        (400, refusal(error.rule, error.message))
    }

    /// Amazon's 400 body for a request that breaks `rule`, counted per rule.
    func refusal(_ rule: SearchOrdersRule, _ message: String) -> Data {
        count("400")
        count("refused:" + rule.rawValue)
        return errors("InvalidInput", message, details: "rule: \(rule.rawValue)")
    }

    func errors(_ code: String, _ message: String, details: String? = nil) -> Data {
        (try? JSONEncoder().encode(ErrorList(errors: [.init(code: code, message: message, details: details)]))) ?? Data()
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
            /// Whether the order's grand total is the sum of its lines now (a rare order is a cent off for a while).
            var totalsReconcile: Bool
            /// The money the order's lines carry, by category (`ITEM`, `SHIPPING`, `TAX`, …), and the grand total.
            var charges: [String: String]
            var reachedUnshipped: Bool
            /// When the order became Unshipped, and when it left that status (nil: still there).
            var unshippedAt: String?
            var leftUnshippedAt: String?
            /// Every status change so far, oldest first.
            var statusChanges: [StatusChange]
            /// Every change Amazon made so far (status changes, cancellation request, shipments).
            var changes: [String]
            var items: [Item]
            var shipments: [SandboxOrder.ConfirmedShipment]
            struct Item: Encodable { var orderItemId: String; var quantityOrdered: Int; var quantityShipped: Int }
            struct StatusChange: Encodable { var at: String; var status: String }
        }
        let truths = orderIDs.compactMap { orders[$0] }.filter { $0.exists(at: now) }.map { order in
            let status = order.status(at: now)
            return Truth(
                orderId: order.order.orderId, fulfillmentChannel: order.channel, status: status.rawValue,
                createdTime: SPAPIJSON.formatDate(order.createdTime), lastUpdatedTime: SPAPIJSON.formatDate(order.lastUpdated(at: now)),
                grandTotal: "\(order.order.proceeds?.grandTotal?.amount ?? 0)",
                buyerRequestedCancellation: order.buyerCancelAt.map { $0 <= now } ?? false,
                totalsReconcile: order.totalsReconcile(at: now),
                charges: Dictionary(order.order.orderItems.flatMap { $0.proceeds?.breakdowns ?? [] }.map { ($0.type, $0.subtotal.amount) }, uniquingKeysWith: +)
                    .mapValues { "\($0)" },
                reachedUnshipped: order.timeline.contains { $0.status == .unshipped && $0.at <= now },
                unshippedAt: order.timeline.first { $0.status == .unshipped && $0.at <= now }.map { SPAPIJSON.formatDate($0.at) },
                leftUnshippedAt: order.timeline.first(where: { $0.status == .unshipped }).flatMap { unshipped in
                    order.timeline.first { $0.at > unshipped.at && $0.at <= now && ($0.status == .cancelled || $0.status == .shipped) }
                }.map { SPAPIJSON.formatDate($0.at) },
                statusChanges: order.timeline.filter { $0.at <= now }.map { .init(at: Self.preciseDate($0.at), status: $0.status.rawValue) },
                changes: order.changes(at: now).map(Self.preciseDate),
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

    /// With milliseconds: a time-scaled scenario changes orders within the same second.
    private static func preciseDate(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
