import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// A client for the Selling Partner API operations SalesChannel uses: Orders v2026-01-01
/// `searchOrders` and `getOrder`, and Orders v0 `confirmShipment`.
///
/// It keeps Amazon's rules:
/// - a `searchOrders` query is checked against every rule the model states before it is sent
///   (``SearchOrdersRule``): one that Amazon would refuse is thrown as a
///   ``SearchOrdersRuleViolation`` and costs no call. That includes a page request whose values
///   differ from the request that produced its token, or a token older than 24 hours;
/// - a Login with Amazon token on every call; an access token Amazon refuses (401/403) is
///   refreshed once, and a second refusal is thrown;
/// - each operation's token bucket per (selling partner, region);
/// - 429, 5xx, connection failures and LWA's `server_error`/`temporarily_unavailable` retried
///   with exponential backoff and full jitter, up to `maxAttempts`; `invalid_grant` and
///   `invalid_client` thrown at once;
/// - query values strictly percent-encoded; money as `Decimal`; `x-amzn-RequestId` in every
///   error and log line.
public struct SellingPartnerClient: Sendable {
    public struct Configuration: Sendable {
        public var region: Region
        /// Overrides the region's endpoint (a sandbox, a proxy, tests).
        public var endpoint: String?
        /// The selling partner's id, for its own rate-limit buckets.
        public var sellingPartnerID: String
        public var userAgent: String
        public var maxAttempts: Int
        public var baseDelay: Double
        public var maxDelay: Double
        /// How many times faster than this client's clock the server's time runs: 1 against
        /// Amazon; a time-scaled sandbox's scale otherwise. Amazon's time rules (a `*Before` two
        /// minutes old, tokens that expire after 24 hours) are checked in the server's time.
        public var timeScale: Double

        public init(
            region: Region, endpoint: String? = nil, sellingPartnerID: String, userAgent: String = SellingPartnerClient.defaultUserAgent,
            maxAttempts: Int = 6, baseDelay: Double = 0.5, maxDelay: Double = 30, timeScale: Double = 1
        ) {
            self.region = region
            self.endpoint = endpoint
            self.sellingPartnerID = sellingPartnerID
            self.userAgent = userAgent
            self.maxAttempts = maxAttempts
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.timeScale = timeScale
        }
    }

    /// Amazon's user-agent format: `AppName/Version (Language=…; Platform=…)`.
    public static let defaultUserAgent = "SalesChannel/0.1 (Language=Swift/6; Platform=Linux)"

    public let configuration: Configuration
    public let tokens: LWATokenProvider
    public let limiter: RateLimiter
    public let clock: WallClock
    let http: HTTPClient
    let logger: Logger
    private let counters = Counters()
    private let ledger = PaginationLedger()

    public init(configuration: Configuration, tokens: LWATokenProvider, http: HTTPClient, limiter: RateLimiter = RateLimiter(),
                logger: Logger = Logger(label: "saleschannel.sp-api"), clock: WallClock = .system) {
        self.configuration = configuration
        self.tokens = tokens
        self.http = http
        self.limiter = limiter
        self.logger = logger
        self.clock = clock
    }

    /// Calls made, 429s seen and retries, for figures and progress lines.
    public var statistics: Statistics { counters.state.withLock { $0 } }

    public struct Statistics: Hashable, Sendable {
        public var calls = 0
        public var throttled = 0
        public var retries = 0
        /// Calls per operation.
        public var byOperation: [String: Int] = [:]
        /// 429 answers per operation.
        public var throttledByOperation: [String: Int] = [:]
        /// Retries per operation.
        public var retriesByOperation: [String: Int] = [:]
        /// Orders whose answer departed from the model, per rule (see ``ModelDeviation``).
        public var deviations: [ModelDeviation.Rule: Int] = [:]
    }

    final class Counters: Sendable {
        let state = Mutex(Statistics())
    }

    // MARK: Operations

    /// One page of `searchOrders`.
    /// - Throws: ``SearchOrdersRuleViolation`` (before any call) when Amazon would refuse the
    ///   query; ``SellingPartnerError`` when Amazon answers with an error.
    public func searchOrders(_ query: SearchOrdersQuery) async throws -> SearchOrdersResponse {
        try await search(query, spare: nil)!
    }

    /// One page of `searchOrders` only if the bucket has a token to spare beyond `reserve`
    /// (work that must never delay the rest, such as a reconciliation sweep); `nil`, with no call
    /// made, when it has not.
    public func searchOrdersIfSpare(_ query: SearchOrdersQuery, keeping reserve: Double) async throws -> SearchOrdersResponse? {
        try await search(query, spare: reserve)
    }

    private func search(_ query: SearchOrdersQuery, spare reserve: Double?) async throws -> SearchOrdersResponse? {
        try check(query)
        let response = try await send(
            "searchOrders", method: .GET, path: "/orders/2026-01-01/orders", query: query.queryItems, spare: reserve
        ) { try SPAPIJSON.decoder().decode(SearchOrdersResponse.self, from: $0) }
        if let response, let next = response.pagination?.nextToken {
            ledger.issued(next, for: query.searchParameters, at: clock.now())
        }
        if let response { review(response.orders, askedFor: query.includedData) }
        return response
    }

    /// Counts and reports (once per rule) how answers depart from the model.
    private func review(_ orders: [Order], askedFor included: [IncludedData]) {
        let asked = Set(included)
        for deviation in orders.flatMap({ $0.deviations(askedFor: asked) }) {
            let first = counters.state.withLock { state in
                state.deviations[deviation.rule, default: 0] += 1
                return state.deviations[deviation.rule] == 1
            }
            if first {
                logger.notice("an SP-API answer departs from Amazon's model; the order is kept as sent", metadata: [
                    "rule": "\(deviation.rule.rawValue)", "order": "\(deviation.orderId)", "detail": "\(deviation.detail)",
                ])
            }
        }
    }

    /// Checks a query against Amazon's rules, as of now in Amazon's time.
    public func check(_ query: SearchOrdersQuery) throws(SearchOrdersRuleViolation) {
        let now = clock.now()
        // Rules are stated in Amazon's time: a time-scaled sandbox's two minutes pass `timeScale` times faster.
        try query.validate(at: now, minimumBeforeAge: SearchOrdersRule.minimumBeforeAge / configuration.timeScale)
        if let token = query.paginationToken, let issued = ledger.issue(of: token) {
            guard issued.parameters == query.searchParameters else {
                throw SearchOrdersRuleViolation(
                    rule: .samePagination, detail: "this page is asked with `\(query.searchParameters)`, its token came from `\(issued.parameters)`")
            }
            guard now.timeIntervalSince(issued.at) * configuration.timeScale < SearchOrdersRule.tokenLifetime else {
                throw SearchOrdersRuleViolation(rule: .tokenExpiry, detail: "the token was issued at \(SPAPIJSON.formatDate(issued.at))")
            }
        }
    }

    /// One order with its items (`getOrder`); `nil` when Amazon does not know it.
    public func getOrder(_ orderID: String, includedData: [IncludedData] = SearchOrdersQuery.workflowData) async throws -> Order? {
        do {
            let order = try await send(
                "getOrder", method: .GET, path: "/orders/2026-01-01/orders/\(QueryEncoding.encode(orderID))",
                query: includedData.isEmpty ? [] : [("includedData", includedData.map(\.rawValue).joined(separator: ","))]
            ) { try SPAPIJSON.decoder().decode(GetOrderResponse.self, from: $0).order }
            if let order { review([order], askedFor: includedData) }
            return order
        } catch let error as SellingPartnerError where error.code == .notFound {
            return nil
        }
    }

    /// Confirms a shipment (Orders v0 `confirmShipment`; 204 on success).
    /// - Throws: ``SellingPartnerError`` `.invalidInput` with Amazon's errors when Amazon refuses it.
    public func confirmShipment(orderID: String, _ request: ConfirmShipmentRequest) async throws {
        let body = try SPAPIJSON.encoder().encode(request)
        _ = try await send("confirmShipment", method: .POST, path: "/orders/v0/orders/\(QueryEncoding.encode(orderID))/shipmentConfirmation",
                           query: [], body: Array(body)) { _ in }
    }

    // MARK: Transport

    private var baseURL: String { configuration.endpoint ?? configuration.region.endpoint }
    /// The key of this client's rate-limit buckets: Amazon keeps one per selling partner and
    /// region (and operation), so clients of one seller share them through one ``RateLimiter``.
    public var rateLimitKey: String { configuration.sellingPartnerID + "/" + configuration.region.name }
    private var bucketKey: String { rateLimitKey }

    /// Sends with rate limiting, a fresh token and bounded retries; `decode` reads a 2xx body
    /// (an unreadable one counts as a failed attempt). With `spare`, the first attempt is only
    /// made if the bucket has a token beyond that reserve; otherwise `nil` is returned.
    func send<T>(
        _ operation: String, method: HTTPMethod, path: String, query: [(String, String)], body: [UInt8]? = nil,
        spare reserve: Double? = nil, decode: (Data) throws -> T
    ) async throws -> T? {
        var attempt = 0
        var refreshedToken = false
        while true {
            attempt += 1
            if let reserve {
                // Spare work stays spare on its retries too: it never waits for a token.
                guard await limiter.acquireIfSpare(operation, key: bucketKey, keeping: reserve) else {
                    if attempt > 1 { logger.notice("SP-API call given up until the budget has slack again", metadata: ["operation": "\(operation)"]) }
                    return nil
                }
            } else {
                try await limiter.acquire(operation, key: bucketKey)
            }
            let failure: SellingPartnerError
            do {
                let token: String
                do {
                    token = try await tokens.accessToken()
                } catch {
                    // No call went out: Amazon's bucket still holds the token taken for it.
                    await limiter.refund(operation, key: bucketKey)
                    throw error
                }
                var request = HTTPClientRequest(url: baseURL + path + (query.isEmpty ? "" : "?" + QueryEncoding.query(query)))
                request.method = method
                request.headers.add(name: "x-amz-access-token", value: token)
                request.headers.add(name: "user-agent", value: configuration.userAgent)
                request.headers.add(name: "accept", value: "application/json")
                if let body {
                    request.headers.add(name: "content-type", value: "application/json")
                    request.body = .bytes(ByteBuffer(bytes: body))
                }
                counters.state.withLock {
                    $0.calls += 1
                    $0.byOperation[operation, default: 0] += 1
                }
                let response: HTTPClientResponse
                do {
                    response = try await http.execute(request, timeout: .seconds(60))
                    await limiter.answered(operation, key: bucketKey)
                } catch {
                    await limiter.answered(operation, key: bucketKey)
                    throw SellingPartnerError(code: .transport, message: "\(error)", requestID: nil, status: nil)
                }
                let requestID = response.headers.first(name: "x-amzn-RequestId")
                let data = Data(buffer: try await response.body.collect(upTo: 32 << 20))
                if let limit = response.headers.first(name: "x-amzn-RateLimit-Limit").flatMap(Double.init) {
                    await limiter.observe(limit: limit, for: operation, key: bucketKey)
                }
                switch response.status.code {
                case 200..<300:
                    do { return try decode(data) } catch {
                        throw SellingPartnerError(code: .malformedResponse, message: "\(operation) answered with JSON that does not fit the model: \(error)",
                                                  requestID: requestID, status: Int(response.status.code))
                    }
                case 429:
                    counters.state.withLock {
                        $0.throttled += 1
                        $0.throttledByOperation[operation, default: 0] += 1
                    }
                    await limiter.drain(operation, key: bucketKey)
                    throw error(.throttled, data, requestID, response.status.code)
                case 500..<600:
                    throw error(.serverError, data, requestID, response.status.code)
                case 401, 403:
                    let refused = error(.unauthorized, data, requestID, response.status.code)
                    // A token Amazon no longer accepts is refreshed once; refused again, it is
                    // not the token (a role the app lacks, a seller who removed the app).
                    guard !refreshedToken else { throw Final(error: refused) }
                    refreshedToken = true
                    await tokens.invalidate()
                    failure = refused
                case 404:
                    throw Final(error: error(.notFound, data, requestID, response.status.code))
                default:
                    throw Final(error: error(.invalidInput, data, requestID, response.status.code))
                }
            } catch let final as Final {
                throw final.error
            } catch let error as SellingPartnerError {
                // LWA refusals (invalid_grant, invalid_client, …) are not retried.
                guard error.isRetryable || error.code == .unauthorized else { throw error }
                failure = error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // The connection broke while the answer was read.
                failure = SellingPartnerError(code: .transport, message: "\(error)", requestID: nil, status: nil)
            }
            guard attempt < configuration.maxAttempts else { throw failure }
            // A refused access token is retried at once with a new one; everything else backs off.
            let delay: Double
            if failure.code == .unauthorized {
                delay = 0
            } else {
                let ceiling = min(configuration.maxDelay, configuration.baseDelay * pow(2, Double(attempt - 1)))
                delay = Double.random(in: 0...ceiling)
            }
            counters.state.withLock {
                $0.retries += 1
                $0.retriesByOperation[operation, default: 0] += 1
            }
            logger.notice("SP-API call failed; retrying", metadata: [
                "operation": "\(operation)", "attempt": "\(attempt)", "error": "\(failure.code.rawValue)",
                "status": "\(failure.status.map(String.init) ?? "-")", "requestId": "\(failure.requestID ?? "-")",
                "retryIn": "\(String(format: "%.2f", delay))s",
            ])
            try await clock.sleep(delay)
        }
    }

    /// An answer that ends the attempts.
    private struct Final: Error { var error: SellingPartnerError }

    private func error(_ code: SellingPartnerError.Code, _ body: Data, _ requestID: String?, _ status: UInt) -> SellingPartnerError {
        let errors = (try? JSONDecoder().decode(ErrorList.self, from: body))?.errors ?? []
        let message = errors.first.map { [$0.code, $0.message, $0.details].compactMap { $0 }.joined(separator: ": ") }
            ?? "HTTP \(status)"
        return SellingPartnerError(code: code, message: message, requestID: requestID, status: Int(status), errors: errors)
    }
}

/// The pagination tokens this client was given, with the search values of the request that
/// produced each and when: a page asked with other values, or with a token older than 24 hours,
/// is refused before it is sent. Tokens from elsewhere (a checkpoint written by an earlier
/// process) are not known and go out unchecked.
final class PaginationLedger: Sendable {
    struct Issue: Sendable {
        var parameters: String
        var at: Date
    }

    private let state = Mutex<(issues: [String: Issue], order: [String])>(([:], []))
    private let capacity = 4096

    func issued(_ token: String, for parameters: String, at date: Date) {
        state.withLock { state in
            // A page asked for again returns the same token: it was issued the first time.
            guard state.issues[token] == nil else { return }
            state.issues[token] = Issue(parameters: parameters, at: date)
            state.order.append(token)
            if state.order.count > capacity {
                let dropped = state.order.prefix(state.order.count - capacity)
                for token in dropped { state.issues[token] = nil }
                state.order.removeFirst(dropped.count)
            }
        }
    }

    func issue(of token: String) -> Issue? { state.withLock { $0.issues[token] } }
}
