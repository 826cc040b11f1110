import ArgumentParser
import Foundation
import SalesChannel

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Deployment files.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a deployment file against the registered plugins, listing every problem; exits 2 when there is one.",
            discussion: """
                Nothing is created or contacted. Each problem names the file, the key and what is allowed. \
                When the store exists it is read (read only) to check that every source's stored work \
                still has its source: a change that would leave shipment confirmations without one is refused.
                """)
        @Argument(help: "The deployment file (YAML).") var file: String

        func run() async throws {
            let options = DeploymentOptions(config: file)
            let composition = try options.validate()
            try await options.checkSourcesKeepTheirWork(composition)
            print("\(file): valid · \(composition.sources.count) source(s) · sinks: \(composition.sinks.keys.sorted().joined(separator: ", ").nonEmpty ?? "none") · \(composition.notifiers.count) notifier(s)")
        }
    }
}

extension DeploymentOptions {
    init(config: String?) {
        self.init()
        self.config = config
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "The registered plugins and their configuration keys.")

    func run() async throws {
        for kind in PluginKind.allCases {
            print("\(kind.rawValue) plugins (deployment key `\(kind.deploymentKey)`):")
            for plugin in StandardPlugins.registry.descriptors where plugin.kind == kind {
                print("  \(plugin.name): \(plugin.summary)")
                printKeys(plugin.keys)
            }
        }
        print("orderSettings:")
        printKeys(OrderSettings.keys)
        print("Every key can be set from the environment: SALESCHANNEL_ + its path in upper snake case (sinks[0].directory → SALESCHANNEL_SINKS_0_DIRECTORY).")
    }

    func printKeys(_ keys: [PluginDescriptor.Key]) {
        for key in keys {
            let value = key.defaultValue.map { " = \($0)" } ?? ""
            print("      \(key.name) (\(key.type)\(value))\(key.isSecret ? " [secret: write ${VARIABLE}]" : ""): \(key.summary)")
        }
    }
}
