import ChildProcesses
import ERPHandoff
import Foundation
import GRDB
import SalesChannel
import SalesChannelTesting
import Testing

/// The real process, killed with SIGKILL at random points, loses and repeats nothing.
@Suite(.serialized)
struct CrashTests {
    static let orders = 10_000
    static let seed = 11
    static let kills = Int(ProcessInfo.processInfo.environment["CRASH_KILLS"] ?? "24") ?? 24

    static let deployment = """
        store:
          plugin: sqlite
          path: crash.sqlite
        sources:
          - plugin: scripted
            orders: \(orders)
            seed: \(seed)
            pageSize: 40
        customerPolicy:
          plugin: create-customer
        sinks:
          - plugin: file-drop
            directory: handoffs
        runner:
          pollIntervalSeconds: 0.2
          batchSize: 8
          leaseSeconds: 2
        """

    @Test func sigkilledAtRandomItEndsWithOneCommerceOrderAndOneHandoffPerOrder() async throws {
        let cli = try CLI.inTemporaryFolder()
        try Self.deployment.write(to: cli.directory.appendingPathComponent("deploy.yaml"), atomically: true, encoding: .utf8)
        var random = SeededRandom(seed: UInt64(Date().timeIntervalSince1970))
        let started = Date()
        let scriptLength = ScriptedOrderSource(count: Self.orders, seed: UInt64(Self.seed)).script.count
        var killedMidWork = 0
        for _ in 0..<Self.kills {
            let running = try cli.start(["run", "--config", "deploy.yaml", "--quiet"])
            try await Task.sleep(for: .milliseconds(100 + random.next(below: 400)))
            kill(running.process.processIdentifier, SIGKILL)
            running.process.waitUntilExit()
            // Count the kills that struck with work still to do (pages unread or jobs not done).
            // Killed before the new database was published whole: nothing was done yet.
            guard FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("crash.sqlite").path) else {
                killedMidWork += 1
                continue
            }
            let database = try DatabaseQueue(path: cli.directory.appendingPathComponent("crash.sqlite").path)
            let outstanding = try await database.read { db in
                let checkpoint = try String.fetchOne(db, sql: "SELECT value FROM checkpoints").flatMap { Int($0) } ?? 0
                let jobs = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE status != 'done'") ?? 0
                return checkpoint < scriptLength || jobs > 0
            }
            if outstanding { killedMidWork += 1 }
        }
        // Let it finish in peace, then check everything.
        let final = try cli.run(["run", "--config", "deploy.yaml", "--once"])
        #expect(final.status == 0, "final pass failed: \(final.stderr)")
        let elapsed = Date().timeIntervalSince(started)
        // What a kill mid-write left in the ERP's folder (a temporary file holds a buyer's
        // address) is gone once a run has started again.
        let hidden = try FileManager.default.contentsOfDirectory(atPath: cli.directory.appendingPathComponent("handoffs").path).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "left in the ERP's folder: \(hidden.prefix(5))")
        let creating = try FileManager.default.contentsOfDirectory(atPath: cli.directory.path).filter { $0.contains(".creating-") }
        #expect(creating.isEmpty, "a killed creator's temporary database was left: \(creating)")

        let source = ScriptedOrderSource(count: Self.orders, seed: UInt64(Self.seed))
        let reachedUnshipped = source.orders(thatReached: .unshipped)
        let finals = source.finalOrders
        let expectedCommerce = Set(finals.values.filter { order in
            order.fulfillmentChannel == .merchant ? reachedUnshipped.contains(order.amazonOrderID) : order.status == .shipped
        }.map(\.amazonOrderID.rawValue))
        let expectedHandoffs = Set(finals.values.filter {
            $0.fulfillmentChannel == .merchant && reachedUnshipped.contains($0.amazonOrderID)
        }.map(\.amazonOrderID.rawValue))

        // The Orders page, as a user sees it.
        let listed = try #require(try cli.json(["orders", "--all", "--json", "--config", "deploy.yaml"]) as? [[String: Any]])
        let withCommerce = listed.filter { !($0["commerceOrderNumber"] is NSNull) }
        let actualCommerce = Set(withCommerce.compactMap { $0["amazonOrderId"] as? String })
        #expect(actualCommerce.subtracting(expectedCommerce).sorted().prefix(5) == [], "commerce orders that should not exist")
        #expect(expectedCommerce.subtracting(actualCommerce).sorted().prefix(5) == [], "commerce orders missing")
        let numbers = withCommerce.compactMap { $0["commerceOrderNumber"] as? String }
        #expect(Set(numbers).count == numbers.count, "a commerce number used twice")
        for order in listed {
            let id = order["amazonOrderId"] as? String ?? ""
            let status = finals[AmazonOrderID(id)]?.status
            #expect(order["amazonStatus"] as? String == status?.rawValue, "order \(id)")
            if status == .canceled, expectedCommerce.contains(id) { #expect(order["commerceStatus"] as? String == "canceled", "order \(id)") }
            if order["fulfillmentChannel"] as? String == "AFN" { #expect(order["commerceStatus"] as? String == "complete") }
        }

        // The commerce ledger: exactly one commerce order per Amazon order.
        let database = try DatabaseQueue(path: cli.directory.appendingPathComponent("crash.sqlite").path)
        let (ledger, distinct, jobsLeft, handoffJobs) = try await database.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM commerce_orders") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT amazon_order_id) FROM commerce_orders") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE status != 'done'") ?? -1,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE effect_name LIKE 'handoff:%'") ?? -1)
        }
        #expect(ledger == expectedCommerce.count)
        #expect(distinct == ledger)
        #expect(jobsLeft == 0)
        #expect(handoffJobs == expectedHandoffs.count)

        // The ERP's folder: one file per handed-off order, none missing, none extra.
        let sink = try FileDropSink(directory: cli.directory.appendingPathComponent("handoffs"))
        let files = try FileManager.default.contentsOfDirectory(atPath: sink.directory.path).filter { !$0.hasPrefix(".") }
        let handoffFiles = Set(files.filter { $0.hasSuffix("_handoff_file-drop.json") })
        let expectedFiles = Set(expectedHandoffs.map { sink.fileURL(forKey: "\($0)/handoff:file-drop").lastPathComponent })
        #expect(handoffFiles.subtracting(expectedFiles).sorted().prefix(5) == [], "handoffs that should not exist")
        #expect(expectedFiles.subtracting(handoffFiles).sorted().prefix(5) == [], "handoffs missing")
        for file in handoffFiles.prefix(50) {
            let envelope = try HandoffEnvelope.decode(Data(contentsOf: sink.directory.appendingPathComponent(file)))
            #expect(envelope.type == .order && expectedHandoffs.contains(envelope.order.amazonOrderID.rawValue))
        }
        print("crash test: \(Self.orders) scripted orders, \(Self.kills) SIGKILLs (\(killedMidWork) while running), \(expectedCommerce.count) commerce orders, \(handoffFiles.count) handoffs, \(String(format: "%.1f", elapsed)) s")
        // Most kills must strike with work outstanding, or the test would prove little.
        #expect(killedMidWork >= Self.kills / 2)
    }
}

extension JSONDecoder {
    static var iso: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
