import AmazonChannel
import AmazonSandbox
import AmazonSellingPartner
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import SalesChannel
import SalesChannelSQLite
import SalesChannelTesting
import ServiceLifecycle
import Synchronization

/// A simulated day of one seller: the sandbox time-scaled, orders arriving and changing through
/// the day, the `amazon-mfn` and `amazon-fba` sources sharing Amazon's documented budget with
/// the sweep on, running as `saleschannel run` runs them.
struct DayBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "day",
        abstract: "A simulated day of one seller at Amazon's documented limits, time-scaled: 429s, delays, budget use, sweeps.",
        discussion: "The sandbox runs --time-scale times faster than real time (120: a day in 12 minutes).")

    @Option(name: .customLong("time-scale"), help: "How much faster than real time the day runs (60 or more).") var timeScale: Double = 120
    @Option(name: .customLong("orders-per-day"), help: "Orders the seller receives per day.") var ordersPerDay: Int = 3000
    @Option(help: "Simulated hours.") var hours: Double = 24
    @Option(help: "Seed of the scenario.") var seed: UInt64 = 1

    func validate() throws {
        guard timeScale >= 1 else { throw ValidationError("--time-scale must be at least 1") }
        guard hours > 0, hours <= 24 * 7 else { throw ValidationError("--hours must be from 0 to 168") }
        guard ordersPerDay > 0 else { throw ValidationError("--orders-per-day must be positive") }
    }

    func run() async throws {
        let scale = timeScale
        var sandbox = SandboxConfiguration()
        sandbox.orders = Int(Double(ordersPerDay) * hours / 24)
        sandbox.seed = seed
        sandbox.existingShare = 0
        sandbox.arrivalWindow = hours * 3600
        sandbox.timeScale = scale  // and so the rate limits, the two-minute rule and the 24-hour tokens
        sandbox.rateLimits = true
        let start = Date()
        sandbox.start = start
        let settings = sandbox
        let realDuration = hours * 3600 / scale
        print("simulated day: \(sandbox.orders) orders over \(hours) h at \(Int(scale))x (\(Int(realDuration)) s), documented limits, sweep on; one line per simulated hour")
        let report = try await AmazonSandbox.withRunning(settings) { endpoint in
            try await Self.simulate(endpoint: endpoint, sandbox: settings, start: start, duration: realDuration)
        }
        report.print(scale: scale, start: start, hours: hours)
    }

    /// What the day produced.
    struct Report {
        var truth: [Truth]
        var commits: [String: [(at: Date, lastUpdate: Date)]]
        var hourly: [Int]
        var stats: [String: Int]
        var sweeps: [Sweep]
        var pollInterval: TimeInterval
        var sustainedPerHour: Double
        var end: Date
    }

    struct Truth: Decodable {
        var orderId: String
        var fulfillmentChannel: String
        var statusChanges: [Change]
        var changes: [String]
        struct Change: Decodable { var at: String; var status: String }
    }

    struct Sweep {
        var source: String
        var started: Date
        var completed: Date?
        var pages: Int
    }

    static func simulate(endpoint: AmazonSandbox.Endpoint, sandbox: SandboxConfiguration, start: Date, duration: TimeInterval) async throws -> Report {
        let scale = sandbox.timeScale
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saleschannel-day-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try SQLiteDatabase(path: folder.appendingPathComponent("day.sqlite").path)
        let logger = { var logger = Logger(label: "day"); logger.logLevel = .error; return logger }()
        var account = AmazonAccount(
            sellerID: sandbox.sellerID, marketplaceIDs: [sandbox.marketplaceID],
            credentials: LWACredentials(clientID: sandbox.clientID, clientSecret: sandbox.clientSecret, grant: .refreshToken(sandbox.refreshToken)),
            region: .northAmerica, endpoint: endpoint.baseURL, lwaEndpoint: endpoint.tokenURL)
        account.timeScale = scale
        // The sources as a deployment builds them (one shared budget), with every duration in Amazon's time.
        let sources = [FulfilledBy.merchant, .amazon].map { fulfilledBy in
            var source = AmazonSourceFactory.source(account, plugin: fulfilledBy == .merchant ? "amazon-mfn" : "amazon-fba", fulfilledBy: fulfilledBy, logger: logger)
            source.overlap = 600 / scale
            source.initialLookback = 3600 / scale
            source.sweepInterval = 3600 / scale
            source.sweepSpan = 86400 / scale
            return source
        }
        let store = TimedStore(SQLiteChannelStore(database: database))
        let composition = Composition(
            store: store, backend: SQLiteCommerceBackend(database: database), sources: sources, customerPolicy: FixedCustomerPolicy(),
            tuning: .init(pollInterval: 60 / scale, idleInterval: 0.2))
        let group = ServiceGroup(configuration: .init(services: composition.services(logger: logger).map { .init(service: $0) }, logger: logger))
        let budget = sources[0].budget
        var hourly: [Int] = []
        var sweeps: [Sweep] = []
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let hour = 3600 / scale
            var lastCalls = 0
            var nextHour = start.addingTimeInterval(hour)
            let end = start.addingTimeInterval(duration)
            while Date() < end {
                try await Task.sleep(for: .milliseconds(Int(min(60 / scale, 1) * 1000)))
                // Sweeps, seen in the checkpoints (one may start and complete between two looks).
                for source in sources {
                    guard let position = try? source.position(try await store.checkpoint(for: source.id)) else { continue }
                    if let started = position.lastSweepStart, started > start.addingTimeInterval(1),
                        !sweeps.contains(where: { $0.source == source.id && $0.started == started })
                    {
                        sweeps.append(Sweep(source: source.id, started: started, completed: nil, pages: 0))
                    }
                    for index in sweeps.indices where sweeps[index].source == source.id && sweeps[index].completed == nil {
                        if let sweep = position.sweep, sweep.started == sweeps[index].started {
                            sweeps[index].pages = sweep.pages
                        } else if let completed = position.lastSweepCompleted, completed >= sweeps[index].started {
                            sweeps[index].completed = completed
                            sweeps[index].pages = position.lastSweepPages ?? sweeps[index].pages
                        }
                    }
                }
                if Date() >= nextHour {
                    let stats = try await Self.stats(endpoint)
                    let calls = stats["searchOrders", default: 0]
                    hourly.append(calls - lastCalls)
                    lastCalls = calls
                    let storeStats = try await store.statistics()
                    Swift.print("  hour \(String(format: "%2d", hourly.count)): searchOrders \(String(format: "%2d", hourly.last!)) · orders stored \(storeStats.orders) · commerce orders \(storeStats.commerceOrders) · 429s \(stats["throttled", default: 0]) · sweeps completed \(sweeps.filter { $0.completed != nil }.count)")
                    nextHour = nextHour.addingTimeInterval(hour)
                }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let truthData = try await Self.get(endpoint.baseURL + "/_sandbox/orders")
        let truth = try JSONDecoder().decode([Truth].self, from: truthData)
        let use = await budget.use()
        return Report(
            truth: truth, commits: store.commits, hourly: hourly, stats: try await Self.stats(endpoint), sweeps: sweeps,
            pollInterval: await budget.pollInterval(), sustainedPerHour: use.sustainedPerHour, end: Date())
    }

    static func get(_ url: String) async throws -> Data {
        let response = try await AmazonSourceFactory.http.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
        return Data(buffer: try await response.body.collect(upTo: 256 << 20))
    }

    static func stats(_ endpoint: AmazonSandbox.Endpoint) async throws -> [String: Int] {
        try JSONSerialization.jsonObject(with: try await get(endpoint.baseURL + "/_sandbox/stats")) as? [String: Int] ?? [:]
    }
}

extension DayBenchmark.Report {
    func print(scale: Double, start: Date, hours: Double) {
        let parse = { (text: String) in SPAPIJSON.parseDate(text) ?? .distantFuture }
        // Each change at Amazon that a source imports: every change of a merchant-fulfilled
        // order; the shipment of an Amazon-fulfilled one (the FBA source asks only for SHIPPED).
        var delays: [Double] = []
        var unseen = 0
        var late = 0
        let settle = 15 * 60 / scale  // a change younger than this at the end may still be on its way
        for order in truth {
            let changes: [Date] = order.fulfillmentChannel == "MFN"
                ? order.changes.map(parse) : order.statusChanges.filter { $0.status == "SHIPPED" }.map { parse($0.at) }
            let commits = self.commits[order.orderId] ?? []
            for change in changes {
                let whole = Date(timeIntervalSince1970: change.timeIntervalSince1970.rounded(.down))
                if let seen = commits.first(where: { $0.lastUpdate >= whole }) {
                    delays.append(max(0, seen.at.timeIntervalSince(change)) * scale / 60)
                } else if change < end.addingTimeInterval(-settle) {
                    unseen += 1
                } else {
                    late += 1
                }
            }
        }
        delays.sort()
        func percentile(_ p: Double) -> String {
            guard !delays.isEmpty else { return "-" }
            return String(format: "%.1f", delays[min(delays.count - 1, Int((Double(delays.count - 1) * p).rounded()))])
        }
        let mfn = truth.filter { $0.fulfillmentChannel == "MFN" }.count
        Swift.print("")
        Swift.print("orders at Amazon: \(truth.count) (\(mfn) merchant-fulfilled, \(truth.count - mfn) Amazon-fulfilled)")
        let refused = stats.filter { $0.key.hasPrefix("refused:") }.values.reduce(0, +)
        Swift.print("429s: \(stats["throttled", default: 0]) (searchOrders \(stats["throttled:searchOrders", default: 0])); searches refused: \(refused)")
        Swift.print("change at Amazon → stored record, simulated minutes: p50 \(percentile(0.5)), p90 \(percentile(0.9)), p99 \(percentile(0.99)), max \(percentile(1)) over \(delays.count) changes; \(unseen) changes older than 15 simulated minutes never stored; \(late) too recent at the end")
        let sorted = hourly.sorted()
        if !sorted.isEmpty {
            Swift.print("searchOrders calls per simulated hour: min \(sorted.first!), median \(sorted[sorted.count / 2]), max \(sorted.last!), mean \(String(format: "%.1f", Double(hourly.reduce(0, +)) / Double(hourly.count))) against a sustained budget of \(String(format: "%.1f", sustainedPerHour / scale)) an hour (burst 20): \(hourly.map(String.init).joined(separator: " "))")
        }
        Swift.print("polling: each source starts a window every \(String(format: "%.1f", pollInterval * scale / 60)) simulated minutes")
        for sweep in sweeps {
            let startedAt = sweep.started.timeIntervalSince(start) * scale / 3600
            let took = sweep.completed.map { String(format: "completed in %.0f simulated minutes", $0.timeIntervalSince(sweep.started) * scale / 60) } ?? "not completed by the end"
            Swift.print("sweep \(sweep.source) at hour \(String(format: "%.1f", startedAt)): \(sweep.pages) pages, \(took)")
        }
        Swift.print("sweeps: \(sweeps.count) started, \(sweeps.filter { $0.completed != nil }.count) completed")
    }
}
