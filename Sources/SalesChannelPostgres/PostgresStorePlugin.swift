import Foundation
import SalesChannel

extension PostgresStoreDatabase {
    /// The `postgres` store plugin: the store and commerce ledger in a PostgreSQL schema that
    /// several `saleschannel run` processes share.
    public static let descriptor = PluginDescriptor(
        name: "postgres", kind: .store,
        summary: "Store and commerce ledger in PostgreSQL, shared by several worker processes (scale-out)",
        keys: [
            .init("url", "postgres:// URL", "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE]; with a password, write `${DATABASE_URL}`", secret: true),
            .init("schema", "name", default: "saleschannel", "The schema the tables live in (created when missing); deployments sharing a database each take their own"),
            .init("poolSize", "1-200", default: "10", "Connections each process keeps at most"),
            .init("tls", "disable|prefer|require|verify-full", default: "prefer", "Encryption of the connection, as libpq's sslmode (the URL's sslmode unless set here)"),
            .init("statementTimeoutSeconds", "1-3600", default: "30", "Seconds a statement may run before the server cancels it"),
        ])

    /// Registers the `postgres` store.
    public static func register(in registry: inout PluginRegistry) {
        registry.registerStore(descriptor) { section, context in
            let configuration = try configuration(from: section)
            let access: Access = context.storeAccess == .readOnly || context.isCheckOnly ? .readOnly : .migrate
            // No connection is made until the store is first used (a deployment check makes none).
            let database = PostgresStoreDatabase(configuration, access: access, logger: context.logger)
            return StorePlugin(store: PostgresChannelStore(database: database, clock: context.clock), backend: PostgresCommerceBackend(database: database))
        }
    }

    /// Reads the plugin's keys; every problem names its key and what is allowed.
    static func configuration(from section: ConfigSection) throws(DeploymentError) -> PostgresStoreConfiguration {
        let written = try section.string("url")
        guard let written, !written.isEmpty else {
            throw DeploymentError(file: section.file, key: section.keyPath("url"), problem: "is required: postgres://USER@HOST:5432/DATABASE, or `${DATABASE_URL}` when it holds a password")
        }
        var configuration: PostgresStoreConfiguration
        do { configuration = try PostgresStoreConfiguration(url: written) } catch {
            throw DeploymentError(file: section.file, key: section.keyPath("url"), problem: error.description)
        }
        if configuration.password != nil, !section.isFromEnvironment("url") {
            throw DeploymentError(file: section.file, key: section.keyPath("url"), problem: "holds a password: write `${DATABASE_URL}` and set that variable instead of putting it in the file")
        }
        let schema = try section.string("schema") ?? "saleschannel"
        guard schema.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw DeploymentError(file: section.file, key: section.keyPath("schema"), problem: "`\(schema)` is not a schema name this store uses: lower-case letters, digits and _, starting with a letter or _, at most 63")
        }
        configuration.schema = schema
        configuration.poolSize = try section.int("poolSize", default: 10, in: 1...200)
        if section.contains("tls") {
            configuration.tls = try section.choice("tls", default: configuration.tls)
        }
        configuration.statementTimeout = try section.double("statementTimeoutSeconds", default: 30, in: 1...3600)
        return configuration
    }
}
