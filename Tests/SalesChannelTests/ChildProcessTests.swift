import ChildProcesses
import Foundation
import Testing

/// The children tests and benchmarks start (servers, the CLI) inherit nothing of the parent
/// beyond standard input, output and error, and are waited for without Foundation's run loop.
@Suite struct ChildProcessTests {
    @Test func aChildInheritsNoDescriptorOfItsParent() throws {
        // A pipe and a socket pair as Foundation's Process makes them: not close-on-exec.
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { (pipeEnds + pair).forEach { close($0) } }

        let child = try ChildProcess(executable: "/bin/sleep", arguments: ["30"])
        defer { child.signal(SIGKILL); child.waitUntilExit() }
        // What each descriptor is (`pipe:[inode]`, `socket:[inode]`, a path): the child's
        // dynamic loader may hold a library file open for a moment, never one of these.
        func target(_ path: String) -> String? { try? FileManager.default.destinationOfSymbolicLink(atPath: path) }
        let ours = Set((pipeEnds + pair).compactMap { target("/proc/self/fd/\($0)") })
        #expect(ours.count == 3 && ours.allSatisfy { $0.hasPrefix("pipe:") || $0.hasPrefix("socket:") }, "one pipe, two sockets: \(ours)")
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.processIdentifier)/fd").compactMap(Int32.init)
        let held = descriptors.compactMap { target("/proc/\(child.processIdentifier)/fd/\($0)") }
        #expect(ours.isDisjoint(with: held), "the child holds \(held)")
        #expect(descriptors.filter { $0 > 2 }.allSatisfy { !(target("/proc/\(child.processIdentifier)/fd/\($0)") ?? "").hasPrefix("socket:") })

        // So the parent closing its write end is the end of the pipe.
        close(pipeEnds[1])
        pipeEnds[1] = -1
        var poller = pollfd(fd: pipeEnds[0], events: Int16(POLLIN), revents: 0)
        #expect(poll(&poller, 1, 5_000) == 1)
        var byte: UInt8 = 0
        #expect(read(pipeEnds[0], &byte, 1) == 0, "end of file, as nobody else holds the pipe")
    }

    @Test func exitStatusesSignalsAndTheWorkingDirectory() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out").path

        let failing = try ChildProcess(
            executable: "/bin/sh", arguments: ["-c", "pwd; echo \"$GREETING\"; echo oops >&2; exit 3"], environment: ["GREETING": "hello"],
            directory: folder.path, standardOutput: .file(output), standardError: .standardOutput)
        #expect(await failing.exit() == .exited(3))
        #expect(failing.terminationStatus == 3 && failing.shellStatus == 3 && !failing.isRunning)
        let printed = try String(contentsOfFile: output, encoding: .utf8)
        #expect(printed == "\(folder.resolvingSymlinksInPath().path)\nhello\noops\n")

        let appended = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "echo more"], standardOutput: .file(output, append: true))
        #expect(appended.waitUntilExit() == .exited(0))
        #expect(try String(contentsOfFile: output, encoding: .utf8).hasSuffix("oops\nmore\n"))

        let sleeper = try ChildProcess(executable: "/bin/sleep", arguments: ["30"])
        #expect(sleeper.isRunning)
        sleeper.signal(SIGKILL)
        #expect(sleeper.waitUntilExit() == .signaled(SIGKILL))
        #expect(sleeper.terminationStatus == SIGKILL && sleeper.shellStatus == 128 + SIGKILL)
        #expect(await sleeper.exit() == .signaled(SIGKILL), "asked again, the answer is remembered")

        #expect(throws: ChildProcessError.self) { try ChildProcess(executable: folder.appendingPathComponent("missing").path) }
    }
}
