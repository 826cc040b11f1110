import Foundation
import Logging
import NIOSSL
import PostgresNIO
import SalesChannel
import Synchronization

/// A SalesChannel store in a PostgreSQL database, shared by every process that opens it: one
/// schema (`saleschannel` unless configured) holding the records, the outbox, the checkpoints,
/// the commerce ledger and the workers' leases, with versioned migrations.
///
/// ``PostgresChannelStore`` and ``PostgresCommerceBackend`` share it, as the SQLite store and
/// ledger share their file. The connection pool runs for as long as the database is open; the
/// schema is checked (and, unless read only, migrated) before the first statement.
public final class PostgresStoreDatabase: Sendable {
    public let configuration: PostgresStoreConfiguration
    public let access: Access
    let client: PostgresClient
    let logger: Logger
    private let pool: Task<Void, Never>
    private let readiness = Readiness()

    /// What a process may do to the schema.
    public enum Access: Sendable {
        /// Create the schema when it is missing and apply the migrations it lacks (under a lock,
        /// so that of several processes starting at once one migrates and the others wait).
        case migrate
        /// Read only: the schema must exist and be up to date; the session refuses writes.
        case readOnly
    }

    public init(_ configuration: PostgresStoreConfiguration, access: Access = .migrate, logger: Logger = Logger(label: "saleschannel.postgres")) {
        self.configuration = configuration
        self.access = access
        self.logger = logger
        var client = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user,
            password: configuration.password, database: configuration.database, tls: configuration.tls.clientTLS)
        client.options.maximumConnections = configuration.poolSize
        client.options.minimumConnections = 0
        client.options.connectTimeout = .seconds(10)
        var parameters: [(String, String)] = [
            ("search_path", configuration.schema),
            ("application_name", "saleschannel"),
            ("statement_timeout", String(Int(configuration.statementTimeout * 1000))),
        ]
        if access == .readOnly { parameters.append(("default_transaction_read_only", "on")) }
        client.options.additionalStartupParameters = parameters
        let postgres = PostgresClient(configuration: client, backgroundLogger: logger)
        self.client = postgres
        // Started at once, so that the first statement finds the pool running.
        self.pool = Task.immediate { await postgres.run() }
    }

    /// Stops the connection pool; nothing may be asked of the database afterwards.
    public func close() async {
        pool.cancel()
        await pool.value
    }

    // MARK: Transactions

    /// Runs `body` in one transaction on one connection, committed when it returns and rolled
    /// back when it throws. A deadlock or a unique key another process inserted first rolls
    /// back and runs `body` again (it must only read and write through the connection).
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await bounded { try await self.runTransaction(body) }
    }

    private func runTransaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await ready()
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        let value = try await body(connection)
                        try await connection.query("COMMIT", logger: logger)
                        return value
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch let error as PSQLError where DatabaseFailure.isWorthRepeating(error) && attempt < 8 {
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 << attempt))))
            } catch is TransactionConflict where attempt < 8 {
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 << attempt))))
            } catch let error as PSQLError {
                throw DatabaseFailure(error, configuration: configuration)
            }
        }
    }

    /// Runs one statement outside an explicit transaction.
    func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await bounded {
            try await self.ready()
            do {
                return try await self.client.query(query, logger: self.logger).collect()
            } catch let error as PSQLError {
                throw DatabaseFailure(error, configuration: self.configuration)
            }
        }
    }

    /// Runs one operation of the store, giving up on it when no answer comes within four times
    /// the statement timeout and a minute more. A statement sent at the moment a connection
    /// dies (the server restarting) can otherwise wait for ever; the operation fails instead
    /// and its caller retries on a new connection.
    private func bounded<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let limit = configuration.statementTimeout * 4 + 60
        let place = configuration.place
        let race = Race<T>()
        // The operation is never cancelled: stopped half-way, it could leave its connection in
        // an open transaction for the next user of the pool. Given up on, it still ends (with
        // its COMMIT or ROLLBACK) on its own.
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            race.start(continuation, operation: operation, limit: limit) { DatabaseFailure(timedOutAfter: limit, place: place) }
        }
    }

    // MARK: Schema

    /// The migrations, one per version; an applied migration is never edited.
    static let migrations: [(version: Int, name: String, sql: String)] = [
        (1, "orders, outbox, checkpoints, quarantine, commerce ledger, workers and source leases", """
            CREATE TABLE orders (
                amazon_order_id text PRIMARY KEY,
                source_id text NOT NULL,
                marketplace_id text NOT NULL,
                fulfillment_channel text NOT NULL,
                amazon_status text NOT NULL,
                visible boolean NOT NULL,
                purchase_date double precision NOT NULL,
                commerce_order_number text,
                record text NOT NULL,
                updated_at double precision NOT NULL
            );
            CREATE INDEX orders_by_purchase ON orders(purchase_date, amazon_order_id);
            CREATE INDEX orders_by_source ON orders(source_id);
            CREATE TABLE order_events (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                amazon_order_id text NOT NULL,
                at double precision NOT NULL,
                kind text NOT NULL,
                message text NOT NULL
            );
            CREATE INDEX order_events_by_order ON order_events(amazon_order_id, id);
            CREATE TABLE jobs (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                amazon_order_id text NOT NULL,
                effect text NOT NULL,
                effect_name text NOT NULL,
                idempotency_key text NOT NULL UNIQUE,
                ordered boolean NOT NULL,
                status text NOT NULL,
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at double precision NOT NULL,
                lease_until double precision,
                last_error text,
                created_at double precision NOT NULL,
                updated_at double precision NOT NULL,
                claim bigint NOT NULL DEFAULT 0,
                generation integer NOT NULL DEFAULT 1
            );
            CREATE INDEX jobs_open ON jobs(id) WHERE status IN ('pending', 'running');
            CREATE INDEX jobs_by_order ON jobs(amazon_order_id, id);
            CREATE INDEX jobs_by_status ON jobs(status, id);
            CREATE TABLE checkpoints (
                source_id text PRIMARY KEY,
                value text NOT NULL,
                updated_at double precision NOT NULL
            );
            CREATE TABLE quarantine (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                source_id text NOT NULL,
                amazon_order_id text,
                reason text NOT NULL,
                payload text NOT NULL,
                at double precision NOT NULL
            );
            CREATE UNIQUE INDEX quarantine_once ON quarantine(source_id, COALESCE(amazon_order_id, ''), reason);
            CREATE TABLE commerce_orders (
                number text PRIMARY KEY,
                amazon_order_id text NOT NULL UNIQUE,
                status text NOT NULL,
                customer_id text,
                affects_inventory boolean NOT NULL,
                document text NOT NULL,
                created_at double precision NOT NULL
            );
            CREATE TABLE commerce_shipments (
                number text NOT NULL,
                shipment_id text NOT NULL,
                PRIMARY KEY (number, shipment_id)
            );
            CREATE TABLE customers (
                id text PRIMARY KEY,
                email_normalized text NOT NULL UNIQUE,
                email text NOT NULL,
                name text,
                marketplace_id text NOT NULL,
                created_at double precision NOT NULL
            );
            CREATE SEQUENCE commerce_order_numbers;
            CREATE SEQUENCE customer_numbers;
            CREATE TABLE workers (
                id text PRIMARY KEY,
                host text NOT NULL,
                pid integer NOT NULL,
                started_at double precision NOT NULL,
                expires_at double precision NOT NULL
            );
            CREATE TABLE source_leases (
                source_id text PRIMARY KEY,
                worker_id text NOT NULL,
                expires_at double precision NOT NULL
            );
            """),
    ]

    static var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    /// Checks (and migrates) the schema once; a failure that may pass (the server not up yet)
    /// is tried again at the next statement, a verdict on the schema is kept.
    func ready() async throws {
        try await readiness.ensure { try await self.prepareSchema() }
    }

    private func prepareSchema() async throws {
        let schema = configuration.schema
        do {
            try await client.withConnection { connection in
                switch access {
                case .readOnly:
                    let versions = try await Self.appliedVersions(connection, logger: logger)
                    guard let versions else {
                        throw StoreError(.missing, "there is no SalesChannel store in schema \(schema) of \(configuration.place) yet; `saleschannel run` creates it")
                    }
                    try check(versions)
                    guard versions.max() ?? 0 == Self.latestVersion else {
                        throw StoreError(.schemaTooOld, "the store in schema \(schema) of \(configuration.place) was written by an older version of SalesChannel; `saleschannel run` upgrades it (this command only reads)")
                    }
                case .migrate:
                    // Up to date (every start but the first of a release): no DDL and no lock, so
                    // a user with only USAGE on the schema and rights on its tables can run.
                    if let versions = try await Self.appliedVersions(connection, logger: logger) {
                        try check(versions)
                        if Set(versions).isSuperset(of: Self.migrations.map(\.version)) { return }
                    }
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        // One process migrates at a time; the others wait here, then find it done.
                        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("saleschannel.migrations/" + schema)))", logger: logger)
                        try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: Self.quoted(schema))", logger: logger)
                        try await connection.query("""
                            CREATE TABLE IF NOT EXISTS schema_migrations (
                                version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                            """, logger: logger)
                        let applied = try await Self.appliedVersions(connection, logger: logger) ?? []
                        try check(applied)
                        for migration in Self.migrations where !applied.contains(migration.version) {
                            // One statement at a time: the extended protocol takes no more.
                            for statement in migration.sql.components(separatedBy: ";\n") where !statement.allSatisfy(\.isWhitespace) {
                                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                            }
                            try await connection.query("INSERT INTO schema_migrations(version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                            logger.info("applied a migration of the PostgreSQL store", metadata: ["schema": "\(schema)", "version": "\(migration.version)"])
                        }
                        try await connection.query("COMMIT", logger: logger)
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            }
        } catch let error as PSQLError {
            throw DatabaseFailure(error, configuration: configuration)
        }
    }

    /// Refuses a schema a newer release wrote.
    private func check(_ versions: [Int]) throws {
        if let newest = versions.max(), newest > Self.latestVersion {
            throw StoreError(.schemaTooNew, "the store in schema \(configuration.schema) of \(configuration.place) was written by a newer version of SalesChannel (schema version \(newest), this release knows up to \(Self.latestVersion)); use that version (nothing was changed)")
        }
    }

    /// The versions applied, or `nil` when the schema has no migrations table (no store yet).
    static func appliedVersions(_ connection: PostgresConnection, logger: Logger) async throws -> [Int]? {
        let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger).collect()
        guard try exists.first?.decode(Bool.self) == true else { return nil }
        return try await connection.query("SELECT version FROM schema_migrations", logger: logger).collect().map { try $0.decode(Int.self) }
    }

    static func quoted(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}

/// An operation racing a deadline: whichever ends first resumes the caller, once.
private final class Race<T: Sendable>: Sendable {
    private let state = Mutex<(settled: Bool, work: Task<Void, Never>?, timer: Task<Void, Never>?, continuation: CheckedContinuation<T, any Error>?)>(
        (false, nil, nil, nil))

    func start(
        _ continuation: CheckedContinuation<T, any Error>, operation: @escaping @Sendable () async throws -> T, limit: Double,
        timeout: @escaping @Sendable () -> any Error
    ) {
        state.withLock { $0.continuation = continuation }
        let timer = Task {
            guard (try? await Task.sleep(for: .seconds(limit))) != nil else { return }
            self.settle(.failure(timeout()))
        }
        let work = Task {
            do { self.settle(.success(try await operation())) } catch { self.settle(.failure(error)) }
            // Answered in time: the deadline is no longer needed.
            timer.cancel()
        }
        state.withLock {
            $0.work = work
            $0.timer = timer
        }
    }

    func settle(_ result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard !state.settled else { return nil }
            state.settled = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }

}

/// Thrown inside a transaction when another process wrote first what this one read as absent:
/// the transaction is rolled back and runs again.
struct TransactionConflict: Error {}

/// Runs a preparation once it succeeds; a ``StoreError`` (a verdict on the schema) is kept and
/// thrown again, other failures are tried again next time.
private actor Readiness {
    private var done = false
    private var verdict: StoreError?

    func ensure(_ prepare: @Sendable () async throws -> Void) async throws {
        if done { return }
        if let verdict { throw verdict }
        do {
            try await prepare()
            done = true
        } catch let error as StoreError {
            verdict = error
            throw error
        }
    }
}

/// A statement PostgreSQL refused or could not run, said without the statement's values (they
/// may hold a buyer's data) and without the password.
public struct DatabaseFailure: Error, CustomStringConvertible, Sendable {
    /// The SQLSTATE code, when the server answered (`23505`: unique violation).
    public var sqlState: String?
    public var description: String

    init(timedOutAfter seconds: Double, place: String) {
        sqlState = nil
        description = "PostgreSQL at \(place) did not answer within \(Int(seconds)) s; the operation was given up and is retried"
    }

    init(_ error: PSQLError, configuration: PostgresStoreConfiguration) {
        if let server = error.serverInfo {
            sqlState = server[.sqlState]
            description = "PostgreSQL at \(configuration.place) refused a statement: \(server[.message] ?? "no message") (SQLSTATE \(server[.sqlState] ?? "?"))"
        } else {
            sqlState = nil
            description = "PostgreSQL at \(configuration.place) could not be used: \(error.code)"
        }
    }

    /// A deadlock, a serialization failure or a unique key another process inserted first:
    /// running the transaction again decides against what that process wrote.
    static func isWorthRepeating(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return ["40001", "40P01", "23505"].contains(state)
    }
}
