import ArgumentParser
import ChildProcesses
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import SalesChannel
import SalesChannelPostgres
import SalesChannelSQLite
import SalesChannelTesting

/// The whole import, end to end, by real `saleschannel run` processes: one on SQLite, then 1, 2
/// and 4 sharing PostgreSQL, against one `saleschannel sandbox` process (separate, so that its
/// cost is not counted), in the same run on the same machine.
struct ScaleOutBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale-out",
        abstract: "Orders/s, CPU per order and peak memory of 1 SQLite worker and 1, 2 and 4 PostgreSQL workers.",
        discussion: """
            Starts a sandbox process with every order already placed, then for each setting a fresh \
            store and that many `saleschannel run` processes, and times them until every order is \
            imported and every job done. CPU and peak memory are the workers' own (wait4). \
            PostgreSQL: --postgres-url, else a throwaway cluster (initdb) for the run. \
            Build with -c release: swift run -c release saleschannel benchmark scale-out
            """)

    @Option(help: "Orders in the sandbox.") var orders: Int = 5_000
    @Option(name: .customLong("workers"), parsing: .upToNextOption, help: "PostgreSQL worker counts to measure.") var workerCounts: [Int] = [1, 2, 4]
    @Option(name: .customLong("postgres-url"), help: "A PostgreSQL server to use (a schema per setting is created in it).") var postgresURL: String?

    struct Figures {
        var label: String
        var workers: Int
        var orders: Int
        var seconds: Double
        var cpuSeconds: Double
        var peakRSSMiB: Int
    }

    func run() async throws {
        #if DEBUG
            print("note: this is a debug build; use `swift run -c release saleschannel benchmark scale-out` for real figures")
        #endif
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saleschannel-scale-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let server: ThrowawayPostgres? = postgresURL == nil ? try ThrowawayPostgres() : nil
        defer { server?.stop() }
        let url = postgresURL ?? server!.url

        let sandbox = try Worker.start(["sandbox", "--port", "0", "--orders", String(orders), "--seed", "3", "--existing-share", "1",
                                        "--no-rate-limits", "--before-lag", "1"], in: folder, name: "sandbox")
        defer { sandbox.stop(signal: SIGKILL) }
        let endpoint = try await sandbox.sandboxEndpoint()
        let expected = try await Self.expectedOrders(endpoint)
        print("scale-out: \(orders) orders at the sandbox, \(expected) to import (every MFN order, the shipped FBA ones); \(ProcessInfo.processInfo.activeProcessorCount) cores")

        var results: [Figures] = []
        results.append(try await measure(label: "SQLite", workers: 1, store: "{ plugin: sqlite, path: bench.sqlite }", endpoint: endpoint,
                                         expected: expected, folder: folder.appendingPathComponent("sqlite")))
        for count in workerCounts {
            let schema = "bench_\(count)_\(UInt32.random(in: 0...UInt32.max))"
            // The URL (which may hold a password) reaches the workers through the environment.
            results.append(try await measure(label: "PostgreSQL", workers: count, store: "{ plugin: postgres, url: '${SALESCHANNEL_BENCH_DATABASE_URL}', schema: \(schema) }",
                                             endpoint: endpoint, expected: expected, folder: folder.appendingPathComponent("pg-\(count)"),
                                             postgres: (url, schema)))
        }
        print("store        workers   orders   seconds   orders/s   CPU µs/order   peak RSS/worker")
        for figures in results {
            print(figures.label.padding(toLength: 12, withPad: " ", startingAt: 0) + String(
                format: " %7d %8d %9.2f %10.0f %14.0f %12d MiB", figures.workers, figures.orders, figures.seconds,
                Double(figures.orders) / figures.seconds, figures.cpuSeconds / Double(figures.orders) * 1e6, figures.peakRSSMiB))
        }
    }

    /// Every MFN order and every shipped FBA order: what a full import stores.
    static func expectedOrders(_ endpoint: String) async throws -> Int {
        let (data, _) = try await URLSession.shared.data(from: URL(string: endpoint + "/_sandbox/orders")!)
        let orders = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return orders.filter { $0["fulfillmentChannel"] as? String == "MFN" || $0["status"] as? String == "SHIPPED" }.count
    }

    func measure(
        label: String, workers count: Int, store: String, endpoint: String, expected: Int, folder: URL, postgres: (url: String, schema: String)? = nil
    ) async throws -> Figures {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = { (plugin: String) in
            Self.sandboxSource(plugin: plugin, endpoint: endpoint, settings: ["timeScale: 60", "rateLimits: false", "initialLookbackHours: 100"])
        }
        try """
            store: \(store)
            sources:
            \(source("amazon-mfn"))
            \(source("amazon-fba"))
            customerPolicy:
              plugin: create-customer
            sinks:
              - plugin: file-drop
                directory: erp
            runner:
              pollIntervalSeconds: 0.5
              batchSize: 32
            """.write(to: folder.appendingPathComponent("deploy.yaml"), atomically: true, encoding: .utf8)
        var environment = ["LWA_CLIENT_SECRET": "sandbox-client-secret", "LWA_REFRESH_TOKEN": "Atzr|sandbox-refresh-token"]
        if let postgres { environment["SALESCHANNEL_BENCH_DATABASE_URL"] = postgres.url }
        // Created (and migrated) before the clock starts, as a deployment's store would be.
        let reader = try readStore(postgres: postgres, folder: folder)
        _ = try await reader.statistics()
        let started = ContinuousClock.now
        let deployment = folder.appendingPathComponent("deploy.yaml").path
        let workers = try (0..<count).map { try Worker.start(["run", "--config", deployment, "--quiet"], in: folder, name: "worker-\($0)", environment: environment) }
        var figures = StoreStatistics()
        while true {
            try await Task.sleep(for: .milliseconds(100))
            if let ended = workers.firstIndex(where: \.hasExited) {
                throw CommandFailure("\(label) × \(count): worker \(ended) ended early:\n\(workers[ended].output().suffix(1500))", status: 1)
            }
            guard let statistics = try? await reader.statistics() else { continue }
            figures = statistics
            if figures.orders >= expected, figures.jobsPending == 0 { break }
            if ContinuousClock.now - started > .seconds(1800) { throw CommandFailure("\(label) × \(count): not done after 30 minutes: \(figures)", status: 1) }
        }
        let elapsed = ContinuousClock.now - started
        await reader.close()
        var cpu = 0.0
        var peak = 0
        for worker in workers {
            let usage = worker.stop(signal: SIGTERM)
            cpu += usage.cpuSeconds
            peak = max(peak, usage.peakRSSMiB)
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("  \(label) × \(count): \(figures.orders) orders, \(figures.commerceOrders) commerce orders in \(String(format: "%.2f", seconds)) s")
        return Figures(label: label, workers: count, orders: figures.orders, seconds: seconds, cpuSeconds: cpu, peakRSSMiB: peak)
    }

    /// The store the workers share, opened (and created) by this process to watch their progress.
    func readStore(postgres: (url: String, schema: String)?, folder: URL) throws -> any ChannelStore {
        guard let postgres else {
            return SQLiteChannelStore(database: try SQLiteDatabase(path: folder.appendingPathComponent("bench.sqlite").path, mode: .create))
        }
        var configuration = try PostgresStoreConfiguration(url: postgres.url)
        configuration.schema = postgres.schema
        configuration.poolSize = 2
        return PostgresChannelStore(database: PostgresStoreDatabase(configuration, access: .migrate))
    }

    /// A deployment's source section for a `saleschannel sandbox` process's seller, its secrets
    /// from `LWA_CLIENT_SECRET` and `LWA_REFRESH_TOKEN`, with more `settings` lines.
    static func sandboxSource(plugin: String, endpoint: String, settings: [String]) -> String {
        ([
            "  - plugin: \(plugin)", "    endpoint: \(endpoint)", "    lwaEndpoint: \(endpoint)/auth/o2/token", "    sellerId: A1SANDBOXSELLER",
            "    marketplaceIds: ATVPDKIKX0DER", "    clientId: amzn1.application-oa2-client.sandbox", "    clientSecret: ${LWA_CLIENT_SECRET}",
            "    refreshToken: ${LWA_REFRESH_TOKEN}", "    beforeLagSeconds: 2",
        ] + settings.map { "    " + $0 }).joined(separator: "\n")
    }

    /// A child process of this executable, its output in a file, reaped with its resource use.
    final class Worker {
        let process: ChildProcess
        let outputPath: String
        var pid: pid_t { process.processIdentifier }

        static func start(_ arguments: [String], in folder: URL, name: String, environment: [String: String] = [:]) throws -> Worker {
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
            let outputPath = folder.appendingPathComponent("\(name).log").path
            do {
                let process = try ChildProcess(
                    executable: executable, arguments: arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
                    standardOutput: .file(outputPath, append: true), standardError: .standardOutput)
                return Worker(process: process, outputPath: outputPath)
            } catch {
                throw CommandFailure("could not start \(name): \(error)", status: 1)
            }
        }

        init(process: ChildProcess, outputPath: String) {
            self.process = process
            self.outputPath = outputPath
        }

        func output() -> String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

        /// The base URL a `saleschannel sandbox` child prints once it listens (waits up to 30 s).
        func sandboxEndpoint() async throws -> String {
            for _ in 0..<300 {
                if let line = output().split(separator: "\n").first(where: { $0.hasPrefix("Amazon sandbox listening on ") }) {
                    return String(line.dropFirst("Amazon sandbox listening on ".count))
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw CommandFailure("the sandbox did not start: \(output())", status: 1)
        }

        /// Whether the process has ended (it is not reaped: ``wait()`` still reads its usage).
        var hasExited: Bool { !process.isRunning }

        /// Waits for the process to end. - Returns: its CPU time and peak memory.
        @discardableResult
        func wait() -> (cpuSeconds: Double, peakRSSMiB: Int) { process.usage }

        @discardableResult
        func stop(signal: Int32) -> (cpuSeconds: Double, peakRSSMiB: Int) {
            process.signal(signal)
            return wait()
        }
    }
}
