import AmazonSellingPartner
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import HTTPTypes
import NIOCore
import NIOFoundationCompat

/// A local Selling Partner API: the Login with Amazon token endpoint, Orders v2026-01-01
/// `searchOrders` and `getOrder`, Orders v0 `confirmShipment`, the models' static examples, a
/// seeded scenario of orders moving through their statuses, Amazon's rate limits and injected
/// faults, and `GET /_sandbox/orders`, the ground truth.
///
/// It is how a new user runs SalesChannel with no Amazon account, and what every test talks HTTP to.
public struct AmazonSandbox: Sendable {
    public let configuration: SandboxConfiguration
    let state: SandboxState
    let examples: StaticExamples
    let logger: Logger
    /// Amazon's clock: token expiry, rate limits, the two-minute rule, the scenario's timelines.
    public let clock: WallClock
    /// Publishes `ORDER_CHANGE` notifications to SQS when configured.
    let publisher: NotificationPublisher?

    /// - Parameter clock: the sandbox's time (``WallClock/system``, or a test's ``VirtualTime``).
    public init(configuration: SandboxConfiguration, clock: WallClock = .system, logger: Logger = Logger(label: "saleschannel.sandbox")) throws {
        self.configuration = configuration
        self.clock = clock
        self.state = SandboxState(configuration: configuration, start: configuration.start ?? clock.now())
        self.examples = try StaticExamples.load()
        self.logger = logger
        publisher = try configuration.notifications.map { try NotificationPublisher(settings: $0, http: .shared, logger: logger) }
    }

    /// The examples of an operation in Amazon's models (the sandbox's static ones, and the plain
    /// `examples` answers, which have no parameters): status, response body and parameters.
    public func modelExamples(_ operation: String) -> [(status: Int, response: Data, parameters: [String: String])] {
        examples.examples(for: operation).map { example in
            (example.status, (try? JSONSerialization.data(withJSONObject: example.response)) ?? Data(),
             example.parameters.mapValues { value in (value as? [Any]).map { $0.map { "\($0)" }.joined(separator: ",") } ?? "\(value)" })
        }
    }

    /// Where a running sandbox listens.
    public struct Endpoint: Sendable {
        public var port: Int
        public var baseURL: String { "http://127.0.0.1:\(port)" }
        public var tokenURL: String { baseURL + "/auth/o2/token" }
    }

    /// Runs until cancelled or shut down gracefully; `onStarted` gets the port.
    public func run(onStarted: @escaping @Sendable (Endpoint) async -> Void = { _ in }) async throws {
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "AmazonSandbox"),
            onServerRunning: { channel in await onStarted(Endpoint(port: channel.localAddress?.port ?? 0)) },
            logger: logger)
        guard let publisher else { return try await app.runService(gracefulShutdownSignals: []) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            group.addTask { [state, clock] in await publisher.run(state: state, now: clock.now) }
            // The server ends the run (cancelled or shut down); the publisher stops with it.
            try await group.next()
            group.cancelAll()
        }
    }

    /// Starts a sandbox, runs `body` against it, and stops it.
    public static func withRunning<T: Sendable>(
        _ configuration: SandboxConfiguration, clock: WallClock = .system, _ body: @escaping @Sendable (Endpoint) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "saleschannel.sandbox")
        logger.logLevel = .critical  // stopping by cancellation logs a harmless "already closed"
        let sandbox = try AmazonSandbox(configuration: configuration, clock: clock, logger: logger)
        let (started, continuation) = AsyncStream<Endpoint>.makeStream()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await sandbox.run { continuation.yield($0); continuation.finish() }
                return nil
            }
            var iterator = started.makeAsyncIterator()
            guard let endpoint = await iterator.next() else { throw SandboxError("the sandbox did not start") }
            let result = try await body(endpoint)
            group.cancelAll()
            return result
        }
    }

    // MARK: Routes

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/auth/o2/token") { request, _ in try await self.token(request) }
        router.get("/orders/2026-01-01/orders") { request, _ in
            try await self.api("searchOrders", request) { query, _ in await self.state.search(query, now: self.clock.now()) }
        }
        router.get("/orders/2026-01-01/orders/:orderId") { request, context in
            let id = context.parameters.get("orderId") ?? ""
            return try await self.api("getOrder", request, extra: ["orderId": id]) { query, _ in
                await self.state.getOrder(id, query: query, now: self.clock.now())
            }
        }
        router.post("/orders/v0/orders/:orderId/shipmentConfirmation") { request, context in
            let id = context.parameters.get("orderId") ?? ""
            return try await self.api("confirmShipment", request, extra: ["orderId": id]) { _, body in
                await self.state.confirm(id, body: body, now: self.clock.now())
            }
        }
        // Notifications API v1.
        router.get("/notifications/v1/destinations") { request, _ in
            try await self.api("getDestinations", request) { _, _ in await self.state.getDestinations() }
        }
        router.post("/notifications/v1/destinations") { request, _ in
            try await self.api("createDestination", request) { _, body in await self.state.createDestination(body) }
        }
        router.get("/notifications/v1/destinations/:destinationId") { request, context in
            let id = context.parameters.get("destinationId") ?? ""
            return try await self.api("getDestination", request) { _, _ in await self.state.getDestination(id) }
        }
        router.delete("/notifications/v1/destinations/:destinationId") { request, context in
            let id = context.parameters.get("destinationId") ?? ""
            return try await self.api("deleteDestination", request) { _, _ in await self.state.deleteDestination(id) }
        }
        router.get("/notifications/v1/subscriptions/:notificationType") { request, context in
            let type = context.parameters.get("notificationType") ?? ""
            return try await self.api("getSubscription", request) { query, _ in await self.state.getSubscription(type, query: query) }
        }
        router.post("/notifications/v1/subscriptions/:notificationType") { request, context in
            let type = context.parameters.get("notificationType") ?? ""
            return try await self.api("createSubscription", request) { _, body in await self.state.createSubscription(type, body: body) }
        }
        router.get("/notifications/v1/subscriptions/:notificationType/:subscriptionId") { request, context in
            let (type, id) = (context.parameters.get("notificationType") ?? "", context.parameters.get("subscriptionId") ?? "")
            return try await self.api("getSubscriptionById", request) { _, _ in await self.state.getSubscription(type, id: id) }
        }
        router.delete("/notifications/v1/subscriptions/:notificationType/:subscriptionId") { request, context in
            let (type, id) = (context.parameters.get("notificationType") ?? "", context.parameters.get("subscriptionId") ?? "")
            return try await self.api("deleteSubscriptionById", request) { _, _ in await self.state.deleteSubscription(type, id: id) }
        }
        router.get("/_sandbox/orders") { _, _ in
            Self.response(200, await self.state.groundTruth(now: self.clock.now()))
        }
        router.get("/_sandbox/notifications") { _, _ in
            let log = await self.publisher?.log() ?? []
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var container = encoder.singleValueContainer()
                try container.encode(date.timeIntervalSince1970)
            }
            return Self.response(200, (try? encoder.encode(log)) ?? Data("[]".utf8))
        }
        router.get("/_sandbox/stats") { _, _ in
            let counters = await self.state.counters
            return Self.response(200, (try? JSONSerialization.data(withJSONObject: counters, options: [.sortedKeys])) ?? Data())
        }
        return router
    }

    /// The LWA token endpoint; takes form or JSON bodies, as LWA does.
    func token(_ request: Request) async throws -> Response {
        let data = Data(buffer: try await request.body.collect(upTo: 1 << 16))
        var fields: [String: String] = [:]
        if let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            fields = json.compactMapValues { $0 as? String }
        } else {
            fields = Self.parseQuery(String(decoding: data, as: UTF8.self))
        }
        let (status, body) = await state.issueToken(fields, now: clock.now())
        return Self.response(status, body)
    }

    /// An SP-API operation: authorisation, static examples, faults, limits, then the handler.
    func api(
        _ operation: String, _ request: Request, extra: [String: String] = [:],
        handler: @Sendable ([String: String], Data) async -> (status: Int, body: Data)
    ) async throws -> Response {
        let query = Self.parseQuery(request.uri.query ?? "").merging(extra) { $1 }
        let body = request.method == .post ? Data(buffer: try await request.body.collect(upTo: 1 << 20)) : Data()
        guard await state.isAuthorized(request.headers[HTTPField.Name("x-amz-access-token")!], for: operation, now: clock.now()) else {
            await state.count("unauthorized")
            return Self.response(403, await state.errors("Unauthorized", "Access to requested resource is denied. The access token is missing, invalid or expired."))
        }
        let names = Self.parameterNames(request.uri.query ?? "")
        if let example = examples.match(operation, parameters: query, body: body) {
            let data = example.status == 204 ? Data() : (try? JSONSerialization.data(withJSONObject: example.response)) ?? Data()
            return Self.response(example.status, data, rate: await state.rate(operation))
        }
        switch await state.drawFault() {
        case .http500?: return Self.response(500, await state.errors("InternalFailure", "We encountered an internal error. Please try again."))
        case .http503?: return Self.response(503, await state.errors("ServiceUnavailable", "Service temporarily unavailable. Please try again."))
        case .throttle?: return Self.throttled(await state.errors("QuotaExceeded", "You exceeded your quota for the requested resource."))
        case .forbidden?:
            return Self.response(403, await state.errors("Unauthorized", "Access to requested resource is denied.", details: "The application lacks a role this operation needs."))
        case .slow(let seconds)?: try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        case .drop?:
            // The connection breaks before a response is complete.
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { _ in throw SandboxError("dropped") })
        case .malformed?:
            let (status, data) = await handler(query, body)
            return Self.response(status, data.prefix(max(1, data.count / 2)))
        case nil: break
        }
        guard await state.admit(operation, now: clock.now()) else {
            return Self.throttled(await state.errors("QuotaExceeded", "You exceeded your quota for the requested resource."))
        }
        // Only the operation's own parameters, each once (lists are comma-separated: the
        // models give no `collectionFormat`, so Swagger 2.0's csv applies).
        let allowed = Self.parameters[operation] ?? []
        if let unknown = names.first(where: { !allowed.contains($0) }) {
            return Self.response(400, await state.refusal(.knownValues, "\(operation) has no parameter `\(unknown)`; it takes \(allowed.sorted().joined(separator: ", "))"),
                                 rate: await state.rate(operation))
        }
        if let repeated = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            return Self.response(400, await state.refusal(.knownValues, "`\(repeated)` is given more than once; give a list once, comma-separated"),
                                 rate: await state.rate(operation))
        }
        let (status, data) = await handler(query, body)
        return Self.response(status, data, rate: await state.rate(operation))
    }

    static func response(_ status: Int, _ data: Data, rate: Double? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("x-amzn-RequestId")!] = UUID().uuidString.lowercased()
        if let rate, [200, 204, 400, 404].contains(status) {
            headers[HTTPField.Name("x-amzn-RateLimit-Limit")!] = String(rate)
        }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func throttled(_ data: Data) -> Response {
        var response = response(429, data)
        response.headers[HTTPField.Name("x-amzn-ErrorType")!] = "TooManyRequestsException"
        return response
    }

    /// The query parameters each operation takes (path parameters aside).
    static let parameters: [String: Set<String>] = [
        "searchOrders": ["createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore", "fulfillmentStatuses", "marketplaceIds",
                         "fulfilledBy", "maxResultsPerPage", "paginationToken", "includedData"],
        "getOrder": ["includedData"],
        "confirmShipment": [],
        "getSubscription": ["payloadVersion"], "createSubscription": [], "getSubscriptionById": [], "deleteSubscriptionById": [],
        "getDestinations": [], "createDestination": [], "getDestination": [], "deleteDestination": [],
    ]

    /// The parameter names of a query string, in order, repeats kept.
    static func parameterNames(_ text: String) -> [String] {
        text.split(separator: "&").map { pair in
            let name = String(pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0])
            return name.removingPercentEncoding ?? name
        }
    }

    static func parseQuery(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let key = parts[0].removingPercentEncoding ?? parts[0]
            result[key] = parts.count > 1 ? (parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? parts[1]) : ""
        }
        return result
    }
}
