import ArgumentParser
import Foundation
import Logging
import SalesChannel

@main
struct SalesChannelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saleschannel",
        abstract: "Brings Amazon orders into your commerce system and carries shipments back.",
        discussion: """
            With no --config, every command uses the embedded default: the SQLite file \
            saleschannel.sqlite and the handoffs/ folder in the current folder, with an Amazon \
            sandbox in the same process (no Amazon account needed).

            Exit status: 0 success; 1 failure; 2 bad input or a refused request (a deployment \
            file's problems, a shipment that cannot be recorded); 3 `run --once` finished but \
            left something for a person: dead-lettered jobs, quarantined orders, a stopped source; \
            130 or 143 `run` stopped at once by a second Ctrl-C or SIGTERM. See docs/operations.md.
            """,
        subcommands: [
            RunCommand.self, ServeCommand.self, OrdersCommand.self, OrderCommand.self, ShipCommand.self, JobsCommand.self,
            ConfigCommand.self, PluginsCommand.self, SignCommand.self, BenchmarkCommand.self, SandboxCommand.self, RecoverCommand.self,
            NotificationsCommand.self,
        ])

    static func main() async {
        let levels = Logger.Level.allCases.map(\.rawValue)
        let setting = ProcessInfo.processInfo.environment["SALESCHANNEL_LOG_LEVEL"]
        guard setting == nil || setting.flatMap(Logger.Level.init(rawValue:)) != nil else {
            printError("Error: SALESCHANNEL_LOG_LEVEL: `\(Sanitized(setting ?? ""))` is not a log level; allowed: \(levels.joined(separator: ", "))")
            Foundation.exit(2)
        }
        let level = setting.flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            var command = try parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            Foundation.exit(Self.report(error))
        }
    }

    /// Prints an error in the one style every command uses (`Error: …` on standard error) and
    /// gives its exit status.
    static func report(_ error: any Error) -> Int32 {
        switch error {
        case let errors as DeploymentErrors:
            for error in errors.errors { printError("Error: \(error)") }
            return 2
        case let error as DeploymentError:
            printError("Error: \(error)")
            return 2
        case let failure as CommandFailure:
            printError("Error: \(failure.description)")
            return failure.status
        case let error as StoreError:
            printError("Error: \(error.description)")
            return error.code == .orderNotFound ? 2 : 1
        default:
            let code = exitCode(for: error)
            if code == .validationFailure {
                // Bad arguments: ArgumentParser's message and usage, exit 2 like any bad input.
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                return 2
            }
            if code == .success || error is ExitCode || error is CleanExit {
                exit(withError: error)
            }
            printError("Error: \(Sanitized("\(error)"))")
            return 1
        }
    }
}
