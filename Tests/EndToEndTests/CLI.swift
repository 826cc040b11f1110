import ChildProcesses
import Foundation
import Testing

/// Runs the real `saleschannel` executable, as a user or an operator would.
struct CLI {
    let directory: URL

    static var executable: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("saleschannel")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/saleschannel")
    }

    /// A fresh temporary folder to run in.
    static func inTemporaryFolder() throws -> CLI {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saleschannel-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return CLI(directory: folder)
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs to completion.
    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = try start(arguments, environment: environment)
        process.process.waitUntilExit()
        return Result(status: process.process.terminationStatus, stdout: process.stdout(), stderr: process.stderr())
    }

    /// Runs and decodes standard output as JSON.
    func json(_ arguments: [String]) throws -> Any {
        let result = try run(arguments)
        #expect(result.status == 0, "\(arguments) failed: \(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    final class Running: @unchecked Sendable {
        let process: ChildProcess
        let out: URL
        let err: URL
        init(process: ChildProcess, out: URL, err: URL) {
            self.process = process
            self.out = out
            self.err = err
        }
        func stdout() -> String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
        func stderr() -> String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
    }

    /// Starts in the background; output goes to files so a killed process cannot block a pipe.
    /// A ChildProcess, not Foundation's `Process`: a server another test starts meanwhile
    /// could inherit the socket `Process` watches and make its wait endless.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Running {
        let id = UUID().uuidString
        let out = directory.appendingPathComponent(".out-\(id)")
        let err = directory.appendingPathComponent(".err-\(id)")
        let process = try ChildProcess(
            executable: Self.executable.path, arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, directory: directory.path,
            standardOutput: .file(out.path), standardError: .file(err.path))
        return Running(process: process, out: out, err: err)
    }
}

extension FileHandle {
    /// Reads until a whole line has arrived (a child process announcing its port), without the newline.
    func firstLine() -> String {
        var data = Data()
        while !data.contains(UInt8(ascii: "\n")) {
            let chunk = availableData
            if chunk.isEmpty { break }
            data.append(chunk)
        }
        return String(decoding: data.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }
}
