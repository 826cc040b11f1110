import AmazonChannel
import AmazonSandbox
import AmazonSellingPartner
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import SalesChannel
import SalesChannelTesting

/// A local Amazon on virtual time, and Amazon sources wired to it over loopback HTTP.
///
/// The sandbox and every client share one ``VirtualTime``: a client that waits for a rate-limit
/// token moves the time forward instead of sleeping, so a walk at Amazon's real rates (one
/// `searchOrders` call per 178 s once the burst of 20 is spent) runs in a second, with both
/// sides of the connection agreeing on every bucket, expiry and two-minute rule.
struct VirtualAmazon {
    let endpoint: AmazonSandbox.Endpoint
    let time: VirtualTime
    let configuration: SandboxConfiguration

    /// A fixed start, so scenarios are the same on every run.
    static let epoch = Date(timeIntervalSince1970: 1_780_000_000)

    static func run<T: Sendable>(
        _ change: (inout SandboxConfiguration) -> Void, _ body: @escaping @Sendable (VirtualAmazon) async throws -> T
    ) async throws -> T {
        var configuration = SandboxConfiguration()
        configuration.start = epoch
        change(&configuration)
        let time = VirtualTime(epoch)
        let settings = configuration
        return try await AmazonSandbox.withRunning(settings, clock: time.clock) { endpoint in
            try await body(VirtualAmazon(endpoint: endpoint, time: time, configuration: settings))
        }
    }

    /// A limiter on virtual time at the sandbox's rates (or none when the sandbox has no limits).
    func limiter() -> RateLimiter {
        configuration.rateLimits ? RateLimiter(timeScale: configuration.rateScale, clock: time.clock) : .disabled()
    }

    func client(limiter: RateLimiter, refreshToken: String? = nil, clientSecret: String? = nil, timeScale: Double? = nil) -> SellingPartnerClient {
        let tokens = LWATokenProvider(
            credentials: .init(clientID: configuration.clientID, clientSecret: clientSecret ?? configuration.clientSecret,
                               grant: .refreshToken(refreshToken ?? configuration.refreshToken)),
            endpoint: endpoint.tokenURL, http: AmazonSourceFactory.http, clock: time.clock)
        return SellingPartnerClient(
            configuration: .init(region: .northAmerica, endpoint: endpoint.baseURL, sellingPartnerID: configuration.sellerID,
                                 maxAttempts: 4, baseDelay: 1, maxDelay: 5,
                                 timeScale: timeScale ?? SearchOrdersRule.minimumBeforeAge / configuration.beforeLag),
            tokens: tokens, http: AmazonSourceFactory.http, limiter: limiter, logger: Self.quiet, clock: time.clock)
    }

    /// A source of this sandbox's seller; sources given the same budget share it.
    func source(
        _ fulfilledBy: FulfilledBy, budget: SearchBudget? = nil, limiter: RateLimiter? = nil, refreshToken: String? = nil,
        clientSecret: String? = nil, timeScale: Double? = nil, logger: Logger = VirtualAmazon.quiet
    ) -> AmazonOrderSource {
        let client = client(
            limiter: budget?.limiter ?? limiter ?? self.limiter(), refreshToken: refreshToken, clientSecret: clientSecret, timeScale: timeScale)
        var source = AmazonOrderSource(
            id: "amazon-\(fulfilledBy == .merchant ? "mfn" : "fba")/\(configuration.sellerID)", client: client,
            sellerID: SellerID(configuration.sellerID), marketplaceIDs: [configuration.marketplaceID], fulfilledBy: fulfilledBy,
            budget: budget, initialLookback: 6 * 86400, logger: logger)
        source.beforeLag = configuration.beforeLag + 5
        return source
    }

    /// A budget over a limiter on virtual time.
    func budget() -> SearchBudget {
        SearchBudget(limiter: limiter(), key: configuration.sellerID + "/na", clock: time.clock)
    }

    func truth() async throws -> [[String: Any]] {
        let response = try await AmazonSourceFactory.http.execute(HTTPClientRequest(url: endpoint.baseURL + "/_sandbox/orders"), timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
    }

    func stats() async throws -> [String: Int] {
        let response = try await AmazonSourceFactory.http.execute(HTTPClientRequest(url: endpoint.baseURL + "/_sandbox/stats"), timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 1 << 20))
        return try JSONSerialization.jsonObject(with: data) as? [String: Int] ?? [:]
    }

    static let quiet: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()
}

/// A log handler that keeps what it is given, to check what a person would read.
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] = []
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { lines.append((event.level, "\(event.message)", event.metadata ?? [:])) }
    }

    var entries: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] { lock.withLock { lines } }

    var logger: Logger { Logger(label: "captured") { _ in self } }
}
