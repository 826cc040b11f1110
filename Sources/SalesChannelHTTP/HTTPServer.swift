import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime
import Prometheus
import SalesChannel
import ServiceLifecycle

/// The HTTP side of a deployment: the API under `/api/v1` (generated from docs/openapi.yaml),
/// the dashboard under `/`, `/metrics` and the health checks. A Hummingbird application, run as
/// a `Service` beside the engine (`saleschannel run --http`) or alone (`saleschannel serve`).
public struct SalesChannelServer: Sendable {
    public let engine: ChannelEngine
    public let settings: HTTPSettings
    /// Where `/metrics` reads from: the registry of the `PrometheusMetricsFactory` the engine's
    /// metrics go to.
    public let registry: PrometheusCollectorRegistry
    /// The deployment file's name and its settings as ``ConfigSection/redactedJSON()`` shows them.
    public let deployment: (file: String, settings: Data)
    /// Whether this process syncs the sources (`run --http`): then readiness also asks that
    /// each source synced recently.
    public let syncsSources: Bool
    public var logger: Logger

    public init(
        engine: ChannelEngine, settings: HTTPSettings, registry: PrometheusCollectorRegistry, deployment: (file: String, settings: Data),
        syncsSources: Bool, logger: Logger = Logger(label: "saleschannel.http")
    ) {
        self.engine = engine
        self.settings = settings
        self.registry = registry
        self.deployment = deployment
        self.syncsSources = syncsSources
        self.logger = logger
    }

    /// The application; `onListening` gets the address it listens on (`http://HOST:PORT`).
    public func application(onListening: @escaping @Sendable (String) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let router = try makeRouter()
        let host = settings.host
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: settings.port), serverName: "saleschannel"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                await onListening("http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
            },
            logger: logger)
    }

    func makeRouter() throws -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        let problems = ProblemMiddleware<APIRequestContext>(logger: logger)
        let tokens = TokenBook(tokens: settings.tokens)
        let sessions = DashboardSessions(lifetime: settings.sessionLifetime, clock: engine.composition.clock)
        router.add(middleware: problems)

        // Health answers anyone: orchestrators probe without credentials.
        let health = Health(engine: engine, settings: settings, syncsSources: syncsSources)
        router.get("/health/live") { _, _ in health.live() }
        router.get("/health/ready") { _, _ in try await health.ready() }

        // The API: bearer tokens.
        let api = router.group("/api/v1")
            .add(middleware: BearerTokenAuthenticator(tokens: tokens))
            .add(middleware: RequireCaller())
            .add(middleware: BodyLimit(bytes: 64 * 1024))
        try APIHandler(engine: engine, deployment: deployment)
            .registerHandlers(on: api, serverURL: URL(string: "/")!, configuration: Configuration(dateTranscoder: RFC3339Dates()))

        router.group("/metrics")
            .add(middleware: BearerTokenAuthenticator(tokens: tokens))
            .add(middleware: RequireCaller())
            .get { _, _ in
                // The gauges (jobs by status, orders, oldest job) are set from a fresh look.
                _ = try? await engine.statistics()
                var headers = HTTPFields()
                headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
            }

        Dashboard(engine: engine, tokens: tokens, sessions: sessions, secureCookies: settings.secureCookies, logger: logger)
            .register(on: router)
        return router
    }
}

/// `/health/live` and `/health/ready`.
struct Health: Sendable {
    let engine: ChannelEngine
    let settings: HTTPSettings
    let syncsSources: Bool

    func live() -> Response { json(.ok, ["status": "live"]) }

    /// Ready when the store answers, no runnable job has waited longer than the threshold, and
    /// (in a process that syncs) every source committed a page within `syncIntervals` of its
    /// poll interval. 503 otherwise, with each check's verdict.
    func ready() async throws -> Response {
        var checks: [[String: Any]] = []
        var ready = true
        func check(_ name: String, _ passed: Bool, _ detail: String) {
            checks.append(["name": name, "ok": passed, "detail": detail])
            if !passed { ready = false }
        }
        let now = engine.composition.clock.now()
        do {
            let figures = try await engine.statistics()
            check("store", true, "answers")
            if let oldest = figures.store.oldestPendingJob {
                let age = now.timeIntervalSince(oldest)
                check("jobs", age <= settings.readyOldestJob, "oldest runnable job waited \(Int(age)) s (threshold \(Int(settings.readyOldestJob)) s)")
            } else {
                check("jobs", true, "no runnable job waiting")
            }
            // Anyone may ask: the verdicts say how many, never which source or why (the
            // dashboard's Sources page and GET /api/v1/sources do, with a token).
            let interval = engine.composition.tuning.pollInterval
            let limit = interval * settings.readySyncIntervals
            if syncsSources, !engine.composition.sources.isEmpty {
                let sources = engine.composition.sources.map(\.id)
                let stopped = sources.filter { figures.run.stoppedSources[$0] != nil }.count
                let late = sources.filter { id in
                    figures.run.stoppedSources[id] == nil && (figures.run.lastPageAt[id].map { now.timeIntervalSince($0) > limit } ?? true)
                }.count
                check("sources", stopped == 0 && late == 0,
                      "\(sources.count - stopped - late) of \(sources.count) synced within \(Int(limit)) s; \(late) late, \(stopped) stopped")
            }
        } catch {
            check("store", false, "does not answer")
        }
        return json(ready ? .ok : .serviceUnavailable, ["status": ready ? "ready" : "not-ready", "checks": checks])
    }

    func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
