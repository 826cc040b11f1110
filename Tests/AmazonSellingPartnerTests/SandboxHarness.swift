import AmazonSandbox
import AmazonSellingPartner
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Logging

/// Runs a sandbox and a client wired to it for one test.
enum Harness {
    static func configuration(_ change: (inout SandboxConfiguration) -> Void = { _ in }) -> SandboxConfiguration {
        var configuration = SandboxConfiguration()
        configuration.rateLimits = false
        change(&configuration)
        return configuration
    }

    /// A client of the sandbox: its time scale is the sandbox's, its clock the sandbox's clock.
    static func client(
        _ endpoint: AmazonSandbox.Endpoint, _ configuration: SandboxConfiguration, http: HTTPClient,
        rateScale: Double? = nil, baseDelay: Double = 0.02, maxAttempts: Int = 8, clock: WallClock = .system,
        refreshToken: String? = nil, clientSecret: String? = nil
    ) -> SellingPartnerClient {
        let tokens = LWATokenProvider(
            credentials: LWACredentials(clientID: configuration.clientID, clientSecret: clientSecret ?? configuration.clientSecret,
                                        grant: .refreshToken(refreshToken ?? configuration.refreshToken)),
            endpoint: endpoint.tokenURL, http: http, clock: clock)
        let limiter = rateScale.map { RateLimiter(timeScale: $0, clock: clock) } ?? RateLimiter.disabled()
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return SellingPartnerClient(
            configuration: .init(region: .northAmerica, endpoint: endpoint.baseURL, sellingPartnerID: configuration.sellerID,
                                 maxAttempts: maxAttempts, baseDelay: baseDelay, maxDelay: 0.5,
                                 timeScale: SearchOrdersRule.minimumBeforeAge / configuration.beforeLag),
            tokens: tokens, http: http, limiter: limiter, logger: logger, clock: clock)
    }

    /// A raw GET with a fresh access token, for requests the client would refuse to send.
    static func rawGet(_ endpoint: AmazonSandbox.Endpoint, _ client: SellingPartnerClient, http: HTTPClient, _ pathAndQuery: String)
        async throws -> (status: Int, headers: [String: String], body: [String: Any])
    {
        let token = try await client.tokens.accessToken()
        var request = HTTPClientRequest(url: endpoint.baseURL + pathAndQuery)
        request.headers.add(name: "x-amz-access-token", value: token)
        let response = try await http.execute(request, timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 32 << 20))
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return (Int(response.status.code), headers, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    /// The sandbox's ground truth.
    static func truth(_ endpoint: AmazonSandbox.Endpoint, http: HTTPClient) async throws -> [[String: Any]] {
        let response = try await http.execute(HTTPClientRequest(url: endpoint.baseURL + "/_sandbox/orders"), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        return try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [[String: Any]] ?? []
    }

    static func stats(_ endpoint: AmazonSandbox.Endpoint, http: HTTPClient) async throws -> [String: Int] {
        let response = try await http.execute(HTTPClientRequest(url: endpoint.baseURL + "/_sandbox/stats"), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Int] ?? [:]
    }

    /// Every order `searchOrders` returns for the window, page by page.
    static func walk(_ client: SellingPartnerClient, since: Date, perPage: Int = 100, marketplace: String = "ATVPDKIKX0DER") async throws -> (orders: [Order], pages: Int) {
        var orders: [Order] = []
        var token: String?
        var pages = 0
        repeat {
            let page = try await client.searchOrders(SearchOrdersQuery(
                createdAfter: since, marketplaceIds: [marketplace], maxResultsPerPage: perPage, paginationToken: token))
            orders += page.orders
            token = page.pagination?.nextToken
            pages += 1
        } while token != nil
        return (orders, pages)
    }

    static func withHTTP<T: Sendable>(_ body: @Sendable (HTTPClient) async throws -> T) async throws -> T {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let result = try await body(http)
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }
}
