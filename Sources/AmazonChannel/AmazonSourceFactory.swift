import AmazonSellingPartner
import AsyncHTTPClient
import Foundation
import Logging
import SalesChannel
import Synchronization

/// Builds Amazon sources from their deployment sections; shared by the `amazon-mfn` and
/// `amazon-fba` plugins.
public enum AmazonSourceFactory {
    /// The keys both Amazon plugins read.
    public static let keys: [PluginDescriptor.Key] = [
        .init("id", "string", default: "<plugin>/<sellerId>/<region>", "Checkpoint name (distinct per source; kept when the marketplaces change)"),
        .init("sellerId", "string", "The selling partner id"),
        .init("marketplaceIds", "comma-separated list", "Marketplaces to import (one region)"),
        .init("region", "na | eu | fe", default: "the marketplaces' region", "SP-API region"),
        .init("endpoint", "URL | sandbox", default: "the region's endpoint", "SP-API endpoint; `sandbox` uses the in-process sandbox"),
        .init("lwaEndpoint", "URL", default: "https://api.amazon.com/auth/o2/token", "Login with Amazon token endpoint"),
        .init("clientId", "string", "LWA application client id"),
        .init("clientSecret", "secret", "LWA client secret", secret: true),
        .init("refreshToken", "secret", "The seller's LWA refresh token", secret: true),
        .init("overlapMinutes", "number", default: "10", "How far each window reaches back over the previous one"),
        .init("initialLookbackHours", "number", default: "72", "How far back the first sync reaches"),
        .init("timeScale", "number", default: "1", "How much faster than real time the SP-API's time runs: only for a time-scaled sandbox (multiplies the rate limits, divides the 2-minute rule and the 24-hour token lifetime)"),
        .init("rateScale", "number", default: "timeScale", "Older name of timeScale"),
        .init("rateLimits", "true | false", default: "true", "Pace calls by Amazon's documented rate limits; false only against a sandbox started with --no-rate-limits"),
        .init("beforeLagSeconds", "number", default: "125 / timeScale", "How far behind now each window ends (Amazon requires at least 120)"),
        .init("reconcileEveryMinutes", "number", default: "60", "How often a window reaches back over reconcileHours (0: never)"),
        .init("reconcileHours", "number", default: "24", "How far back a reconciliation sweep reaches"),
    ]

    /// The in-process sandbox a deployment can point Amazon sources at (`endpoint: sandbox`).
    public struct SandboxLink: Sendable {
        public var endpoint: String
        public var clientID: String
        public var clientSecret: String
        public var refreshToken: String
        public var sellerID: String
        public var marketplaceID: String
        /// The sandbox's time scale.
        public var timeScale: Double
        public init(endpoint: String, clientID: String, clientSecret: String, refreshToken: String, sellerID: String, marketplaceID: String, timeScale: Double) {
            self.endpoint = endpoint
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.refreshToken = refreshToken
            self.sellerID = sellerID
            self.marketplaceID = marketplaceID
            self.timeScale = timeScale
        }
    }

    /// The HTTP client every Amazon source of the process shares.
    public static let http = HTTPClient(eventLoopGroupProvider: .singleton)

    /// One rate limiter and one `searchOrders` budget per (seller, region): Amazon's buckets are
    /// per selling partner and operation, so the MFN and FBA sources of one seller must draw
    /// from the same buckets and plan against the same budget.
    private static let shared = Mutex<[String: (limiter: RateLimiter, budget: SearchBudget)]>([:])

    static func sharedBudget(sellerID: String, region: Region, timeScale: Double, limited: Bool = true, clock: WallClock) -> (limiter: RateLimiter, budget: SearchBudget) {
        shared.withLock { shared in
            let key = "\(sellerID)/\(region.name)/\(timeScale)\(limited ? "" : "/unlimited")"
            if let found = shared[key] { return found }
            let limiter = limited ? RateLimiter(timeScale: timeScale, clock: clock) : RateLimiter.disabled()
            let made = (limiter, SearchBudget(limiter: limiter, key: "\(sellerID)/\(region.name)", clock: clock))
            shared[key] = made
            return made
        }
    }

    /// Registers an Amazon source plugin (`amazon-mfn`, `amazon-fba`) for one fulfilment channel.
    public static func register(
        _ descriptor: PluginDescriptor, fulfilledBy: FulfilledBy, in registry: inout PluginRegistry, sandbox: SandboxLink?
    ) {
        registry.registerSource(descriptor) { section, context in
            try make(section, context: context, plugin: descriptor.name, fulfilledBy: fulfilledBy, sandbox: sandbox)
        }
    }

    public static func make(
        _ section: ConfigSection, context: PluginContext, plugin: String, fulfilledBy: FulfilledBy, sandbox: SandboxLink?
    ) throws -> AmazonOrderSource {
        let endpointSetting = try section.string("endpoint")
        let link = endpointSetting == "sandbox" ? sandbox : nil
        if endpointSetting == "sandbox" && link == nil {
            throw DeploymentError(file: section.file, key: section.keyPath("endpoint"), problem: "`sandbox` needs a top-level `sandbox:` section that starts one")
        }
        let sellerID: String
        if let link { sellerID = link.sellerID } else { sellerID = try section.requiredString("sellerId") }
        let marketplaces = try (section.string("marketplaceIds") ?? link?.marketplaceID ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let first = marketplaces.first else {
            throw DeploymentError(file: section.file, key: section.keyPath("marketplaceIds"), problem: "at least one marketplace id is required")
        }
        for marketplace in marketplaces where !marketplace.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) || !(10...16).contains(marketplace.count) {
            throw DeploymentError(file: section.file, key: section.keyPath("marketplaceIds"),
                                  problem: "`\(marketplace)` is not a marketplace id (Amazon's ids are like ATVPDKIKX0DER)")
        }
        let region: Region
        if let name = try section.string("region") {
            guard let named = Region.named(name) else {
                throw DeploymentError(file: section.file, key: section.keyPath("region"), problem: "`\(name)` is not a region", allowed: Region.all.map(\.name))
            }
            region = named
        } else {
            guard let found = Region.forMarketplace(first) else {
                throw DeploymentError(file: section.file, key: section.keyPath("marketplaceIds"), problem: "`\(first)` is not a known marketplace id; set `region`")
            }
            region = found
            // Without an explicit region every id must be one this version knows (a typing slip
            // would otherwise search a marketplace that does not exist).
            for marketplace in marketplaces where Region.forMarketplace(marketplace) == nil {
                throw DeploymentError(file: section.file, key: section.keyPath("marketplaceIds"),
                                      problem: "`\(marketplace)` is not a known marketplace id (set `region` if Amazon added it after this version)",
                                      allowed: region.marketplaces.sorted { $0.value < $1.value }.map { "\($0.key) (\($0.value))" })
            }
        }
        for marketplace in marketplaces where Region.forMarketplace(marketplace).map({ $0 != region }) ?? false {
            throw DeploymentError(file: section.file, key: section.keyPath("marketplaceIds"), problem: "`\(marketplace)` is not in region \(region.name); use one source per region")
        }
        let credentials: LWACredentials
        if let link {
            credentials = LWACredentials(clientID: link.clientID, clientSecret: link.clientSecret, grant: .refreshToken(link.refreshToken))
        } else {
            credentials = LWACredentials(
                clientID: try section.requiredString("clientId"), clientSecret: try section.requiredSecret("clientSecret").value,
                grant: .refreshToken(try section.requiredSecret("refreshToken").value))
        }
        if link == nil, endpointSetting != nil { _ = try section.url("endpoint") }
        let endpoint = link?.endpoint ?? endpointSetting
        let configuredLWA = try section.url("lwaEndpoint")?.absoluteString ?? "https://api.amazon.com/auth/o2/token"
        let lwa = link.map { $0.endpoint + "/auth/o2/token" } ?? configuredLWA
        let olderScale = try section.double("rateScale", default: 1, in: 0.001...1_000_000)
        let configuredScale = try section.double("timeScale", default: olderScale, in: 0.001...1_000_000)
        let timeScale = link?.timeScale ?? configuredScale
        let overlap = try section.double("overlapMinutes", default: 10, in: 0...1440) * 60
        // Amazon's two minutes (of the sandbox's time): a window ending later would be refused.
        let minimumLag = 120 / timeScale
        let beforeLag = try section.double("beforeLagSeconds", default: 125 / timeScale, in: minimumLag...max(minimumLag, 86400))
        let sweepEvery = try section.double("reconcileEveryMinutes", default: 60, in: 0...(24 * 60 * 30)) * 60
        let sweepSpan = try section.double("reconcileHours", default: 24, in: 0...(24 * 60)) * 3600
        let lookback = try section.double("initialLookbackHours", default: 72, in: 0...(24 * 730)) * 3600
        var account = AmazonAccount(
            sellerID: sellerID, marketplaceIDs: marketplaces, credentials: credentials, region: region, endpoint: endpoint,
            lwaEndpoint: lwa)
        account.timeScale = timeScale
        account.beforeLag = beforeLag
        account.rateLimited = try section.bool("rateLimits", default: true)
        var source = self.source(
                account, plugin: plugin, fulfilledBy: fulfilledBy, id: try section.string("id"), logger: context.logger,
                clock: WallClock(context.clock))
        source.overlap = overlap
        source.initialLookback = lookback
        source.sweepInterval = sweepEvery > 0 ? sweepEvery : nil
        source.sweepSpan = sweepSpan
        return source
    }

    /// A source over `account`, composed in code (what the plugins build from a deployment file).
    /// Sources of the same seller and region share one rate limiter, as they share Amazon's buckets.
    /// `id` names the checkpoint; by default `<plugin>/<sellerId>/<region>` (`amazon-mfn/A1SELLER/na`),
    /// which stays the same when marketplaces of the region are added or removed. A source with
    /// the default id also answers to the ids earlier releases gave it
    /// (`<plugin>/<sellerId>/<marketplaceIds>`, every id of its region), and takes their work over.
    public static func source(
        _ account: AmazonAccount, plugin: String, fulfilledBy: FulfilledBy, id: String? = nil, logger: Logger,
        clock: WallClock = .system
    ) -> AmazonOrderSource {
        // With the default id, or an id of the earlier form (the one a person picked to continue):
        // the work stored under the other earlier ids is this source's too.
        let prefix = "\(plugin)/\(account.sellerID)/"
        let formerPrefix = id.map { $0.hasPrefix(prefix) } ?? true ? prefix : nil
        let id = id ?? "\(plugin)/\(account.sellerID)/\(account.region.name)"
        let tokens = LWATokenProvider(credentials: account.credentials, endpoint: account.lwaEndpoint, http: http, clock: clock)
        let (limiter, budget) = sharedBudget(
            sellerID: account.sellerID, region: account.region, timeScale: account.timeScale, limited: account.rateLimited, clock: clock)
        let client = SellingPartnerClient(
            configuration: .init(region: account.region, endpoint: account.endpoint, sellingPartnerID: account.sellerID,
                                 timeScale: account.timeScale),
            tokens: tokens, http: http, limiter: limiter, logger: logger, clock: clock)
        var source = AmazonOrderSource(
            id: id, client: client, sellerID: SellerID(account.sellerID), marketplaceIDs: account.marketplaceIDs, fulfilledBy: fulfilledBy,
            budget: budget, logger: logger)
        source.beforeLag = account.beforeLag
        if let formerPrefix {
            source.formerIDs = .init(prefix: formerPrefix, marketplaces: Set(account.region.marketplaces.keys).union(account.marketplaceIDs))
        }
        return source
    }
}

/// One seller account in one SP-API region, for composing Amazon sources in code.
public struct AmazonAccount: Sendable {
    public var sellerID: String
    public var marketplaceIDs: [String]
    public var credentials: LWACredentials
    public var region: Region
    /// The SP-API endpoint; `nil` uses the region's.
    public var endpoint: String?
    public var lwaEndpoint: String
    /// How much faster than real time the SP-API's time runs: 1 against Amazon; a time-scaled
    /// sandbox's scale (it multiplies the rate limits and divides Amazon's time rules).
    public var timeScale: Double = 1
    /// Whether calls are paced by Amazon's documented rate limits (the default). Off only
    /// against a sandbox started with `--no-rate-limits`: against Amazon every burst would
    /// meet 429s.
    public var rateLimited = true
    /// Older name of ``timeScale``.
    public var rateScale: Double {
        get { timeScale }
        set { timeScale = newValue }
    }
    /// How far behind now each window ends (Amazon requires at least 120 seconds; default 125,
    /// divided by ``timeScale``).
    public var beforeLag: Double {
        get { explicitBeforeLag ?? 125 / timeScale }
        set { explicitBeforeLag = newValue }
    }
    private var explicitBeforeLag: Double?

    public init(
        sellerID: String, marketplaceIDs: [String], credentials: LWACredentials, region: Region, endpoint: String? = nil,
        lwaEndpoint: String = "https://api.amazon.com/auth/o2/token"
    ) {
        self.sellerID = sellerID
        self.marketplaceIDs = marketplaceIDs
        self.credentials = credentials
        self.region = region
        self.endpoint = endpoint
        self.lwaEndpoint = lwaEndpoint
    }
}

extension WallClock {
    /// The Amazon client's clock over the composition's: one clock for the engine, the sync,
    /// the sources, their rate limiters and token expiry.
    public init(_ clock: any SalesChannelClock) {
        if clock is SystemClock {
            self = .system
        } else {
            self.init(now: { clock.now() }, sleep: { try await clock.sleep(seconds: $0) })
        }
    }
}
