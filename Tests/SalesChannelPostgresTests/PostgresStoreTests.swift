import Foundation
import Logging
import PostgresNIO
import SalesChannel
import SalesChannelPostgres
import SalesChannelTesting
import Testing

/// A fresh store in a schema of its own on the test server, as each process of a deployment
/// would open it (its own connection pool).
enum Fresh {
    static func schema() -> String { "t_\(UInt64.random(in: 0...UInt64.max))" }

    static func configuration(schema: String = Fresh.schema(), leaseClock: PostgresStoreConfiguration.LeaseClock = .caller) throws -> PostgresStoreConfiguration {
        var configuration = try PostgresStoreConfiguration(url: try TestPostgres.url())
        configuration.schema = schema
        configuration.poolSize = 4
        configuration.leaseClock = leaseClock
        // A test process shares its threads with every other test: no operation is given up
        // on for want of a thread.
        configuration.statementTimeout = 300
        return configuration
    }

    static func database(schema: String = Fresh.schema(), leaseClock: PostgresStoreConfiguration.LeaseClock = .caller,
                         access: PostgresStoreDatabase.Access = .migrate) throws -> PostgresStoreDatabase {
        PostgresStoreDatabase(try configuration(schema: schema, leaseClock: leaseClock), access: access)
    }

    static func store(clock: any SalesChannelClock = SystemClock(), leaseClock: PostgresStoreConfiguration.LeaseClock = .caller) throws -> PostgresChannelStore {
        PostgresChannelStore(database: try database(leaseClock: leaseClock), clock: clock)
    }

    /// A plain connection for looking behind the store's back.
    static func client() throws -> PostgresClient {
        let configuration = try Fresh.configuration()
        return PostgresClient(
            configuration: .init(host: configuration.host, port: configuration.port, username: configuration.user,
                                 password: configuration.password, database: configuration.database, tls: .disable),
            backgroundLogger: Logger(label: "test"))
    }
}

/// The PostgreSQL store and ledger pass every conformance suite the SQLite store passes, and
/// the coordination suite of shared stores, against a real server.
@Suite(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.skipReason)))
struct PostgresConformanceTests {
    @Test(arguments: ChannelStoreConformance.Group.allCases)
    func postgresStoreConforms(_ group: ChannelStoreConformance.Group) async throws {
        try await ChannelStoreConformance { try Fresh.store() }.run(group)
    }

    @Test func postgresCommerceBackendConforms() async throws {
        try await CommerceBackendConformance { PostgresCommerceBackend(database: try Fresh.database()) }.run()
    }

    @Test func postgresCoordinationConforms() async throws {
        try await WorkCoordinationConformance { clock in try Fresh.store(clock: clock) }.run()
    }
}
