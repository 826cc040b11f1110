import ChildProcesses
import Foundation
import SalesChannel
import SalesChannelPostgres
import SalesChannelTesting
import Testing

/// Several `saleschannel run` processes on one PostgreSQL database, against a `saleschannel
/// sandbox` process playing Amazon: killed at random and restarted, with the database itself
/// restarted, they end with every truth of the reference workflow and nothing done twice.
@Suite(.serialized, .enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.skipReason)))
struct ScaleOutTests {
    static let kills = Int(ProcessInfo.processInfo.environment["SCALE_OUT_KILLS"] ?? "56") ?? 56

    /// The deployment the workers share: the sandbox's two sources, a folder ERP, customers
    /// created per buyer, and short leases so that a killed worker's work moves on quickly.
    /// Amazon runs 600 times faster than real time (its 24-hour pagination tokens last 144 s),
    /// and the sources' rate limits are scaled 2000 times, so a window of 5,000 orders is read
    /// well within a token's life.
    static func deployment(url: String, schema: String, sandbox: String) -> String {
        """
        store:
          plugin: postgres
          url: \(url)
          schema: \(schema)
          poolSize: 4
        sources:
        \(["amazon-mfn", "amazon-fba"].map { AmazonWorkflowTests.source(plugin: $0, url: sandbox) }.joined(separator: "\n")
            .replacingOccurrences(of: "rateScale: 100", with: "rateScale: 2000"))
        customerPolicy:
          plugin: create-customer
        sinks:
          - plugin: file-drop
            directory: erp
        runner:
          pollIntervalSeconds: 0.5
          baseDelaySeconds: 0.05
          maxDelaySeconds: 1
          maxAttempts: 20
          leaseSeconds: 5
          sourceLeaseSeconds: 3
        """
    }

    final class Workers {
        let setup: AmazonWorkflowTests.Setup
        var running: [CLI.Running] = []
        var started = 0
        init(setup: AmazonWorkflowTests.Setup, count: Int) throws {
            self.setup = setup
            for _ in 0..<count { running.append(try start()) }
        }
        func start() throws -> CLI.Running {
            started += 1
            return try setup.cli.start(["run", "--config", "scale.yaml", "--quiet"], environment: AmazonWorkflowTests.environment)
        }
        func killAndRestart(_ index: Int) throws {
            kill(running[index].process.processIdentifier, SIGKILL)
            running[index].process.waitUntilExit()
            running[index] = try start()
        }
        /// SIGTERM to all, then waits: each finishes what is under way and releases its leases.
        func stop() {
            for worker in running { kill(worker.process.processIdentifier, SIGTERM) }
            for worker in running { worker.process.waitUntilExit() }
        }
        deinit { for worker in running where worker.process.isRunning { kill(worker.process.processIdentifier, SIGKILL) } }
    }

    @Test func fourWorkersKilledAtRandomKeepEveryTruth() async throws {
        let setup = try await AmazonWorkflowTests.start(orders: 5_000, faults: "", timeScale: 600)
        defer { kill(setup.sandbox.process.processIdentifier, SIGKILL); setup.sandbox.process.waitUntilExit() }
        let schema = "scale_\(UInt32.random(in: 0...UInt32.max))"
        try Self.deployment(url: try TestPostgres.url(), schema: schema, sandbox: setup.baseURL)
            .write(to: setup.cli.directory.appendingPathComponent("scale.yaml"), atomically: true, encoding: .utf8)
        let observedFrom = Date()
        let workers = try Workers(setup: setup, count: 4)
        var shipped: [String: Int] = [:]
        var random = SystemRandomNumberGenerator()
        for kill in 1...Self.kills {
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...700, using: &random)))
            try workers.killAndRestart(Int.random(in: 0..<4, using: &random))
            // Shipments recorded while the workers run (and die).
            if kill % 8 == 0 { try AmazonWorkflowTests.shipSome(setup, count: 6, shipped: &shipped, deployment: "scale.yaml") }
        }
        // Peers: a worker says how many others it sees when it starts.
        let banners = workers.running.map { $0.stderr() }.filter { $0.contains("other worker(s) share this store") }
        #expect(!banners.isEmpty, "no worker said how many peers it sees")
        workers.stop()
        // The last pass searches up to its start less the sources' `beforeLagSeconds` (2 s).
        let asOf = Date().addingTimeInterval(-3)
        let final = try setup.cli.run(["run", "--config", "scale.yaml", "--once"], environment: AmazonWorkflowTests.environment)
        #expect(final.status == 0, "final pass failed: \(final.stderr)")
        print("final pass: \(final.stdout.suffix(600))")
        try await Self.verify(setup, schema: schema, shipped: shipped, observedFrom: observedFrom, asOf: asOf)
        print("scale-out test: 4 workers, \(Self.kills) SIGKILLs, \(workers.started) starts, \(shipped.values.reduce(0, +)) shipments, \(String(format: "%.0f", Date().timeIntervalSince(observedFrom))) s")
    }

    @Test func theDatabaseRestartedMidRunTheWorkersReconnectAndFinish() async throws {
        // A server of this test's own: it is restarted under the workers.
        let server = try TestPostgres.ownServer()
        let setup = try await AmazonWorkflowTests.start(orders: 1_500, faults: "", timeScale: 600)
        defer { kill(setup.sandbox.process.processIdentifier, SIGKILL); setup.sandbox.process.waitUntilExit() }
        let schema = "restart_\(UInt32.random(in: 0...UInt32.max))"
        try Self.deployment(url: server.url, schema: schema, sandbox: setup.baseURL)
            .write(to: setup.cli.directory.appendingPathComponent("scale.yaml"), atomically: true, encoding: .utf8)
        let observedFrom = Date()
        let workers = try Workers(setup: setup, count: 2)
        var shipped: [String: Int] = [:]
        for _ in 0..<3 {
            try await Task.sleep(for: .seconds(3))
            try AmazonWorkflowTests.shipSome(setup, count: 5, shipped: &shipped, deployment: "scale.yaml")
            try server.restart()
        }
        try await Task.sleep(for: .seconds(4))
        let alive = workers.running.filter(\.process.isRunning).count
        #expect(alive == 2, "a worker died with the database: \(workers.running.map { $0.stderr().suffix(500) })")
        workers.stop()
        // The last pass searches up to its start less the sources' `beforeLagSeconds` (2 s).
        let asOf = Date().addingTimeInterval(-3)
        let final = try setup.cli.run(["run", "--config", "scale.yaml", "--once"], environment: AmazonWorkflowTests.environment)
        #expect(final.status == 0, "final pass failed: \(final.stderr)")
        try await Self.verify(setup, schema: schema, url: server.url, shipped: shipped, observedFrom: observedFrom, asOf: asOf)
    }

    /// The reference workflow's truths, and those of sharing: one commerce order per Amazon
    /// order, one customer per buyer, one handoff per order by idempotency key, no job left.
    /// Amazon's time runs 600 times faster, so it moves on while the last pass runs: what
    /// changed there after `asOf` (the last pass's start) is not required to be here yet.
    static func verify(
        _ setup: AmazonWorkflowTests.Setup, schema: String, url: String? = nil, shipped: [String: Int], observedFrom: Date, asOf: Date
    ) async throws {
        // An order must have been Unshipped for a source lease to pass from a killed worker
        // (3 s), a poll and a page before its commerce order is required.
        try await AmazonWorkflowTests.verify(setup, shipped: shipped, observedFrom: observedFrom, watched: 8, deployment: "scale.yaml", asOf: asOf)
        var configuration = try PostgresStoreConfiguration(url: try url ?? TestPostgres.url())
        configuration.schema = schema
        configuration.statementTimeout = 300  // the test process's threads are shared with every other test
        let database = PostgresStoreDatabase(configuration, access: .readOnly)
        defer { Task { await database.close() } }
        let ledger = try await PostgresCommerceBackend(database: database).orders()
        #expect(Set(ledger.map(\.amazonOrderID)).count == ledger.count, "an Amazon order has two commerce orders")
        #expect(Set(ledger.map(\.number)).count == ledger.count, "a commerce number is used twice")
        let customers = try await PostgresCommerceBackend(database: database).customers()
        let emails = customers.map { Customer.normalizedEmail($0.email) }
        #expect(Set(emails).count == customers.count, "a buyer has two customers")
        let customerIDs = Set(customers.map(\.id))
        #expect(ledger.allSatisfy { $0.customer.customerID.map(customerIDs.contains) ?? true }, "a commerce order names a customer that does not exist")
        let store = PostgresChannelStore(database: database)
        let jobs = try await store.jobs(statuses: [])
        #expect(jobs.filter { $0.status != .done }.isEmpty, "jobs left: \(jobs.filter { $0.status != .done }.prefix(5).map { "\($0.id) \($0.effect.name) \($0.status)" })")
        // Every handoff delivered, once per key: one file per MFN order with a commerce order.
        let expected = Set(try await store.records(includeHidden: true)
            .filter { $0.order.fulfillmentChannel == .merchant && $0.commerceOrderNumber != nil }.map(\.amazonOrderID.rawValue))
        let files = try FileManager.default.contentsOfDirectory(atPath: setup.cli.directory.appendingPathComponent("erp").path)
            .filter { $0.hasSuffix("_handoff_file-drop.json") }
        let handedOff = Set(files.map { String($0.prefix { $0 != "_" }) })
        #expect(files.count == handedOff.count)
        #expect(handedOff == expected, "handoffs missing: \(expected.subtracting(handedOff).prefix(5)); extra: \(handedOff.subtracting(expected).prefix(5))")
        let handoffJobs = jobs.filter { $0.effect.name.hasPrefix("handoff:") }
        #expect(Set(handoffJobs.map(\.idempotencyKey)).count == handoffJobs.count)
        print("scale-out truths: \(ledger.count) commerce orders, \(customers.count) customers, \(handedOff.count) handoffs, \(jobs.count) jobs done")
    }
}
