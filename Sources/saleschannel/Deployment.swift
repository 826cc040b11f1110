import AWSServices
import AmazonChannel
import AmazonFBA
import AmazonMFN
import AmazonNotifications
import AmazonSandbox
import ArgumentParser
import CustomerPolicies
import ERPHandoff
import Foundation
import Logging
import Notifiers
import RequestSigning
import SalesChannel
import SalesChannelHTTP
import SalesChannelPostgres
import SalesChannelSQLite
import SalesChannelTesting

/// The plugins this tool ships with.
enum StandardPlugins {
    static var registry: PluginRegistry { registry(sandbox: nil) }

    static func registry(sandbox: AmazonSourceFactory.SandboxLink?) -> PluginRegistry {
        var registry = PluginRegistry()
        SQLiteDatabase.register(in: &registry)
        PostgresStoreDatabase.register(in: &registry)
        AmazonMFN.register(in: &registry, sandbox: sandbox)
        AmazonFBA.register(in: &registry, sandbox: sandbox)
        AmazonNotifications.register(in: &registry)
        ScriptedOrderSource.register(in: &registry)
        CustomerPolicies.register(in: &registry)
        ERPHandoff.register(in: &registry)
        Notifiers.register(in: &registry)
        registry.registerNotifier(LogNotifier.descriptor) { _, context in
            var logger = context.logger
            // Events are info lines: shown by default, but a level the operator set is honoured.
            if context.environment["SALESCHANNEL_LOG_LEVEL"] == nil { logger.logLevel = .info }
            return LogNotifier(logger: logger)
        }
        return registry
    }

    /// The embedded default: the Amazon sandbox in-process, no account, no setup.
    static let embeddedDefault = """
        store:
          plugin: sqlite
          path: saleschannel.sqlite
        sandbox:
          orders: 200
          seed: 1
          timeScale: 60
        sources:
          - plugin: amazon-mfn
            endpoint: sandbox
          - plugin: amazon-fba
            endpoint: sandbox
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

    /// The deployment file (or the embedded default), parsed.
    func load() throws -> (root: ConfigSection, directory: URL) {
        let environment = ProcessInfo.processInfo.environment
        if let config {
            return (try ConfigSection.load(file: config, environment: environment), URL(fileURLWithPath: config).deletingLastPathComponent())
        }
        return (try ConfigSection.parse(StandardPlugins.embeddedDefault, file: "(embedded default)", environment: environment),
                URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }

    /// The `sandbox:` section, if the deployment starts an in-process Amazon sandbox.
    /// With `keepClock: false` (validating only) the scenario clock file is neither read nor written.
    func sandboxConfiguration(_ root: ConfigSection, directory: URL, keepClock: Bool = true) throws -> SandboxConfiguration? {
        guard root.contains("sandbox") else { return nil }
        let section = try root.section("sandbox")
        var configuration = SandboxConfiguration()
        configuration.orders = try section.int("orders", default: 200, in: 0...1_000_000)
        configuration.seed = UInt64(try section.int("seed", default: 1, in: 0...Int(Int32.max)))
        configuration.timeScale = try section.double("timeScale", default: 60, in: 0.001...1_000_000)
        configuration.rateLimits = try section.bool("rateLimits", default: true)
        configuration.pendingAtStart = try section.int("pendingAtStart", default: 3, in: 0...1_000)
        do { configuration.faults = try FaultSpec(parsing: try section.string("faults") ?? "") } catch let error as SandboxError {
            throw DeploymentError(file: section.file, key: section.keyPath("faults"), problem: error.description)
        }
        if section.contains("notifications") {
            let notify = try section.section("notifications")
            guard let queue = try notify.url("queueUrl") else {
                throw DeploymentError(file: notify.file, key: notify.keyPath("queueUrl"), problem: "the SQS queue to publish ORDER_CHANGE notifications to is required")
            }
            var settings = SandboxNotificationSettings(queueURL: queue.absoluteString, credentials: AWSCredentials(accessKeyID: "", secretAccessKey: ""))
            settings.endpoint = try notify.url("endpoint")?.absoluteString
            settings.region = try notify.string("region")
            settings.maxDelay = try notify.double("maxDelaySeconds", default: 0, in: 0...900)
            settings.duplicates = try notify.double("duplicates", default: 0, in: 0...1)
            settings.drops = try notify.double("drops", default: 0, in: 0...1)
            settings.seed = configuration.seed
            try notify.checkNoUnknownKeys()
            // Checking the file needs no credentials; running does.
            if keepClock {
                do {
                    settings.credentials = try defaultAWSCredentials(environment: ProcessInfo.processInfo.environment)
                } catch {
                    throw DeploymentError(file: notify.file, key: notify.keyPath("queueUrl"), problem: "publishing needs AWS credentials: \(error)")
                }
            }
            configuration.notifications = settings
        }
        // The scenario keeps its time zero across runs, so the orders keep their timestamps.
        let startFile = directory.appendingPathComponent(try section.string("startFile") ?? ".saleschannel-sandbox-start")
        guard keepClock else { return configuration }
        if let text = try? String(contentsOf: startFile, encoding: .utf8), let seconds = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            configuration.start = Date(timeIntervalSince1970: seconds)
        } else {
            let now = Date()
            try? String(now.timeIntervalSince1970).write(to: startFile, atomically: true, encoding: .utf8)
            configuration.start = now
        }
        return configuration
    }

    /// Checks the whole file in one pass, touching nothing (no database opened, no folder or file
    /// created, no server contacted).
    /// - Returns: the composition of unopened plugins, for `config check`'s summary.
    /// - Throws: ``DeploymentErrors`` with every problem of the file.
    @discardableResult
    func validate(storeAccess: PluginContext.StoreAccess = .create) throws -> Composition {
        let environment = ProcessInfo.processInfo.environment
        let (root, directory) = try load()
        root.startCollecting()
        let configuration = try sandboxConfiguration(root, directory: directory, keepClock: false)
        // `http:` and `auth:` belong to `serve` and `run --http`; every command checks them.
        _ = try HTTPSettings(root: root)
        let link = configuration.map { Self.link($0, endpoint: "http://127.0.0.1:0") }
        do {
            return try StandardPlugins.registry(sandbox: link).composition(
                from: root, context: PluginContext(directory: directory, environment: environment, logger: Logger(label: "saleschannel"), isCheckOnly: true, storeAccess: storeAccess))
        } catch let errors as DeploymentErrors where errors.errors.isEmpty && !root.problems.isEmpty {
            throw DeploymentErrors(root.problems)
        }
    }

    /// Builds the composition, after ``validate()`` found nothing wrong; `sandbox` is the running
    /// in-process sandbox, when there is one. With `storeUnopened`, the store is neither opened
    /// nor created (commands that only talk to Amazon and AWS: `notifications`).
    func composition(
        sandbox: AmazonSourceFactory.SandboxLink? = nil, storeAccess: PluginContext.StoreAccess = .create, storeUnopened: Bool = false
    ) throws -> Composition {
        try validate(storeAccess: storeAccess)
        let environment = ProcessInfo.processInfo.environment
        let (root, directory) = try load()
        _ = try HTTPSettings(root: root)
        var link = sandbox
        if let configuration = try sandboxConfiguration(root, directory: directory, keepClock: true), link == nil {
            // Commands that do not talk to Amazon (ship, jobs retry) only need the sources built.
            link = Self.link(configuration, endpoint: "http://127.0.0.1:0")
        }
        return try StandardPlugins.registry(sandbox: link).composition(
            from: root, context: PluginContext(
                directory: directory, environment: environment, logger: Logger(label: "saleschannel"), isCheckOnly: storeUnopened, storeAccess: storeAccess))
    }

    /// The store alone, opened read only: for commands that only read (`orders`, `order`,
    /// `jobs`). Nothing is created and no secret is needed.
    func readOnlyStore() throws -> any ChannelStore {
        let environment = ProcessInfo.processInfo.environment
        let (root, directory) = try load()
        return try StandardPlugins.registry.store(
            from: root, context: PluginContext(directory: directory, environment: environment, logger: Logger(label: "saleschannel"), storeAccess: .readOnly)
        ).store
    }

    /// Refuses a deployment whose sources no longer take over work stored for them (an `id`
    /// changed, a source removed while its shipment confirmations are not done), and notes work
    /// left behind harmlessly. A store that does not exist yet (or needs migrating) is not read.
    func checkSourcesKeepTheirWork(_ composition: Composition) async throws {
        let store: any ChannelStore
        do { store = try readOnlyStore() } catch is StoreError { return }
        let engine = ChannelEngine(Composition(store: store, backend: composition.backend, sources: composition.sources, customerPolicy: composition.customerPolicy))
        let orphaned: OrphanedWork
        do {
            orphaned = try await Self.using(engine) { try await $0.orphanedWork() }
        } catch is StoreError {
            return
        }
        try refuse(orphaned)
    }

    /// Prints the notes of `orphaned` and throws its problems as deployment errors.
    func refuse(_ orphaned: OrphanedWork) throws {
        for note in orphaned.notes { printError("note: \(note)") }
        let problems = orphaned.problems
        if !problems.isEmpty {
            throw DeploymentErrors(problems.map { DeploymentError(file: config ?? "(embedded default)", key: "sources", problem: $0) })
        }
    }

    /// Runs `body` with an engine over the store opened read only, and closes it after.
    func reading<T>(_ body: (ChannelEngine) async throws -> T) async throws -> T {
        try await Self.using(ChannelEngine.reading(try readOnlyStore()), body)
    }

    /// Runs `body` with the deployment's engine (``composition(sandbox:storeAccess:)``), and
    /// closes its store after.
    func withEngine<T>(sandbox: AmazonSourceFactory.SandboxLink? = nil, storeAccess: PluginContext.StoreAccess = .create,
                       _ body: (ChannelEngine) async throws -> T) async throws -> T {
        try await Self.using(ChannelEngine(try composition(sandbox: sandbox, storeAccess: storeAccess), logger: Logger(label: "saleschannel.run")), body)
    }

    static func using<T>(_ engine: ChannelEngine, _ body: (ChannelEngine) async throws -> T) async throws -> T {
        do {
            let result = try await body(engine)
            await engine.close()
            return result
        } catch {
            await engine.close()
            throw error
        }
    }

    static func link(_ configuration: SandboxConfiguration, endpoint: String) -> AmazonSourceFactory.SandboxLink {
        AmazonSourceFactory.SandboxLink(
            endpoint: endpoint, clientID: configuration.clientID, clientSecret: configuration.clientSecret,
            refreshToken: configuration.refreshToken, sellerID: configuration.sellerID, marketplaceID: configuration.marketplaceID,
            timeScale: configuration.timeScale)
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

/// A command could not do what was asked; printed as `Error: …` without the usage text.
struct CommandFailure: Error, LocalizedError, CustomStringConvertible {
    var description: String
    /// The exit status: 1 failure, 2 bad input or a refused request, 3 finished with problems.
    var status: Int32
    init(_ description: String, status: Int32 = 1) {
        self.description = description
        self.status = status
    }
    var errorDescription: String? { description }
}

/// Text from outside (Amazon, an ERP, a user's argument) made safe to print: control characters
/// (newlines, escape sequences) shown escaped, never acted on by the terminal.
/// Prints a line of the text output with what came from outside (an ERP's answer, a tracking
/// number, a carrier's name) made harmless: control characters are shown escaped.
func say(_ line: String) {
    print(Sanitized(line))
}

struct Sanitized: CustomStringConvertible {
    var text: String
    init(_ text: String) { self.text = text }
    var description: String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format {
                out += scalar.value < 0x100 ? String(format: "\\x%02X", scalar.value) : String(format: "\\u{%X}", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
