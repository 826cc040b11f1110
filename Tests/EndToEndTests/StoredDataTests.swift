import Foundation
import GRDB
import Testing

/// A store written by an earlier release (Fixtures/stored-by-stop-21) opens with this one: its
/// schema is migrated, nothing stored is lost, the work it left pending runs, and the new
/// operations (replays) work on its old jobs.
struct StoredDataTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/stored-by-stop-21")

    @Test func aStoreOfAnEarlierReleaseMigratesAndTheMainJobRunsOnIt() throws {
        let cli = try CLI.inTemporaryFolder()
        for file in ["store.sqlite", "deploy.yaml"] {
            try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent(file), to: cli.directory.appendingPathComponent(file))
        }
        let path = cli.directory.appendingPathComponent("store.sqlite").path
        struct Stored: Equatable { var orders: [String]; var events: Int; var jobs: [String]; var pending: [String]; var checkpoint: String? }
        let read = { () throws -> Stored in
            try DatabaseQueue(path: path).read { db in
                Stored(
                    orders: try String.fetchAll(db, sql: "SELECT amazon_order_id FROM orders ORDER BY amazon_order_id"),
                    events: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM order_events") ?? 0,
                    jobs: try String.fetchAll(db, sql: "SELECT idempotency_key FROM jobs ORDER BY id"),
                    pending: try String.fetchAll(db, sql: "SELECT idempotency_key FROM jobs WHERE status = 'pending' ORDER BY id"),
                    checkpoint: try String.fetchOne(db, sql: "SELECT value FROM checkpoints"))
            }
        }
        let before = try read()
        #expect(before.orders.count == 23 && before.pending.count == 3, "the fixture is as its README says")

        let run = try cli.run(["run", "--config", "deploy.yaml", "--once", "--quiet"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("orders 23 (23 visible)"), "\(run.stdout)")

        let after = try read()
        #expect(after.orders == before.orders, "every order is still there")
        #expect(Array(after.jobs.prefix(before.jobs.count)) == before.jobs, "every job is still there, under its key")
        #expect(after.pending.isEmpty, "the work left pending ran")
        #expect(after.events > before.events)
        let migrations = try DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(migrations.contains("v3 fenced job claims") && migrations.contains("v4 replay generations"), "\(migrations)")

        // The pending confirmation reached the source, and the commerce order is complete.
        let order = try #require(try cli.json(["order", "--config", "deploy.yaml", "101-0000001-0000013", "--json"]) as? [String: Any])
        let view = try #require(order["order"] as? [String: Any])
        #expect(view["commerceStatus"] as? String == "complete")
        #expect((view["shipments"] as? [[String: Any]])?.first?["amazonConfirmation"] as? String == "confirmed")

        // A job the earlier release wrote can be replayed.
        let replay = try cli.run(["jobs", "replay", "--config", "deploy.yaml", "--order", "101-0000001-0000013", "--effect", "handoff"])
        #expect(replay.status == 0 && replay.stdout.contains("101-0000001-0000013/handoff:file-drop/replay-2"), "\(replay.stdout) \(replay.stderr)")
        #expect(try cli.run(["run", "--config", "deploy.yaml", "--once", "--quiet"]).status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: cli.directory.appendingPathComponent("handoffs").path)
        #expect(files.contains { $0.contains("101-0000001-0000013") && $0.contains("replay-2") }, "\(files.sorted())")
    }
}
