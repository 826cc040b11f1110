import ChildProcesses
import Foundation

/// A PostgreSQL server of its own, for tests and benchmarks: a cluster made with `initdb` in a
/// temporary folder, listening on a free loopback port, without `fsync` (nothing in it outlives
/// the run, and a machine crash is not what it is for). Commits stay synchronous: a server
/// restarted at once (``restart()``) keeps every commit it acknowledged, as a real one does. As root, whom `initdb` refuses, the server runs as the `postgres` user (else
/// `nobody`) through `runuser`.
public final class ThrowawayPostgres: Sendable {
    /// `postgres://saleschannel@127.0.0.1:PORT/postgres?sslmode=disable`
    public let url: String
    public let port: Int
    public let folder: URL
    let binaries: URL
    let runAs: String?

    /// The folder holding `initdb` and `pg_ctl`: `$PG_BIN`, else `pg_config --bindir`, else the
    /// newest of Debian's `/usr/lib/postgresql/*/bin`; `nil` when the server is not installed.
    public static func binaries() -> URL? {
        let files = FileManager.default
        if let given = ProcessInfo.processInfo.environment["PG_BIN"], files.isExecutableFile(atPath: given + "/initdb") {
            return URL(fileURLWithPath: given)
        }
        let versions = ((try? files.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap(Int.init).sorted(by: >)
        for version in versions where files.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/initdb") {
            return URL(fileURLWithPath: "/usr/lib/postgresql/\(version)/bin")
        }
        for folder in ["/usr/local/bin", "/usr/bin", "/opt/homebrew/bin"] where files.isExecutableFile(atPath: folder + "/initdb") {
            return URL(fileURLWithPath: folder)
        }
        return nil
    }

    /// Makes and starts a cluster.
    /// - Throws: ``Failure`` with what `initdb` or `pg_ctl` printed.
    public init(maxConnections: Int = 300) throws {
        guard let binaries = Self.binaries() else { throw Failure("the PostgreSQL server is not installed (no initdb; apt-get install postgresql)") }
        self.binaries = binaries
        let runAs: String? = getuid() == 0 ? (getpwnam("postgres") != nil ? "postgres" : "nobody") : nil
        self.runAs = runAs
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saleschannel-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if let runAs, let user = getpwnam(runAs) {
            chown(folder.path, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        self.folder = folder
        port = try Self.freePort()
        url = "postgres://saleschannel@127.0.0.1:\(port)/postgres?sslmode=disable"
        try run("initdb", ["-D", folder.appendingPathComponent("data").path, "-U", "saleschannel", "-A", "trust", "-E", "UTF8",
                           "--no-sync", "--no-instructions"])
        try start(maxConnections: maxConnections)
    }

    private func start(maxConnections: Int = 300) throws {
        let options = "-p \(port) -c listen_addresses=127.0.0.1 -k \(folder.path) -c fsync=off"
            + " -c full_page_writes=off -c max_connections=\(maxConnections)"
        try run("pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-l", folder.appendingPathComponent("server.log").path,
                           "-w", "-t", "60", "-o", options, "start"])
    }

    /// Stops the server at once (as a crash would) and starts it again on the same port.
    public func restart() throws {
        try run("pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
        try start()
    }

    /// Stops the server and removes its folder.
    public func stop() {
        _ = try? run("pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: folder)
    }

    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws -> String {
        let path = binaries.appendingPathComponent(tool).path
        var argv = [path] + arguments
        if let runAs {
            let runuser = FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser"
            argv = [runuser, "-u", runAs, "--"] + argv
        }
        // Output to a file, not a pipe: the server `pg_ctl` starts keeps its descriptors open.
        // A ChildProcess, so that server inherits no descriptor of this process (see its notes).
        let outputPath = folder.appendingPathComponent("\(tool).out").path
        let child: ChildProcess
        do {
            child = try ChildProcess(executable: argv[0], arguments: Array(argv.dropFirst()), standardOutput: .file(outputPath), standardError: .standardOutput)
        } catch { throw Failure("\(error)") }
        let exited = child.shellStatus
        let printed = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard exited == 0 else {
            let log = (try? String(contentsOf: folder.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
            throw Failure("\(tool) failed (status \(exited)): \(printed)\(log.isEmpty ? "" : "\nserver log:\n" + log.suffix(2000))")
        }
        return printed
    }

    /// A loopback port nobody listens on now.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure("no socket for finding a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw Failure("could not find a free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}

/// The PostgreSQL server tests use: `SALESCHANNEL_TEST_POSTGRES_URL` when set (CI sets it to a
/// cluster `.ci/run` started), else a ``ThrowawayPostgres`` started once for the test process
/// where the server is installed, stopped when the process exits.
public enum TestPostgres {
    public static let variable = "SALESCHANNEL_TEST_POSTGRES_URL"

    /// Whether the tests that need PostgreSQL run: a server is at hand, or CI asks for them (so
    /// that a missing server fails there instead of skipping).
    public static var isAvailable: Bool {
        ProcessInfo.processInfo.environment[variable] != nil || ThrowawayPostgres.binaries() != nil
            || ProcessInfo.processInfo.environment["CI"] != nil
    }

    /// Why they are skipped when they are.
    public static let skipReason = "needs PostgreSQL: set \(variable) to a server's URL, or install the server (initdb) for a throwaway cluster"

    /// The server's URL.
    /// - Throws: when neither the variable nor a startable server is there.
    public static func url() throws -> String {
        if let given = ProcessInfo.processInfo.environment[variable] { return given }
        return try shared.get().url
    }

    /// A server of the test process's own, restartable (`pg_ctl restart` tests need one).
    public static func ownServer() throws -> ThrowawayPostgres { try shared.get() }

    private static let shared: Result<ThrowawayPostgres, any Error> = {
        let result = Result { try ThrowawayPostgres() }
        if case .success = result { atexit { TestPostgres.stopShared() } }
        return result
    }()

    private static func stopShared() {
        if case .success(let server) = shared { server.stop() }
    }
}
