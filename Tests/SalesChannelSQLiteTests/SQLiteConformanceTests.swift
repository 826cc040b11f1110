import Foundation
import SalesChannel
import SalesChannelSQLite
import SalesChannelTesting
import Testing

/// The SQLite store and ledger pass the same conformance suites as every store and backend.
struct SQLiteConformanceTests {
    static func freshDatabase() throws -> SQLiteDatabase {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saleschannel-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try SQLiteDatabase(path: folder.appendingPathComponent("store.sqlite").path)
    }

    /// One test per protocol of the store (sync, orders, outbox), so a failure names its concern.
    @Test(arguments: ChannelStoreConformance.Group.allCases)
    func sqliteStoreConforms(_ group: ChannelStoreConformance.Group) async throws {
        try await ChannelStoreConformance { SQLiteChannelStore(database: try Self.freshDatabase()) }.run(group)
    }

    @Test func sqliteCommerceBackendConforms() async throws {
        try await CommerceBackendConformance { SQLiteCommerceBackend(database: try Self.freshDatabase()) }.run()
    }

    @Test(arguments: ChannelStoreConformance.Group.allCases)
    func inMemoryStoreConforms(_ group: ChannelStoreConformance.Group) async throws {
        try await ChannelStoreConformance { InMemoryChannelStore() }.run(group)
    }

    @Test func theGroupsCoverEveryCheckOnce() {
        let grouped = ChannelStoreConformance.Group.allCases.flatMap { ChannelStoreConformance.checks(of: $0) }
        #expect(grouped.sorted() == ChannelStoreConformance.checks.sorted())
    }

    @Test func inMemoryCommerceBackendConforms() async throws {
        try await CommerceBackendConformance { InMemoryCommerceBackend() }.run()
    }

    @Test func databaseIsOneWALFileAndReopensWithItsData() async throws {
        let database = try Self.freshDatabase()
        let store = SQLiteChannelStore(database: database)
        let source = ScriptedOrderSource(count: 20, seed: 3)
        let summary = try await store.commit(try await source.changes(after: nil), from: source.id) { stored, snapshot in
            Workflow.apply(snapshot: snapshot, to: stored, sourceID: source.id, settings: OrderSettings(), now: Date())
        }
        let reopened = SQLiteChannelStore(database: try SQLiteDatabase(path: database.path))
        #expect(summary.inserted > 10)
        #expect(try await reopened.records(includeHidden: true).count == summary.inserted)
        #expect(try await reopened.checkpoint(for: source.id) == SyncCheckpoint("\(min(100, source.script.count))"))
        #expect(FileManager.default.fileExists(atPath: database.path + "-wal"))
    }
}
