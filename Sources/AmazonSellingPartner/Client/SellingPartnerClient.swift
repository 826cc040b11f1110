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
/// It keeps Amazon's rules: a Login with Amazon token on every call; each operation's token
/// bucket per (selling partner, region); 429, 500, 503 and connection errors retried with
/// exponential backoff and full jitter, up to a bound; `*Before` never later than now − 2
/// minutes; query values strictly percent-encoded; money as `Decimal`; `x-amzn-RequestId` in
/// every error and log line.
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
        /// How far before now a `*Before` filter must be (Amazon: 2 minutes; a margin is added).
        public var minimumBeforeLag: TimeInterval

        public init(
            region: Region, endpoint: String? = nil, sellingPartnerID: String, userAgent: String = SellingPartnerClient.defaultUserAgent,
            maxAttempts: Int = 6, baseDelay: Double = 0.5, maxDelay: Double = 30, minimumBeforeLag: TimeInterval = 125
        ) {
            self.region = region
            self.endpoint = endpoint
            self.sellingPartnerID = sellingPartnerID
            self.userAgent = userAgent
            self.maxAttempts = maxAttempts
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.minimumBeforeLag = minimumBeforeLag
        }
    }

    /// Amazon's user-agent format: `AppName/Version (Language=…; Platform=…)`.
    public static let defaultUserAgent = "SalesChannel/0.1 (Language=Swift/6; Platform=Linux)"

    public let configuration: Configuration
    public let tokens: LWATokenProvider
    public let limiter: RateLimiter
    private let http: HTTPClient
    private let logger: Logger
    private let counters = Counters()
    private let clock: @Sendable () -> Date

    public init(configuration: Configuration, tokens: LWATokenProvider, http: HTTPClient, limiter: RateLimiter = RateLimiter(),
                logger: Logger = Logger(label: "saleschannel.sp-api"), clock: @escaping @Sendable () -> Date = { Date() }) {
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
    }

    final class Counters: Sendable {
        let state = Mutex(Statistics())
    }

    // MARK: Operations

    /// One page of `searchOrders`.
    public func searchOrders(_ query: SearchOrdersQuery) async throws -> SearchOrdersResponse {
        let latestBefore = clock().addingTimeInterval(-configuration.minimumBeforeLag)
        return try await send("searchOrders", method: .GET, path: "/orders/2026-01-01/orders", query: query.items(latestBefore: latestBefore)) {
            try SPAPIJSON.decoder().decode(SearchOrdersResponse.self, from: $0)
        }
    }

    /// One order with its items (`getOrder`); `nil` when Amazon does not know it.
    public func getOrder(_ orderID: String, includedData: [String] = ["BUYER", "RECIPIENT", "PROCEEDS", "CANCELLATION", "FULFILLMENT", "PACKAGES"]) async throws -> Order? {
        do {
            return try await send(
                "getOrder", method: .GET, path: "/orders/2026-01-01/orders/\(QueryEncoding.encode(orderID))",
                query: includedData.isEmpty ? [] : [("includedData", includedData.joined(separator: ","))]
            ) { try SPAPIJSON.decoder().decode(GetOrderResponse.self, from: $0).order }
        } catch let error as SellingPartnerError where error.code == .notFound {
            return nil
        }
    }

    /// Confirms a shipment (Orders v0 `confirmShipment`; 204 on success).
    /// - Throws: ``SellingPartnerError`` `.invalidInput` with Amazon's errors when Amazon refuses it.
    public func confirmShipment(orderID: String, _ request: ConfirmShipmentRequest) async throws {
        let body = try SPAPIJSON.encoder().encode(request)
        try await send("confirmShipment", method: .POST, path: "/orders/v0/orders/\(QueryEncoding.encode(orderID))/shipmentConfirmation",
                       query: [], body: Array(body)) { _ in }
    }

    // MARK: Transport

    private var baseURL: String { configuration.endpoint ?? configuration.region.endpoint }
    private var bucketKey: String { configuration.sellingPartnerID + "/" + configuration.region.name }

    /// Sends with rate limiting, a fresh token and bounded retries; `decode` reads a 2xx body
    /// (an unreadable one counts as a failed attempt).
    private func send<T>(
        _ operation: String, method: HTTPMethod, path: String, query: [(String, String)], body: [UInt8]? = nil,
        decode: (Data) throws -> T
    ) async throws -> T {
        var attempt = 0
        var refreshedToken = false
        while true {
            attempt += 1
            try await limiter.acquire(operation, key: bucketKey)
            let token = try await tokens.accessToken()
            var request = HTTPClientRequest(url: baseURL + path + (query.isEmpty ? "" : "?" + QueryEncoding.query(query)))
            request.method = method
            request.headers.add(name: "x-amz-access-token", value: token)
            request.headers.add(name: "user-agent", value: configuration.userAgent)
            request.headers.add(name: "accept", value: "application/json")
            if let body {
                request.headers.add(name: "content-type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            counters.state.withLock { $0.calls += 1 }
            let failure: SellingPartnerError
            do {
                let response: HTTPClientResponse
                do {
                    response = try await http.execute(request, timeout: .seconds(60))
                    await limiter.answered(operation, key: bucketKey)
                } catch {
                    await limiter.answered(operation, key: bucketKey)
                    throw error
                }
                let requestID = response.headers.first(name: "x-amzn-RequestId")
                let data = Data(buffer: try await response.body.collect(upTo: 32 << 20))
                if let limit = response.headers.first(name: "x-amzn-RateLimit-Limit").flatMap(Double.init) {
                    await limiter.observe(limit: limit, for: operation, key: bucketKey)
                }
                switch response.status.code {
                case 200..<300:
                    do { return try decode(data) } catch {
                        failure = SellingPartnerError(code: .malformedResponse, message: "\(operation) answered with JSON that does not fit the model: \(error)",
                                                      requestID: requestID, status: Int(response.status.code))
                    }
                case 429:
                    counters.state.withLock { $0.throttled += 1 }
                    await limiter.drain(operation, key: bucketKey)
                    failure = error(.throttled, data, requestID, response.status.code)
                case 500..<600:
                    failure = error(.serverError, data, requestID, response.status.code)
                case 401, 403:
                    let refused = error(.unauthorized, data, requestID, response.status.code)
                    guard !refreshedToken else { throw refused }
                    // An access token Amazon no longer accepts: get a new one, once.
                    refreshedToken = true
                    await tokens.invalidate()
                    failure = refused
                case 404:
                    throw error(.notFound, data, requestID, response.status.code)
                default:
                    throw error(.invalidInput, data, requestID, response.status.code)
                }
            } catch let error as SellingPartnerError where !error.isRetryable && error.code != .unauthorized {
                throw error
            } catch let error as SellingPartnerError {
                failure = error
            } catch {
                failure = SellingPartnerError(code: .transport, message: "\(error)", requestID: nil, status: nil)
            }
            guard attempt < configuration.maxAttempts else { throw failure }
            let ceiling = min(configuration.maxDelay, configuration.baseDelay * pow(2, Double(attempt - 1)))
            let delay = Double.random(in: 0...ceiling)
            counters.state.withLock { $0.retries += 1 }
            logger.notice("SP-API call failed; retrying", metadata: [
                "operation": "\(operation)", "attempt": "\(attempt)", "error": "\(failure.code.rawValue)",
                "status": "\(failure.status.map(String.init) ?? "-")", "requestId": "\(failure.requestID ?? "-")",
                "retryIn": "\(String(format: "%.2f", delay))s",
            ])
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
    }

    private func error(_ code: SellingPartnerError.Code, _ body: Data, _ requestID: String?, _ status: UInt) -> SellingPartnerError {
        let errors = (try? JSONDecoder().decode(ErrorList.self, from: body))?.errors ?? []
        let message = errors.first.map { [$0.code, $0.message, $0.details].compactMap { $0 }.joined(separator: ": ") }
            ?? "HTTP \(status)"
        return SellingPartnerError(code: code, message: message, requestID: requestID, status: Int(status), errors: errors)
    }
}
