import Foundation
import GRDB
import SalesChannel

/// The embedded database: one SQLite file in WAL mode, with versioned migrations.
///
/// ``SQLiteChannelStore`` and ``SQLiteCommerceBackend`` share it, so an order's record and its
/// commerce order live in the same file.
public final class SQLiteDatabase: Sendable {
    let pool: DatabasePool
    let group: GroupCommit
    let records = RecordCache()
    public let path: String

    /// How to open a database file.
    public enum OpenMode: Sendable {
        /// Create the file if it is missing; refuse an empty or foreign file.
        case create
        /// As ``create``, and also set up an empty (0-byte) file (`saleschannel run --init`).
        case initialize
        /// Read only: the file must exist, be ours and be up to date; nothing is written.
        case readOnly
    }

    /// Opens (creating if needed, in `mode`) and migrates the database at `path`.
    /// - Throws: ``StoreError`` when the file is missing (read only), empty, not SalesChannel's,
    ///   written by a newer version, or (read only) not yet upgraded.
    public init(path: String, mode: OpenMode = .create) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        self.path = path
        try Self.checkFile(path, mode: mode)
        if mode == .readOnly {
            let pool = try Self.openForReading(path, configuration: configuration)
            try pool.read { db in
                try Self.checkOurs(db, path: path)
                guard try Self.migrator.hasCompletedMigrations(db) else {
                    throw StoreError(.schemaTooOld, "\(path) was written by an older version of SalesChannel; `saleschannel run` upgrades it (this command only reads)")
                }
            }
            self.pool = pool
            self.group = GroupCommit(pool: pool)
            return
        }
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        // A new database is built under a temporary name and published whole, so no process
        // ever sees a half-made file; an empty file in place is someone else's (or `--init`).
        if !FileManager.default.fileExists(atPath: path) {
            try Self.createAtomically(path, configuration: configuration)
        }
        // Processes upgrading a file at the same moment take turns: each migrator reads which
        // migrations are applied before applying the rest.
        let pool = try Self.exclusively(path) {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try pool.read { db in try Self.checkOurs(db, path: path) }
            if try pool.read({ try Self.migrator.hasBeenSuperseded($0) }) {
                throw StoreError(.schemaTooNew, "\(path) was written by a newer version of SalesChannel; use that version (nothing was changed)")
            }
            try Self.migrator.migrate(pool)
            return pool
        }
        self.pool = pool
        self.group = GroupCommit(pool: pool)
    }

    /// Opens for reading only: the pool's readers are read-only connections and its one writer
    /// refuses every write (`query_only`). Where the file or folder cannot be written, every
    /// connection is SQLite read-only instead.
    static func openForReading(_ path: String, configuration: Configuration) throws -> DatabasePool {
        let writable = FileManager.default.isWritableFile(atPath: path)
            && FileManager.default.isWritableFile(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        if writable, let pool = try? DatabasePool(path: path, configuration: configuration) {
            if (try? pool.writeWithoutTransaction({ try $0.execute(sql: "PRAGMA query_only = ON") })) != nil { return pool }
            try? pool.close()
        }
        var readonly = configuration
        readonly.readonly = true
        return try DatabasePool(path: path, configuration: readonly)
    }

    /// Closes every connection. A pool closes its readers last, and a read-only connection
    /// cannot fold the write-ahead log back into the file; so one last connection (refusing
    /// writes) opens and closes, and the folder is left as it was: no `-wal` or `-shm` file
    /// (unless another process still has the database open, as SQLite requires).
    public func close() {
        try? pool.close()
        guard !pool.configuration.readonly else { return }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        if let last = try? DatabaseQueue(path: path, configuration: configuration) {
            _ = try? last.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA query_only = ON")
                _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master")
            }
            try? last.close()
        }
    }

    /// Refuses what is not a SalesChannel database before SQLite touches it: a missing file when
    /// only reading, an empty file (unless initialising), a file that is not SQLite at all.
    static func checkFile(_ path: String, mode: OpenMode) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            if mode == .readOnly {
                throw StoreError(.missing, "there is no SalesChannel database at \(path) yet; `saleschannel run` creates it")
            }
            return
        }
        guard !isDirectory.boolValue else { throw StoreError(.foreign, "\(path) is a folder, not a SalesChannel database") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if size == 0 {
            guard mode == .initialize else {
                throw StoreError(.foreign, "\(path) is empty (0 bytes), not a SalesChannel database; if it is meant to be a new one, `saleschannel run --init` sets it up")
            }
            return
        }
        let header = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: path)).read(upToCount: 16)) ?? nil
        guard header == Data("SQLite format 3\0".utf8) else {
            throw StoreError(.foreign, "\(path) is not a SalesChannel database (not an SQLite file); nothing was changed")
        }
    }

    /// Builds a migrated database beside `path` under a hidden temporary name, then links it
    /// into place; when another process published one first, theirs is kept.
    static func createAtomically(_ path: String, configuration: Configuration) throws {
        let target = URL(fileURLWithPath: path)
        let folder = target.deletingLastPathComponent()
        let prefix = ".\(target.lastPathComponent).creating-"
        // What a creator killed mid-way left (its process is gone) is removed first.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count).prefix { $0 != "-" }), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink(folder.appendingPathComponent(name).path)
        }
        let temporary = folder.appendingPathComponent("\(prefix)\(getpid())-\(UUID().uuidString)").path
        defer {
            for suffix in ["", "-wal", "-shm"] { unlink(temporary + suffix) }
        }
        do {
            let pool = try DatabasePool(path: temporary, configuration: configuration)
            try migrator.migrate(pool)
            try pool.close()
        } catch {
            throw StoreError(.unavailable, "cannot create a SalesChannel database at \(path): \(error)")
        }
        if link(temporary, path) != 0, errno != EEXIST {
            throw StoreError(.unavailable, "cannot create a SalesChannel database at \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Refuses an SQLite file another program made: tables, but none of SalesChannel's.
    static func checkOurs(_ db: Database, path: String) throws {
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        guard tables.isEmpty || tables.contains("grdb_migrations") else {
            throw StoreError(.foreign, "\(path) is an SQLite database of another program (tables \(tables.prefix(3).joined(separator: ", "))…); nothing was changed")
        }
    }

    /// One atomic write, committed together with the writes that arrive while the previous
    /// transaction is written (see ``GroupCommit``).
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await group.write(body)
    }

    /// Runs `body` holding an exclusive advisory lock (`flock`) on the database file, which
    /// SQLite's own byte-range locks do not interact with.
    static func exclusively<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let descriptor = open(path, O_RDWR)
        guard descriptor >= 0 else { return try body() }
        defer { closeDescriptor(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else { return try body() }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// The schema, one migration per version; applied migrations are never edited.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 orders, outbox, checkpoints, quarantine, commerce ledger") { db in
            try db.execute(sql: """
                CREATE TABLE orders (
                    amazon_order_id TEXT PRIMARY KEY,
                    source_id TEXT NOT NULL,
                    marketplace_id TEXT NOT NULL,
                    fulfillment_channel TEXT NOT NULL,
                    amazon_status TEXT NOT NULL,
                    visible INTEGER NOT NULL,
                    purchase_date REAL NOT NULL,
                    commerce_order_number TEXT,
                    record BLOB NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE INDEX orders_by_purchase ON orders(purchase_date, amazon_order_id);
                CREATE TABLE order_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    amazon_order_id TEXT NOT NULL,
                    at REAL NOT NULL,
                    kind TEXT NOT NULL,
                    message TEXT NOT NULL
                );
                CREATE INDEX order_events_by_order ON order_events(amazon_order_id, id);
                CREATE TABLE jobs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    amazon_order_id TEXT NOT NULL,
                    effect BLOB NOT NULL,
                    effect_name TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    ordered INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL NOT NULL,
                    lease_until REAL,
                    last_error TEXT,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE INDEX jobs_by_status ON jobs(status, next_attempt_at);
                CREATE INDEX jobs_by_order ON jobs(amazon_order_id, id);
                CREATE TABLE checkpoints (
                    source_id TEXT PRIMARY KEY,
                    value TEXT NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE TABLE quarantine (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    source_id TEXT NOT NULL,
                    amazon_order_id TEXT,
                    reason TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    at REAL NOT NULL
                );
                CREATE UNIQUE INDEX quarantine_once ON quarantine(source_id, COALESCE(amazon_order_id, ''), reason);
                CREATE TABLE commerce_orders (
                    number TEXT PRIMARY KEY,
                    amazon_order_id TEXT NOT NULL UNIQUE,
                    status TEXT NOT NULL,
                    customer_id TEXT,
                    affects_inventory INTEGER NOT NULL,
                    document BLOB NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE TABLE commerce_shipments (
                    shipment_id TEXT NOT NULL,
                    number TEXT NOT NULL,
                    PRIMARY KEY (number, shipment_id)
                );
                CREATE TABLE customers (
                    id TEXT PRIMARY KEY,
                    email_normalized TEXT NOT NULL UNIQUE,
                    email TEXT NOT NULL,
                    name TEXT,
                    marketplace_id TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE TABLE sequences (
                    name TEXT PRIMARY KEY,
                    value INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2 record revisions") { db in
            try db.execute(sql: "ALTER TABLE orders ADD COLUMN revision INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v3 fenced job claims") { db in
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN claim INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v4 replay generations") { db in
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN generation INTEGER NOT NULL DEFAULT 1")
        }
        return migrator
    }

    /// The next value of a named counter, inside the caller's transaction.
    static func next(_ sequence: String, in db: Database) throws -> Int {
        try db.execute(sql: "INSERT INTO sequences(name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1", arguments: [sequence])
        return try Int.fetchOne(db, sql: "SELECT value FROM sequences WHERE name = ?", arguments: [sequence]) ?? 1
    }
}

/// `close(2)`, out of reach of ``SQLiteDatabase/close()``'s name.
private func closeDescriptor(_ descriptor: Int32) { close(descriptor) }
