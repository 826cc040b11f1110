import ArgumentParser
import CustomerPolicies
import ERPHandoff
import Foundation
import Logging
import SalesChannel
import SalesChannelSQLite
import SalesChannelTesting

/// The plugins this tool ships with.
enum StandardPlugins {
    static var registry: PluginRegistry {
        var registry = PluginRegistry()
        SQLiteDatabase.register(in: &registry)
        ScriptedOrderSource.register(in: &registry)
        CustomerPolicies.register(in: &registry)
        ERPHandoff.register(in: &registry)
        registry.registerNotifier(LogNotifier.descriptor) { _, context in
            var logger = context.logger
            logger.logLevel = .info
            return LogNotifier(logger: logger)
        }
        return registry
    }

    /// The embedded default: no Amazon account, no setup.
    static let embeddedDefault = """
        store:
          plugin: sqlite
          path: saleschannel.sqlite
        sources:
          - plugin: scripted
            orders: 200
            seed: 1
        sinks:
          - plugin: file-drop
            directory: handoffs
        runner:
          pollIntervalSeconds: 5
        """
}

/// `--config FILE`, shared by every command that works on a deployment.
struct DeploymentOptions: ParsableArguments {
    @Option(name: .long, help: "The deployment file (YAML). Without it: the embedded default in the current folder.")
    var config: String?

    func composition(checkOnly: Bool = false) throws -> Composition {
        let environment = ProcessInfo.processInfo.environment
        let logger = Logger(label: "saleschannel")
        let root: ConfigSection
        let directory: URL
        if let config {
            root = try ConfigSection.load(file: config, environment: environment)
            directory = URL(fileURLWithPath: config).deletingLastPathComponent()
        } else {
            root = try ConfigSection.parse(StandardPlugins.embeddedDefault, file: "(embedded default)", environment: environment)
            directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        }
        return try StandardPlugins.registry.composition(
            from: root, context: PluginContext(directory: directory, environment: environment, logger: logger, isCheckOnly: checkOnly))
    }
}

extension DeploymentError: LocalizedError {
    public var errorDescription: String? { description }
}

/// Prints to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A JSON encoder for the command-line interface: stable keys, ISO 8601 dates.
func cliEncoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return encoder
}
