import AmazonChannel
import AmazonSandbox
import AmazonSellingPartner
import ArgumentParser
import Foundation
import Logging
import SalesChannel
import SalesChannelSQLite
import SalesChannelTesting
import Synchronization

/// Imports from an in-process sandbox into a fresh SQLite store and prints the figures.
struct ImportBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Backfill from the sandbox with limits off, and an import under Amazon's limits (time-scaled).",
        discussion: "Build with -c release: swift run -c release saleschannel benchmark import")

    @Option(help: "Orders in the unlimited backfill.") var backfill: Int = 10_000
    @Option(help: "Orders in the rate-limited import.") var limited: Int = 2_000
    @Option(name: .customLong("time-scale"), help: "How much the documented rate limits are sped up for the limited import.") var timeScale: Double = 1000
    @Option(name: .customLong("page-size"), help: "Orders per searchOrders page in the limited import (100 is Amazon's maximum).") var pageSize: Int = 20

    func run() async throws {
        #if DEBUG
            print("note: this is a debug build; use `swift run -c release saleschannel benchmark import` for real figures")
        #endif
        let first = try await measure(orders: backfill, limits: false, scale: 1, pageSize: 100)
        print("backfill: \(first.imported) orders (\(first.commerce) commerce orders, \(first.jobs) outbox jobs) imported with every effect run in \(String(format: "%.2f", first.elapsed)) s = \(String(format: "%.0f", Double(first.imported) / first.elapsed)) orders/s end to end; the sync (running alongside the outbox) finished at \(String(format: "%.2f", first.syncElapsed)) s = \(String(format: "%.0f", Double(first.imported) / first.syncElapsed)) orders/s; \(first.apiCalls) API calls (\(String(format: "%.4f", Double(first.apiCalls) / Double(max(first.imported, 1)))) per order); peak memory \(Self.peakMemoryMiB()) MiB")
        let second = try await measure(orders: limited, limits: true, scale: timeScale, pageSize: pageSize)
        let minimum = max(0, Double(second.apiCalls - 20)) / (0.0056 * timeScale)
        print("limited import: \(second.imported) orders under searchOrders 0.0056 rps / burst 20 scaled \(Int(timeScale))x, pages of \(pageSize): sync \(String(format: "%.2f", second.syncElapsed)) s against a token-bucket minimum of \(String(format: "%.2f", minimum)) s (\(minimum > 0 ? String(format: "%.3fx", second.syncElapsed / minimum) : "within the burst")); \(second.throttled) 429s; \(second.apiCalls) API calls (\(String(format: "%.4f", Double(second.apiCalls) / Double(max(second.imported, 1)))) per order)")
    }

    struct Figures {
        var imported: Int
        var commerce: Int
        var jobs: Int
        var elapsed: Double
        var syncElapsed: Double
        var apiCalls: Int
        var throttled: Int
    }

    func measure(orders: Int, limits: Bool, scale: Double, pageSize: Int) async throws -> Figures {
        var configuration = SandboxConfiguration()
        configuration.orders = orders
        configuration.existingShare = 1
        configuration.rateLimits = limits
        configuration.rateScale = scale
        configuration.beforeLag = 1
        let pageSize = pageSize
        let settings = configuration
        return try await AmazonSandbox.withRunning(settings) { endpoint in
            let configuration = settings
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saleschannel-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = try SQLiteDatabase(path: folder.appendingPathComponent("bench.sqlite").path)
            let logger = { var logger = Logger(label: "bench"); logger.logLevel = .error; return logger }()
            let http = AmazonSourceFactory.http
            // The MFN and FBA sources of one seller share one bucket, as at Amazon.
            let sharedLimiter = limits ? RateLimiter(timeScale: scale) : RateLimiter.disabled()
            let budget = SearchBudget(limiter: sharedLimiter, key: configuration.sellerID + "/na")
            func source(_ fulfilledBy: FulfilledBy) -> AmazonOrderSource {
                let tokens = LWATokenProvider(
                    credentials: .init(clientID: configuration.clientID, clientSecret: configuration.clientSecret, grant: .refreshToken(configuration.refreshToken)),
                    endpoint: endpoint.tokenURL, http: http)
                let client = SellingPartnerClient(
                    // The sandbox's two-minute rule is one second here: 120 times faster.
                    configuration: .init(region: .northAmerica, endpoint: endpoint.baseURL, sellingPartnerID: configuration.sellerID, timeScale: 120),
                    tokens: tokens, http: http, limiter: sharedLimiter, logger: logger)
                var source = AmazonOrderSource(
                    id: "bench-\(fulfilledBy.rawValue)", client: client, sellerID: SellerID(configuration.sellerID), marketplaceIDs: [configuration.marketplaceID],
                    fulfilledBy: fulfilledBy, budget: budget, initialLookback: 4 * 86400, logger: logger)
                source.pageSize = pageSize
                source.beforeLag = 2
                return source
            }
            let sources = [source(.merchant), source(.amazon)]
            let composition = Composition(
                store: SQLiteChannelStore(database: database), backend: SQLiteCommerceBackend(database: database), sources: sources,
                customerPolicy: FixedCustomerPolicy(), tuning: .init(batchSize: 64))
            // As in `saleschannel run`: every source syncs and the outbox runs, all at once.
            let clock = ContinuousClock()
            let start = clock.now
            let synced = Moment()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await withThrowingTaskGroup(of: Void.self) { syncs in
                        for source in sources {
                            syncs.addTask { try await OrderSync(source: source, composition: composition, logger: logger).catchUp() }
                        }
                        try await syncs.waitForAll()
                    }
                    synced.value.withLock { $0 = clock.now }
                }
                group.addTask {
                    let runner = EffectRunner(composition: composition, logger: logger)
                    while synced.value.withLock({ $0 }) == nil {
                        try await runner.drain()
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    try await runner.drain()
                }
                try await group.waitForAll()
            }
            let done = clock.now
            let stats = try await composition.store.statistics()
            let usage = await composition.sourceUsage()
            let jobs = try await composition.store.jobs(statuses: []).count
            func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
            return Figures(imported: stats.orders, commerce: stats.commerceOrders, jobs: jobs, elapsed: seconds(done - start),
                           syncElapsed: seconds(synced.value.withLock { $0! } - start), apiCalls: usage.apiCalls, throttled: usage.throttled)
        }
    }

    static func peakMemoryMiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }
}

/// When something happened, set once from one task and read from others.
private final class Moment: Sendable {
    let value = Mutex<ContinuousClock.Instant?>(nil)
}
