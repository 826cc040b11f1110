import ArgumentParser
import AsyncHTTPClient
import Foundation
import Histogram
import Logging
import NIOHTTP1
import Hummingbird
import RequestSigning
import SalesChannel
import SalesChannelHTTP
import SalesChannelSQLite
import SalesChannelTesting
import Synchronization

/// `GET /api/v1/orders` with filters, under concurrent clients, over a store of many orders.
struct HTTPBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Requests per second and latency of GET /api/v1/orders with filters, with concurrent clients, over a SQLite store.",
        discussion: """
            Fills a fresh SQLite store with scripted orders (the sync alone, no effects), serves the \
            API on loopback in this process and sends the requests from async-http-client clients \
            in this process (so client and server share the machine). Build with -c release: \
            swift run -c release saleschannel benchmark http
            """)

    @Option(help: "Orders in the store.") var orders = 50_000
    @Option(help: "Concurrent clients (each one request at a time).") var clients = 64
    @Option(help: "Seconds of load after a warm-up of 2 s.") var seconds: Double = 20

    /// The mix the clients walk through: the grid's filters and a text search.
    static let queries = [
        "amazonStatus=UNSHIPPED&channel=MFN&limit=50",
        "limit=50&sort=-purchase-date",
        "hasError=false&limit=50",
        "all=true&amazonStatus=SHIPPED&limit=50",
        "q=Buyer%2017&limit=50",
        "q=-00020&limit=50",
        "purchasedFrom=2026-01-01T00:00:00Z&marketplace=ATVPDKIKX0DER&limit=50",
    ]

    func run() async throws {
        #if DEBUG
            print("note: this is a debug build; use `swift run -c release saleschannel benchmark http` for real figures")
        #endif
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saleschannel-http-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var logger = Logger(label: "benchmark")
        logger.logLevel = .error

        let database = try SQLiteDatabase(path: folder.appendingPathComponent("bench.sqlite").path)
        let source = ScriptedOrderSource(count: orders, seed: 3, pageSize: 100)
        let (registry, metrics) = HTTPSide.prometheus()
        let engine = ChannelEngine(Composition(
            store: SQLiteChannelStore(database: database), backend: SQLiteCommerceBackend(database: database), sources: [source],
            customerPolicy: FixedCustomerPolicy(), metrics: metrics), logger: logger)
        let filling = ContinuousClock.now
        while try await engine.syncPage(source: source.id) {}
        let stored = try await engine.statistics().store
        print("store: \(stored.orders) orders (\(stored.visibleOrders) visible), filled in \(Self.seconds(ContinuousClock.now - filling)) s")

        let token = "benchmark-token"
        var settings = HTTPSettings()
        settings.port = 0
        settings.tokens = [APIToken(name: "benchmark", sha256: SHA256.hash(Array(token.utf8)), role: .viewer)]
        let server = SalesChannelServer(engine: engine, settings: settings, registry: registry, deployment: ("benchmark", Data("{}".utf8)), syncsSources: false, logger: logger)
        let (addresses, continuation) = AsyncStream<String>.makeStream()
        let application = try server.application { continuation.yield($0) }
        let serving = Task { try await application.runService(gracefulShutdownSignals: []) }
        defer { serving.cancel() }
        var iterator = addresses.makeAsyncIterator()
        guard let base = await iterator.next() else { throw CommandFailure("the server did not start", status: 1) }

        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = clients
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)

        // Warm-up: connections opened, caches filled; not measured.
        _ = try await load(http, base: base, token: token, seconds: 2)
        let cpuBefore = Self.cpuSeconds()
        let result = try await load(http, base: base, token: token, seconds: seconds)
        let cpu = Self.cpuSeconds() - cpuBefore
        let histogram = result.histogram
        print("GET /api/v1/orders (\(Self.queries.count) filter mixes, 50 a page), \(clients) clients, \(Int(seconds)) s:")
        print("  \(histogram.totalCount) requests, \(String(format: "%.0f", Double(histogram.totalCount) / seconds)) requests/s, \(result.failures) not 200")
        print("  latency p50 \(Self.ms(histogram.valueAtPercentile(50))) ms, p90 \(Self.ms(histogram.valueAtPercentile(90))) ms, p99 \(Self.ms(histogram.valueAtPercentile(99))) ms, max \(Self.ms(histogram.max)) ms")
        print("  process CPU \(String(format: "%.1f", cpu)) s in \(Int(seconds)) s (server and clients), peak RSS \(Self.peakRSSMiB()) MiB")
        // The worst case: a filter no column answers and nothing matches reads the whole store.
        var worst = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        for _ in 0..<5 {
            var request = HTTPClientRequest(url: base + "/api/v1/orders?commerceStatus=no-such-status&limit=50")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            let started = ContinuousClock.now
            _ = try await http.execute(request, timeout: .seconds(300)).body.collect(upTo: 1 << 20)
            let elapsed = ContinuousClock.now - started
            worst.record(UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000))
        }
        print("  worst case, one client: a commerce status no order has (the whole store read): \(Self.ms(worst.valueAtPercentile(50))) ms a request")
        try await http.shutdown()
    }

    /// Runs the clients for `seconds`. - Returns: latencies in microseconds, and failures.
    func load(_ http: HTTPClient, base: String, token: String, seconds: Double) async throws -> (histogram: Histogram<UInt64>, failures: Int) {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        return try await withThrowingTaskGroup(of: (Histogram<UInt64>, Int).self) { group in
            for client in 0..<clients {
                group.addTask {
                    var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
                    var failures = 0
                    var index = client
                    while ContinuousClock.now < deadline {
                        var request = HTTPClientRequest(url: base + "/api/v1/orders?" + Self.queries[index % Self.queries.count])
                        request.headers.add(name: "Authorization", value: "Bearer \(token)")
                        index += 1
                        let started = ContinuousClock.now
                        let response = try await http.execute(request, timeout: .seconds(120))
                        _ = try await response.body.collect(upTo: 64 << 20)
                        let elapsed = ContinuousClock.now - started
                        histogram.record(UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000))
                        if response.status != .ok { failures += 1 }
                    }
                    return (histogram, failures)
                }
            }
            var total = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
            var failures = 0
            for try await (histogram, failed) in group {
                total.add(histogram)
                failures += failed
            }
            return (total, failures)
        }
    }

    static func ms(_ microseconds: UInt64) -> String { String(format: "%.1f", Double(microseconds) / 1000) }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func peakRSSMiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }
}
