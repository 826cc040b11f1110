#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A child process started with `posix_spawn` that inherits none of its parent's descriptors
/// beyond standard input, output and error.
///
/// Foundation's `Process` learns that a child ended when a socket it shares with the child
/// closes; any other child spawned meanwhile that inherits that socket (a database server, a
/// mock AWS server) keeps it open for as long as it lives, and `waitUntilExit()` then never
/// returns. Children started here close every inherited descriptor, so they can neither hold
/// such a socket nor a pipe or file of the parent's, and they are waited for with `waitpid`.
public final class ChildProcess: Sendable {
    /// Where a standard stream of the child goes.
    public enum Stream: Sendable {
        /// The parent's own stream.
        case inherit
        /// `/dev/null`.
        case null
        /// A file, created if missing; truncated unless `append`.
        case file(String, append: Bool = false)
        /// The same place as standard output (for standard error only).
        case standardOutput
    }

    /// How the child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    public let processIdentifier: pid_t
    private let ended = Mutex<(termination: Termination, cpuSeconds: Double, peakRSSKiB: Int)?>(nil)
    /// Held while a caller is in `waitpid`, so only one reaps.
    private let reaping = Mutex(())

    /// Starts `executable` (a path) with `arguments`.
    /// - Parameters:
    ///   - environment: the whole environment of the child; `nil` for the parent's.
    ///   - directory: the child's working directory; `nil` for the parent's.
    ///   - ownProcessGroup: starts the child in a new process group, so `signalGroup(_:)`
    ///     reaches whatever it starts in turn.
    public init(
        executable: String, arguments: [String] = [], environment: [String: String]? = nil, directory: String? = nil,
        standardInput: Stream = .null, standardOutput: Stream = .inherit, standardError: Stream = .inherit,
        ownProcessGroup: Bool = false
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        func route(_ stream: Stream, to descriptor: Int32, writing: Bool) {
            switch stream {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", writing ? O_WRONLY : O_RDONLY, 0)
            case .file(let path, let append):
                posix_spawn_file_actions_addopen(&actions, descriptor, path, writing ? (O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)) : O_RDONLY, 0o644)
            case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, descriptor)
            }
        }
        route(standardInput, to: 0, writing: false)
        route(standardOutput, to: 1, writing: true)
        route(standardError, to: 2, writing: true)
        if let directory {
            guard let addchdir = Self.addchdir else { throw ChildProcessError("cannot set a child's directory on this system") }
            guard addchdir(&actions, directory) == 0 else { throw ChildProcessError("cannot start a child in \(directory)") }
        }
        Self.closeInheritedDescriptors(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if ownProcessGroup {
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw ChildProcessError("could not start \(executable): \(String(cString: strerror(result)))")
        }
        processIdentifier = pid
    }

    /// Sends `signal` to the child.
    public func signal(_ signal: Int32) {
        if ended.withLock({ $0 == nil }) { kill(processIdentifier, signal) }
    }

    /// Sends `signal` to the child's process group (started with `ownProcessGroup`).
    public func signalGroup(_ signal: Int32) {
        if ended.withLock({ $0 == nil }) { kill(-processIdentifier, signal) }
    }

    /// Whether the child is still running (without reaping it).
    public var isRunning: Bool {
        if ended.withLock({ $0 != nil }) { return false }
        var info = siginfo_t()
        let checked = waitid(P_PID, id_t(processIdentifier), &info, WEXITED | WNOHANG | WNOWAIT)
        return checked == 0 && info._sifields._sigchld.si_pid != processIdentifier
    }

    /// Blocks until the child ends and reaps it; later calls answer at once.
    @discardableResult
    public func waitUntilExit() -> Termination {
        reaping.withLock { _ in
            if let known = ended.withLock({ $0 }) { return known.termination }
            var status: Int32 = 0
            var usage = rusage()
            while wait4(processIdentifier, &status, 0, &usage) == -1 && errno == EINTR {}
            let termination: Termination = (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
            let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
            ended.withLock { $0 = (termination, cpu, usage.ru_maxrss) }
            return termination
        }
    }

    /// Waits for the child on a thread of its own, leaving the caller's executor free.
    @discardableResult
    public func exit() async -> Termination {
        if let known = ended.withLock({ $0 }) { return known.termination }
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: self.waitUntilExit()) }
        }
    }

    /// As Foundation's `Process`: the exit status, or the signal that ended the child.
    /// Waits for the child if it is still running.
    public var terminationStatus: Int32 {
        switch waitUntilExit() {
        case .exited(let status), .signaled(let status): status
        }
    }

    /// CPU time (user and system) and peak resident memory of the ended child.
    public var usage: (cpuSeconds: Double, peakRSSMiB: Int) {
        waitUntilExit()
        let known = ended.withLock { $0! }
        return (known.cpuSeconds, known.peakRSSKiB / 1024)
    }

    /// The exit status as a shell reports it (128 + signal for a signaled child).
    public var shellStatus: Int32 {
        switch waitUntilExit() {
        case .exited(let status): status
        case .signaled(let signal): 128 + signal
        }
    }

    // MARK: - Descriptors

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    // glibc (2.29, 2.34) has both; its headers hide them from Swift's Glibc module.
    private static let closeFrom: CloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: CloseFrom.self) }
    private static let addchdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }

    /// Closes every descriptor above standard error in the child: atomically where the C
    /// library can, else each one open now.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let closeFrom, closeFrom(&actions, 3) == 0 { return }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap { Int32($0) } ?? Array(3..<1024)
        for descriptor in open where descriptor > 2 { posix_spawn_file_actions_addclose(&actions, descriptor) }
    }
}

/// Why a child process could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
