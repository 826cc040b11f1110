import AmazonChannel
import AmazonSandbox
import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import SalesChannel
import SalesChannelHTTP
import ServiceLifecycle
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "The HTTP API, the dashboard, /metrics and health checks over the store (the main job runs elsewhere; `run --http` does both).")

    @OptionGroup var deployment: DeploymentOptions

    @Option(help: "HOST:PORT to listen on (default: the deployment's http.address, else 127.0.0.1:8080; port 0 takes a free one).")
    var address: String?

    func run() async throws {
        let registry = HTTPSide.bootstrapMetrics()
        try deployment.validate()
        let (root, directory) = try deployment.load()
        let settings = try HTTPSide.settings(root, address: address, file: deployment.config)
        if let configuration = try deployment.sandboxConfiguration(root, directory: directory) {
            // The embedded default: refreshing an order asks the same scenario's sandbox.
            try await AmazonSandbox.withRunning(configuration) { endpoint in
                try await self.serve(settings, registry: registry, sandbox: DeploymentOptions.link(configuration, endpoint: endpoint.baseURL))
            }
        } else {
            try await serve(settings, registry: registry, sandbox: nil)
        }
    }

    func serve(_ settings: HTTPSettings, registry: PrometheusCollectorRegistry, sandbox: AmazonSourceFactory.SandboxLink?) async throws {
        try await deployment.withEngine(sandbox: sandbox) { engine in
            let server = try HTTPSide.server(engine: engine, settings: settings, registry: registry, deployment: deployment, syncsSources: false)
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: engine.logger))
            try await group.run()
        }
    }
}

/// What `serve` and `run --http` share.
enum HTTPSide {
    /// Sends swift-metrics to a Prometheus registry that `/metrics` reads. Before anything
    /// builds its metrics: they bind to the factory in force when they are made.
    static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// A registry of its own and the engine's metrics recorded into it (a benchmark, which does
    /// not bootstrap the process's metrics).
    static func prometheus() -> (PrometheusCollectorRegistry, ChannelMetrics) {
        let registry = PrometheusCollectorRegistry()
        return (registry, ChannelMetrics(factory: PrometheusMetricsFactory(registry: registry)))
    }

    /// The deployment's `http:` and `auth:`, with `--address`/`--http` over `http.address`.
    static func settings(_ root: ConfigSection, address: String?, file: String?) throws -> HTTPSettings {
        var settings = try HTTPSettings(root: root)
        if settings.tokens.isEmpty, let file {
            throw DeploymentErrors([DeploymentError(
                file: file, key: "auth.tokens",
                problem: "serving HTTP needs at least one token: add `auth.tokens: [{name: NAME, sha256: HEX, role: operator}]` with the SHA-256 of a token (`printf %s TOKEN | sha256sum`); only the embedded default makes one for the run")])
        }
        if let address {
            guard let parsed = HTTPSettings.address(address) else {
                throw ValidationError("`\(address)` is not HOST:PORT (for example 127.0.0.1:8080)")
            }
            (settings.host, settings.port) = parsed
        }
        return settings
    }

    /// The server as a service; prints where it listens. A deployment file must declare its
    /// tokens; the embedded default gets one operator token for the run, printed once on the
    /// terminal that started it.
    static func server(
        engine: ChannelEngine, settings: HTTPSettings, registry: PrometheusCollectorRegistry, deployment: DeploymentOptions, syncsSources: Bool
    ) throws -> some Service {
        var settings = settings
        let oneTime: String?
        if settings.tokens.isEmpty {
            let (token, value) = APIToken.ephemeral()
            settings.tokens = [token]
            oneTime = value
        } else {
            oneTime = nil
        }
        let (root, _) = try deployment.load()
        let server = SalesChannelServer(
            engine: engine, settings: settings, registry: registry, deployment: (deployment.config ?? "(embedded default)", root.redactedJSON(hiding: ["sha256"])),
            syncsSources: syncsSources)
        return try server.application { address in
            printError("http: listening on \(address) (dashboard \(address)/, API \(address)/api/v1, metrics \(address)/metrics)")
            if let oneTime {
                // On the terminal of the person who started it, never in a log.
                printError("http: the deployment declares no auth.tokens; this run's operator token is \(oneTime)")
            }
        }
    }
}
