import Foundation

/// What a store shared by several `saleschannel run` processes (on one or several machines)
/// offers so that they share the work instead of repeating it: who else is running, and which
/// of them syncs each source. A store one process owns (the embedded SQLite file) has none.
///
/// Leases are timed by the store's own clock (the database server's), never a process's, so a
/// worker whose clock is wrong can neither keep a lease for ever nor take one early.
///
/// Contract (checked by `ChannelStoreConformance`'s `coordination` group):
/// - ``heartbeat(_:ttl:)`` keeps a worker listed for `ttl` seconds and returns the others that
///   are listed;
/// - ``leaseSource(_:for:ttl:)`` grants a source to one worker at a time: the holder keeps it by
///   asking again before `ttl` runs out; another worker gets it only once the lease ran out (its
///   holder died or stopped renewing) or was released;
/// - ``retire(_:)`` releases a worker's leases and its listing (a graceful stop).
public protocol WorkCoordination: Sendable {
    /// Says `worker` is alive for `ttl` seconds more.
    /// - Returns: the other workers alive, oldest first.
    func heartbeat(_ worker: WorkerIdentity, ttl: TimeInterval) async throws -> [WorkerIdentity]

    /// Takes or renews the lease of a source for `ttl` seconds.
    /// - Returns: whether `worker` holds it now.
    func leaseSource(_ sourceID: String, for worker: WorkerIdentity, ttl: TimeInterval) async throws -> Bool

    /// Releases a worker's source leases and its listing.
    func retire(_ worker: WorkerIdentity) async throws
}

/// One `saleschannel run` process (or a host app's engine) among those sharing a store.
public struct WorkerIdentity: Hashable, Sendable, CustomStringConvertible {
    /// Unique for the life of the process: `host/pid/random`.
    public var id: String
    public var host: String
    public var pid: Int32

    public init(id: String, host: String, pid: Int32) {
        self.id = id
        self.host = host
        self.pid = pid
    }

    /// This process, with a random part so that a reused pid is a different worker.
    public static func current() -> WorkerIdentity {
        let host = ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let random = UInt32.random(in: 0...UInt32.max)
        return WorkerIdentity(id: "\(host)/\(pid)/\(String(random, radix: 36))", host: host, pid: pid)
    }

    public var description: String { id }
}
