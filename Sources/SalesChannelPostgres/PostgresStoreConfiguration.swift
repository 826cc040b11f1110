import Foundation
import NIOSSL
import PostgresNIO

/// Where and how the PostgreSQL store connects (the `postgres` store plugin's keys).
public struct PostgresStoreConfiguration: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// The schema the store's tables live in; several deployments may share a database, each
    /// in its own schema.
    public var schema: String
    /// Connections each process keeps at most.
    public var poolSize: Int
    public var tls: TLSMode
    /// Seconds a statement may run before the server cancels it.
    public var statementTimeout: Double
    /// What the store's leases are timed by (see ``LeaseClock``).
    public var leaseClock: LeaseClock

    /// How the connection is encrypted, as libpq's `sslmode` says it.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Never encrypted.
        case disable
        /// Encrypted when the server offers it, the certificate not verified (libpq's default).
        case prefer
        /// Always encrypted, the certificate not verified.
        case require
        /// Always encrypted, the certificate verified against the system's authorities and the
        /// host name.
        case verifyFull = "verify-full"

        var clientTLS: PostgresClient.Configuration.TLS {
            var unverified = TLSConfiguration.makeClientConfiguration()
            unverified.certificateVerification = .none
            switch self {
            case .disable: return .disable
            case .prefer: return .prefer(unverified)
            case .require: return .require(unverified)
            case .verifyFull: return .require(.makeClientConfiguration())
            }
        }
    }

    /// Whose clock times the leases of jobs, sources and workers.
    public enum LeaseClock: Sendable {
        /// The database server's (`clock_timestamp()`): every process agrees, whatever its own
        /// clock says. What deployments use.
        case server
        /// The `now` each call is given and the store's clock: for tests that drive time.
        case caller
    }

    public init(
        host: String = "127.0.0.1", port: Int = 5432, user: String, password: String? = nil, database: String,
        schema: String = "saleschannel", poolSize: Int = 10, tls: TLSMode = .prefer, statementTimeout: Double = 30,
        leaseClock: LeaseClock = .server
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.schema = schema
        self.poolSize = poolSize
        self.tls = tls
        self.statementTimeout = statementTimeout
        self.leaseClock = leaseClock
    }

    /// Reads a `postgres://user:password@host:port/database?sslmode=…` URL (`postgresql://`
    /// too). The password may be percent-encoded.
    /// - Throws: ``URLProblem`` saying what is wrong, never repeating the password.
    public init(url: String) throws(URLProblem) {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
              ["postgres", "postgresql"].contains(scheme.lowercased()) else {
            throw URLProblem("is not a postgres:// URL (postgres://user:password@host:5432/database)")
        }
        guard let host = components.host, !host.isEmpty else { throw URLProblem("names no host (postgres://user:password@host:5432/database)") }
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else {
            throw URLProblem("names no user (postgres://user:password@\(host)/database)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw URLProblem("names no database: end it with /DATABASE (postgres://\(user)@\(host)/saleschannel)")
        }
        self.init(host: host, port: components.port ?? 5432, user: user, password: components.password?.removingPercentEncoding,
                  database: database.removingPercentEncoding ?? database)
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: item.value ?? "") else {
                    throw URLProblem("has sslmode=\(item.value ?? ""); allowed: \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            default:
                throw URLProblem("has the parameter \(item.name), which is not understood; allowed: sslmode (the other settings are keys of the store section)")
            }
        }
    }

    /// What is wrong with a URL.
    public struct URLProblem: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// `host:port/database`, for messages (never the user's password).
    public var place: String { "\(host):\(port)/\(database)" }

    public var description: String { "postgres://\(user)@\(place) (schema \(schema))" }
}
