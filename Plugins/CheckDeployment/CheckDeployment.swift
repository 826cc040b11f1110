import Foundation
import PackagePlugin

/// `swift package check-deployment FILE…`: validates deployment files with the `saleschannel`
/// tool built from this package, against the plugins it registers. Reads every key, opens
/// nothing, contacts no server; exits non-zero naming the file, the key and what is allowed.
@main
struct CheckDeployment: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let files = ArgumentExtractor(arguments).remainingArguments
        guard !files.isEmpty else {
            Diagnostics.error("usage: swift package check-deployment DEPLOYMENT.yaml [MORE.yaml …]")
            throw CheckFailed()
        }
        let tool = try context.tool(named: "saleschannel")
        var failed = false
        for file in files {
            let path = file.hasPrefix("/") ? file : context.package.directoryURL.appendingPathComponent(file).path
            let process = Process()
            process.executableURL = tool.url
            process.arguments = ["config", "check", path]
            try process.run()
            process.waitUntilExit()
            if process.terminationStatus != 0 { failed = true }
        }
        if failed { throw CheckFailed() }
    }

    struct CheckFailed: Error, CustomStringConvertible {
        var description: String { "a deployment file is not valid (see above)" }
    }
}
