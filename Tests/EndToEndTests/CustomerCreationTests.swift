import ChildProcesses
import Foundation
import GRDB
import SalesChannel
import SalesChannelTesting
import Testing

/// `create-customer` makes one account per buyer, however many orders and importers there are.
struct CustomerCreationTests {
    static let orders = 1_000

    static func deployment(seed: Int) -> String {
        """
        store:
          plugin: sqlite
          path: customers.sqlite
        sources:
          - plugin: scripted
            orders: \(orders)
            seed: \(seed)
            pageSize: 50
        customerPolicy:
          plugin: create-customer
        runner:
          batchSize: 16
          lanes: 4
          leaseSeconds: 5
        """
    }

    /// Buyers (by normalised email) of the orders that got a commerce order, and the accounts.
    static func outcome(_ cli: CLI) throws -> (buyers: Set<String>, customers: [String], accountsUsed: Set<String>) {
        let database = try DatabaseQueue(path: cli.directory.appendingPathComponent("customers.sqlite").path)
        return try database.read { db in
            let customers = try String.fetchAll(db, sql: "SELECT email_normalized FROM customers")
            let used = Set(try String.fetchAll(db, sql: "SELECT customer_id FROM commerce_orders WHERE customer_id IS NOT NULL"))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .secondsSince1970
            var buyers = Set<String>()
            for data in try Data.fetchAll(db, sql: "SELECT record FROM orders WHERE commerce_order_number IS NOT NULL") {
                let record = try StoredRecord.decode(data, with: decoder)
                if let email = record.order.buyer?.email { buyers.insert(Customer.normalizedEmail(email)) }
            }
            return (buyers, customers, used)
        }
    }

    @Test(arguments: [1, 2])
    func oneHundredRepeatBuyersGiveOneHundredCustomers(importers: Int) throws {
        let cli = try CLI.inTemporaryFolder()
        try Self.deployment(seed: 20 + importers).write(
            to: cli.directory.appendingPathComponent("deploy.yaml"), atomically: true, encoding: .utf8)
        // `importers` processes import the same orders into the same database at the same time.
        let running = try (0..<importers).map { _ in try cli.start(["run", "--config", "deploy.yaml", "--once", "--quiet"]) }
        for process in running {
            process.process.waitUntilExit()
            #expect(process.process.terminationStatus == 0, "\(process.stderr())")
        }
        let outcome = try Self.outcome(cli)
        #expect(outcome.buyers.count == 100, "the scripted orders come from 100 buyers")
        #expect(outcome.customers.count == 100)
        #expect(Set(outcome.customers) == outcome.buyers)
        #expect(outcome.accountsUsed.count == 100)
    }
}

/// Processes starting together on a new deployment: each opens (and so migrates) the same new file.
struct ConcurrentStartTests {
    @Test func processesOpeningANewDatabaseTogetherAllStart() throws {
        for round in 0..<3 {
            let cli = try CLI.inTemporaryFolder()
            try "store:\n  plugin: sqlite\n  path: new.sqlite\nsources:\n  - plugin: scripted\n    orders: 10\n"
                .write(to: cli.directory.appendingPathComponent("deploy.yaml"), atomically: true, encoding: .utf8)
            let running = try (0..<8).map { _ in try cli.start(["run", "--once", "--quiet", "--config", "deploy.yaml"]) }
            for process in running {
                process.process.waitUntilExit()
                #expect(process.process.terminationStatus == 0, "round \(round): \(process.stderr())")
            }
            // Published whole: the file and no temporary leftovers beside it.
            let left = try FileManager.default.contentsOfDirectory(atPath: cli.directory.path)
            #expect(left.filter { $0.contains("creating") }.isEmpty, "\(left)")
            let listed = try cli.run(["orders", "--config", "deploy.yaml"])
            #expect(listed.status == 0, "\(listed.stderr)")
        }
    }
}
