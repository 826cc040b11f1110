import Foundation
import Logging

/// Plugins by name, each with a factory that builds it from its configuration section.
///
/// A value, not a global: the command-line tool starts from `PluginRegistry.standard` (the
/// shipped plugins) and a host app registers its own beside them. ``composition(from:context:)``
/// validates a whole deployment before anything runs and throws a ``DeploymentError`` that
/// names the file, the key and what is allowed.
public struct PluginRegistry: Sendable {
    public typealias Factory<Plugin> = @Sendable (ConfigSection, PluginContext) throws -> Plugin

    private var stores: [String: Entry<StorePlugin>] = [:]
    private var sources: [String: Entry<any OrderSource>] = [:]
    private var policies: [String: Entry<any CustomerPolicy>] = [:]
    private var sinks: [String: Entry<any ShipmentSink>] = [:]
    private var notifiers: [String: Entry<any Notifier>] = [:]
    private var intakes: [String: Entry<any ChangeIntake>] = [:]

    struct Entry<Plugin>: Sendable {
        let descriptor: PluginDescriptor
        let factory: Factory<Plugin>
    }

    public init() {}

    public mutating func registerStore(_ descriptor: PluginDescriptor, factory: @escaping Factory<StorePlugin>) {
        stores[descriptor.name] = Entry(descriptor: descriptor.with(kind: .store), factory: factory)
    }
    public mutating func registerSource(_ descriptor: PluginDescriptor, factory: @escaping Factory<any OrderSource>) {
        sources[descriptor.name] = Entry(descriptor: descriptor.with(kind: .source), factory: factory)
    }
    public mutating func registerCustomerPolicy(_ descriptor: PluginDescriptor, factory: @escaping Factory<any CustomerPolicy>) {
        policies[descriptor.name] = Entry(descriptor: descriptor.with(kind: .customerPolicy), factory: factory)
    }
    public mutating func registerSink(_ descriptor: PluginDescriptor, factory: @escaping Factory<any ShipmentSink>) {
        sinks[descriptor.name] = Entry(descriptor: descriptor.with(kind: .sink), factory: factory)
    }
    public mutating func registerNotifier(_ descriptor: PluginDescriptor, factory: @escaping Factory<any Notifier>) {
        notifiers[descriptor.name] = Entry(descriptor: descriptor.with(kind: .notifier), factory: factory)
    }

    public mutating func registerIntake(_ descriptor: PluginDescriptor, factory: @escaping Factory<any ChangeIntake>) {
        intakes[descriptor.name] = Entry(descriptor: descriptor.with(kind: .intake), factory: factory)
    }

    /// Every registered plugin, by kind and name.
    public var descriptors: [PluginDescriptor] {
        (stores.values.map(\.descriptor) + sources.values.map(\.descriptor) + policies.values.map(\.descriptor)
            + sinks.values.map(\.descriptor) + notifiers.values.map(\.descriptor) + intakes.values.map(\.descriptor))
            .sorted { ($0.kind.rawValue, $0.name) < ($1.kind.rawValue, $1.name) }
    }

    /// Builds every plugin a deployment names, with its settings.
    /// - Throws: ``DeploymentErrors`` with every problem of the file when `root` is collecting
    ///   (``ConfigSection/startCollecting()``), else the first ``DeploymentError``.
    public func composition(from root: ConfigSection, context: PluginContext) throws -> Composition {
        /// Runs one independent part: a problem in it is reported (recorded while collecting) and
        /// the rest of the file is still read.
        func attempt<T>(_ body: () throws -> T) throws -> T? {
            do { return try body() } catch let error as DeploymentError {
                try root.report(error)
                return nil
            } catch let errors as DeploymentErrors {
                for error in errors.errors { try root.report(error) }
                return nil
            }
        }
        let storeSection = try root.section("store")
        let store = try attempt { try build(storeSection, from: stores, kind: .store, default: "sqlite", context: context) }

        let sourceSections = try root.list("sources")
        if sourceSections.isEmpty {
            try root.report(DeploymentError(file: root.file, key: "sources", problem: "at least one source is required", allowed: sources.keys.sorted()))
        }
        var builtSources: [any OrderSource] = []
        for section in sourceSections {
            guard let source = try attempt({ try build(section, from: sources, kind: .source, default: nil, context: context) }) else { continue }
            if builtSources.contains(where: { $0.id == source.id }) {
                try root.report(DeploymentError(file: root.file, key: section.keyPath(), problem: "a second source with id `\(source.id)`; each source needs its own checkpoint (give it a distinct `id`)"))
                continue
            }
            builtSources.append(source)
        }

        let settingsSection = try root.section("orderSettings")
        let policySection = try root.section("customerPolicy")
        let creation = try settingsSection.oneOf("customerCreation", ["guest", "build-new-customer-account"], default: "guest")
        if settingsSection.contains("customerCreation") && root.contains("customerPolicy") {
            try root.report(DeploymentError(file: root.file, key: "orderSettings.customerCreation", problem: "set either orderSettings.customerCreation or customerPolicy, not both"))
        }
        let policy = try attempt {
            try build(policySection, from: policies, kind: .customerPolicy, default: creation == "guest" ? "guest" : "create-customer", context: context)
        }

        var builtSinks: [String: any ShipmentSink] = [:]
        var sinkNames: Set<String> = []
        for section in try root.list("sinks") {
            let pluginName = try section.requiredString("plugin")
            let name = try section.string("name") ?? pluginName
            guard sinkNames.insert(name).inserted else {
                try root.report(DeploymentError(file: root.file, key: section.keyPath("name"), problem: "a second sink named `\(name)`; give each sink a distinct `name`"))
                continue
            }
            if let sink = try attempt({ try build(section, from: sinks, kind: .sink, default: nil, context: context) }) { builtSinks[name] = sink }
        }
        var builtNotifiers: [any Notifier] = []
        var notifierNames: [String] = []
        for section in try root.list("notifiers") {
            let pluginName = try section.string("plugin") ?? ""
            let name = try section.string("name") ?? pluginName
            guard !notifierNames.contains(name) else {
                try root.report(DeploymentError(file: root.file, key: section.keyPath("name"), problem: "a second notifier named `\(name)`; give each notifier a distinct `name`"))
                continue
            }
            if let notifier = try attempt({ try build(section, from: notifiers, kind: .notifier, default: nil, context: context) }) {
                builtNotifiers.append(notifier)
                notifierNames.append(name)
            }
        }

        var builtIntakes: [any ChangeIntake] = []
        for section in try root.list("intakes") {
            guard let intake = try attempt({ try build(section, from: intakes, kind: .intake, default: nil, context: context) }) else { continue }
            if builtIntakes.contains(where: { $0.id == intake.id }) {
                try root.report(DeploymentError(file: root.file, key: section.keyPath(), problem: "a second intake with id `\(intake.id)`; two intakes reading one queue would split its notices"))
                continue
            }
            builtIntakes.append(intake)
        }

        let settings = try attempt { try OrderSettings(section: settingsSection, sinkNames: sinkNames.sorted()) }
        let runner = try root.section("runner")
        let retry = RetryPolicy(
            maxAttempts: try runner.int("maxAttempts", default: 8, in: 1...100),
            baseDelay: try runner.double("baseDelaySeconds", default: 1, in: 0.001...3600),
            maxDelay: try runner.double("maxDelaySeconds", default: 300, in: 0.001...86400))
        let tuning = Composition.Tuning(
            pollInterval: try runner.double("pollIntervalSeconds", default: 60, in: 0.01...86400),
            idleInterval: try runner.double("idleIntervalSeconds", default: 1, in: 0.01...3600),
            batchSize: try runner.int("batchSize", default: 16, in: 1...1000),
            lanes: try runner.int("lanes", default: 4, in: 1...64),
            lease: try runner.double("leaseSeconds", default: 30, in: 0.5...86400),
            retentionDays: try runner.double("retentionDays", default: 30, in: 0...36500),
            sourceLease: try runner.double("sourceLeaseSeconds", default: 30, in: 1...3600))

        try root.checkNoUnknownKeys()
        let problems = root.problems
        guard problems.isEmpty, let store, let policy, let settings else {
            throw DeploymentErrors(problems)
        }
        return Composition(
            store: store.store, backend: store.backend, sources: builtSources, customerPolicy: policy,
            sinks: builtSinks, notifiers: builtNotifiers, notifierNames: notifierNames, intakes: builtIntakes, settings: settings, retry: retry, tuning: tuning,
            clock: context.clock)
    }

    /// Builds the store alone (for commands that only read it); nothing else of the file is
    /// built, so no secret is needed.
    public func store(from root: ConfigSection, context: PluginContext) throws -> StorePlugin {
        try build(try root.section("store"), from: stores, kind: .store, default: "sqlite", context: context)
    }

    private func build<Plugin>(
        _ section: ConfigSection, from entries: [String: Entry<Plugin>], kind: PluginKind, default defaultName: String?,
        context: PluginContext
    ) throws -> Plugin {
        let name: String
        if let given = try section.string("plugin") {
            name = given
        } else if let defaultName {
            name = defaultName
        } else {
            throw DeploymentError(file: section.file, key: section.keyPath("plugin"), problem: "is required", allowed: entries.keys.sorted())
        }
        guard let entry = entries[name] else {
            throw DeploymentError(file: section.file, key: section.keyPath("plugin"), problem: "no \(kind.rawValue) plugin is registered as `\(name)`", allowed: entries.keys.sorted())
        }
        _ = try section.string("name")
        return try entry.factory(section, context)
    }
}

extension PluginDescriptor {
    fileprivate func with(kind: PluginKind) -> PluginDescriptor {
        var copy = self
        copy.kind = kind
        return copy
    }
}

extension OrderSettings {
    /// The keys of the `orderSettings` section, for `saleschannel plugins` and the docs.
    public static let keys: [PluginDescriptor.Key] = [
        .init("importAmazonOrders", "enabled | disabled", default: "enabled", "Import Amazon Orders: disabled imports and shows channel orders but creates no commerce orders"),
        .init("customerCreation", "guest | build-new-customer-account", default: "guest", "Customer Creation (shorthand for customerPolicy: guest or create-customer)"),
        .init("orderNumberSource", "commerce-increment | amazon-order-number", default: "commerce-increment", "Order Number Source"),
        .init("orderStatus", "default | custom", default: "default", "Order Status of new merchant-fulfilled commerce orders"),
        .init("processingOrderStatus", "string", "Processing Order Status, required with orderStatus: custom"),
        .init("totalsTolerance", "amount", default: "0", "How far an order's charges may differ from Amazon's grand total and still be booked (beyond it the order is held)"),
    ]

    /// `totalsTolerance`: a non-negative decimal amount, read as a decimal (never through `Double`).
    static func tolerance(_ section: ConfigSection) throws(DeploymentError) -> Decimal {
        guard let text = try section.string("totalsTolerance") else { return 0 }
        guard let money = Money(decimalString: text, currencyCode: "-"), money.amount >= 0 else {
            throw DeploymentError(file: section.file, key: section.keyPath("totalsTolerance"), problem: "`\(text)` is not a decimal amount of 0 or more (for example 0.01)")
        }
        return money.amount
    }

    /// Reads the `orderSettings` section.
    public init(section: ConfigSection, sinkNames: [String]) throws(DeploymentError) {
        let importOrders = try section.oneOf("importAmazonOrders", ["enabled", "disabled"], default: "enabled")
        let statusMode = try section.oneOf("orderStatus", ["default", "custom"], default: "default")
        let custom = try section.string("processingOrderStatus")
        switch (statusMode, custom) {
        case ("custom", nil):
            throw DeploymentError(file: section.file, key: section.keyPath("processingOrderStatus"), problem: "is required when orderStatus is custom")
        case ("default", .some):
            throw DeploymentError(file: section.file, key: section.keyPath("processingOrderStatus"), problem: "applies only with orderStatus: custom")
        default: break
        }
        self.init(
            importAmazonOrders: importOrders == "enabled",
            orderNumberSource: try section.choice("orderNumberSource", default: .commerceIncrement),
            processingOrderStatus: custom.map(CommerceOrderStatus.init(rawValue:)),
            sinkNames: sinkNames,
            totalsTolerance: try Self.tolerance(section))
    }
}
