import Foundation
import SalesChannel
import GRDB
@testable import SalesChannelSQLite
import SalesChannelTesting
import Testing

/// Group commit and the record cache: faster writes that still keep every write's own outcome.
struct SQLiteWriteTests {
    struct Refused: Error {}

    /// Stores `count` scripted orders and returns the store with their ids.
    static func seeded(_ database: SQLiteDatabase, count: Int) async throws -> (SQLiteChannelStore, [AmazonOrderID]) {
        let store = SQLiteChannelStore(database: database)
        let source = ScriptedOrderSource(count: count, seed: 11)
        _ = try await store.commit(try await source.changes(after: nil), from: source.id) { stored, snapshot in
            Workflow.apply(snapshot: snapshot, to: stored, sourceID: source.id, settings: OrderSettings(), now: Date())
        }
        let ids = try await store.records(includeHidden: true).map(\.amazonOrderID)
        return (store, ids)
    }

    @Test func concurrentWritesThatFailRollBackAloneAndTheOthersCommit() async throws {
        let database = try SQLiteConformanceTests.freshDatabase()
        let (store, ids) = try await Self.seeded(database, count: 60)
        #expect(ids.count > 30)
        // Every write runs at once, so they share transactions; every third one throws.
        let outcomes = await withTaskGroup(of: (AmazonOrderID, Bool).self) { group in
            for (index, id) in ids.enumerated() {
                group.addTask {
                    do {
                        _ = try await store.update(id) { record in
                            guard index % 3 != 0 else { throw Refused() }
                            var changed = record
                            changed.lastError = "note \(index)"
                            return WorkflowDecision(record: changed)
                        }
                        return (id, true)
                    } catch { return (id, false) }
                }
            }
            var outcomes: [AmazonOrderID: Bool] = [:]
            for await (id, stored) in group { outcomes[id] = stored }
            return outcomes
        }
        let reopened = SQLiteChannelStore(database: try SQLiteDatabase(path: database.path))
        for (index, id) in ids.enumerated() {
            let record = try #require(try await reopened.record(id))
            #expect(outcomes[id] == (index % 3 != 0))
            #expect(record.lastError == (index % 3 == 0 ? nil : "note \(index)"))
        }
    }

    @Test func aWriteThatThrowsAfterWritingIsRolledBackAloneWithinItsGroup() async throws {
        let database = try SQLiteConformanceTests.freshDatabase()
        // 200 writes at once: each inserts a row, and every fourth then throws.
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        try await database.write { db in
                            try db.execute(sql: "INSERT INTO sequences(name, value) VALUES (?, ?)", arguments: ["w\(index)", index])
                            if index % 4 == 0 { throw Refused() }
                        }
                        return (index, true)
                    } catch { return (index, false) }
                }
            }
            var results: [Int: Bool] = [:]
            for await (index, ok) in group { results[index] = ok }
            return results
        }
        let stored = try await database.pool.read { db in
            Set(try String.fetchAll(db, sql: "SELECT name FROM sequences WHERE name LIKE 'w%'"))
        }
        #expect(stored == Set((0..<200).filter { $0 % 4 != 0 }.map { "w\($0)" }))
        #expect(results.filter(\.value).count == 150)
    }

    @Test func aRecordChangedThroughAnotherConnectionIsNeverServedStale() async throws {
        let database = try SQLiteConformanceTests.freshDatabase()
        let (first, ids) = try await Self.seeded(database, count: 5)
        // A second connection (as another process would have) reads, and so caches, the record.
        let second = SQLiteChannelStore(database: try SQLiteDatabase(path: database.path))
        let id = try #require(ids.first)
        #expect(try await second.record(id)?.lastError == nil)
        for round in 1...3 {
            _ = try await first.update(id) { record in
                var changed = record
                changed.lastError = "changed elsewhere \(round)"
                return WorkflowDecision(record: changed)
            }
            #expect(try await second.record(id)?.lastError == "changed elsewhere \(round)")
            // And the other way round.
            _ = try await second.update(id) { record in
                var changed = record
                changed.lastError = "changed here \(round)"
                return WorkflowDecision(record: changed)
            }
            #expect(try await first.record(id)?.lastError == "changed here \(round)")
        }
    }
}

struct SQLiteSchemaTests {
    @Test func aDatabaseFromANewerVersionIsRefusedUntouched() throws {
        let database = try SQLiteConformanceTests.freshDatabase()
        try database.pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v99 from the future')")
        }
        #expect(throws: StoreError.self) { try SQLiteDatabase(path: database.path) }
    }
}
