import ArgumentParser
import Foundation
import Logging

@main
struct SalesChannelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saleschannel",
        abstract: "Brings Amazon orders into your commerce system and carries shipments back.",
        discussion: """
            With no --config, every command uses the embedded default: the SQLite file \
            saleschannel.sqlite and the handoffs/ folder in the current folder, with a scripted \
            source of orders (no Amazon account needed).
            """,
        subcommands: [
            RunCommand.self, OrdersCommand.self, OrderCommand.self, ShipCommand.self, JobsCommand.self,
            ConfigCommand.self, PluginsCommand.self, SignCommand.self, BenchmarkCommand.self, SandboxCommand.self, RecoverCommand.self,
        ])

    static func main() async {
        let level = ProcessInfo.processInfo.environment["SALESCHANNEL_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
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
            exit(withError: error)
        }
    }
}
