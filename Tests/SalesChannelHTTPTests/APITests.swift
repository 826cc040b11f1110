import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Prometheus
import RequestSigning
import SalesChannel
import SalesChannelHTTP
import SalesChannelTesting
import Testing

/// A server over a real engine (an in-memory store fed by a scripted source), reached over
/// loopback with async-http-client: every endpoint, the auth matrix, and what the engine
/// refuses as RFC 9457 problems.
final class Harness: Sendable {
    static let viewerToken = "viewer-secret-token"
    static let operatorToken = "operator-secret-token"

    let engine: ChannelEngine
    let clock: TestClock
    let sink: RecordingShipmentSink
    let source: ScriptedOrderSource
    let base: String
    let task: Task<Void, any Error>
    let http: HTTPClient

    static func start(orders: Int = 80, failingHandoffs: Int = 0, settings: (inout HTTPSettings) -> Void = { _ in }) async throws -> Harness {
        let clock = TestClock(Date())
        let sink = RecordingShipmentSink()
        sink.failNext(failingHandoffs)
        let source = ScriptedOrderSource(count: orders, seed: 5)
        let registry = PrometheusCollectorRegistry()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let composition = Composition(
            store: InMemoryChannelStore(clock: clock), backend: InMemoryCommerceBackend(), sources: [source], customerPolicy: FixedCustomerPolicy(),
            sinks: ["erp": sink], retry: RetryPolicy(maxAttempts: 1), clock: clock, metrics: ChannelMetrics(factory: PrometheusMetricsFactory(registry: registry)))
        let engine = ChannelEngine(composition, logger: logger)
        try await runOnce(engine, clock: clock)

        var http = HTTPSettings()
        http.port = 0
        http.tokens = [
            APIToken(name: "dashboard-viewer", sha256: SHA256.hash(Array(viewerToken.utf8)), role: .viewer),
            APIToken(name: "warehouse", sha256: SHA256.hash(Array(operatorToken.utf8)), role: .operator),
        ]
        settings(&http)
        let deployment = try ConfigSection.parse(
            "store: { plugin: sqlite, path: x.sqlite }\nsources:\n  - plugin: amazon-mfn\n    clientSecret: ${LWA_CLIENT_SECRET}\n    sellerId: A1SELLER\n"
                + "auth:\n  tokens:\n    - { name: ops, sha256: \(Hex.encode(SHA256.hash(Array(operatorToken.utf8)))), role: operator }\n",
            file: "test.yaml", environment: ["LWA_CLIENT_SECRET": "very-secret"]).redactedJSON(hiding: ["sha256"])
        let server = SalesChannelServer(
            engine: engine, settings: http, registry: registry, deployment: ("test.yaml", deployment), syncsSources: false, logger: logger)
        let (addresses, continuation) = AsyncStream<String>.makeStream()
        let application = try server.application { continuation.yield($0) }
        let task = Task { try await application.runService(gracefulShutdownSignals: []) }
        var iterator = addresses.makeAsyncIterator()
        let base = try #require(await iterator.next())
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        return Harness(engine: engine, clock: clock, sink: sink, source: source, base: base, task: task, http: client)
    }

    init(engine: ChannelEngine, clock: TestClock, sink: RecordingShipmentSink, source: ScriptedOrderSource, base: String, task: Task<Void, any Error>, http: HTTPClient) {
        (self.engine, self.clock, self.sink, self.source, self.base, self.task, self.http) = (engine, clock, sink, source, base, task, http)
    }

    /// One pass of the engine, its waits (retries, polls) taken on the test clock at once.
    static func runOnce(_ engine: ChannelEngine, clock: TestClock) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await engine.runOnce() }
            group.addTask {
                while !Task.isCancelled {
                    if let next = clock.nextDeadline { clock.advance(by: max(0.001, next.timeIntervalSince(clock.now()))) }
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    func runOnce() async throws { try await Self.runOnce(engine, clock: clock) }

    /// Runs `body` with a started harness and stops it after, whatever happens.
    static func with(
        orders: Int = 80, failingHandoffs: Int = 0, settings: (inout HTTPSettings) -> Void = { _ in }, _ body: (Harness) async throws -> Void
    ) async throws {
        let harness = try await start(orders: orders, failingHandoffs: failingHandoffs, settings: settings)
        do {
            try await body(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    func stop() async {
        try? await http.shutdown()
        task.cancel()
        _ = await task.result
    }

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func call(
        _ method: HTTPMethod = .GET, _ path: String, token: String? = nil, json: Any? = nil, form: [String: String]? = nil, cookies: [String: String] = [:],
        headers: [String: String] = [:]
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if !cookies.isEmpty { request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let text = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
            request.body = .bytes(ByteBuffer(string: text))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Data(buffer: body))
    }
}

@Suite struct APITests {
    @Test func everyEndpointAnswersOnlyWithAToken() async throws {
        try await Harness.with { harness in

            for path in ["/api/v1/orders", "/api/v1/orders/x", "/api/v1/jobs?status=dead", "/api/v1/sources", "/api/v1/deployment", "/metrics"] {
                let none = try await harness.call(.GET, path)
                #expect(none.status == 401, "\(path) without a token")
                #expect(none.headers["Content-Type"].first == "application/problem+json", "\(path)")
                #expect(none.headers["WWW-Authenticate"].first?.hasPrefix("Bearer") == true)
                #expect(none.json["status"] as? Int == 401 && none.json["title"] != nil)
                let wrong = try await harness.call(.GET, path, token: "not-declared")
                #expect(wrong.status == 401, "\(path) with an undeclared token")
            }
            for (method, path) in [(HTTPMethod.POST, "/api/v1/orders/x/shipments"), (.POST, "/api/v1/orders/x/refresh"), (.POST, "/api/v1/jobs/1/retry"), (.POST, "/api/v1/jobs/1/replay")] {
                #expect(try await harness.call(method, path).status == 401, "\(path)")
                let viewer = try await harness.call(method, path, token: Harness.viewerToken, json: ["carrier": "UPS", "trackingNumber": "1Z"])
                #expect(viewer.status == 403, "a viewer's \(path): \(viewer.text)")
                #expect(viewer.headers["Content-Type"].first == "application/problem+json")
            }
            // Health answers anyone.
            #expect(try await harness.call(.GET, "/health/live").status == 200)
            #expect(try await harness.call(.GET, "/health/ready").status == 200)
            // The dashboard's pages send a stranger to the login form.
            let page = try await harness.call(.GET, "/orders")
            #expect(page.status == 303 && page.headers["Location"].first == "/login")
        }
    }

    @Test func theOrdersListFiltersAndPagesEachOrderOnce() async throws {
        try await Harness.with(orders: 120) { harness in
            let visible = try await harness.engine.orders(OrderQuery()).orders.map(\.amazonOrderID.rawValue)
            let everything = try await harness.engine.orders(OrderQuery(includeHidden: true)).orders.count
            #expect(visible.count > 20 && everything >= visible.count)

            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await harness.call(.GET, "/api/v1/orders?limit=7" + (cursor.map { "&cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" } ?? ""), token: Harness.viewerToken)
                #expect(page.status == 200, "\(page.text)")
                let orders = try #require(page.json["orders"] as? [[String: Any]])
                #expect(orders.count <= 7)
                seen += orders.compactMap { $0["amazonOrderId"] as? String }
                cursor = page.json["next"] as? String
            } while cursor != nil
            #expect(seen == visible, "pages in purchase order, each visible order once")

            let all = try await harness.call(.GET, "/api/v1/orders?all=true&limit=500", token: Harness.viewerToken)
            #expect((all.json["orders"] as? [Any])?.count == everything)
            let newest = try await harness.call(.GET, "/api/v1/orders?sort=-purchase-date&limit=3", token: Harness.viewerToken)
            #expect((newest.json["orders"] as? [[String: Any]])?.compactMap { $0["amazonOrderId"] as? String } == Array(visible.reversed().prefix(3)))

            let unshipped = try await harness.call(.GET, "/api/v1/orders?amazonStatus=UNSHIPPED&channel=MFN&limit=500", token: Harness.viewerToken)
            let rows = try #require(unshipped.json["orders"] as? [[String: Any]])
            #expect(!rows.isEmpty && rows.allSatisfy { $0["amazonStatus"] as? String == "UNSHIPPED" && $0["fulfillmentChannel"] as? String == "MFN" })
            let one = try #require(visible.last)
            let search = try await harness.call(.GET, "/api/v1/orders?limit=500&q=\(one.split(separator: "-")[1])", token: Harness.viewerToken)
            #expect((search.json["orders"] as? [[String: Any]])?.compactMap { $0["amazonOrderId"] as? String }.contains(one) == true, "\(one): \(search.text.prefix(300))")
            // Buyer data stays out of the API's orders.
            #expect(!all.text.contains("\"buyerName\"") && !all.text.contains("\"email\""))

            for bad in ["limit=0", "limit=501", "cursor=nonsense", "purchasedFrom=yesterday", "hasError=perhaps", "channel=XYZ"] {
                let answer = try await harness.call(.GET, "/api/v1/orders?\(bad)", token: Harness.viewerToken)
                #expect(answer.status == 400, "\(bad): \(answer.status) \(answer.text)")
                #expect(answer.headers["Content-Type"].first == "application/problem+json", "\(bad)")
            }
        }
    }

    @Test func anOrderIsShownShippedAndRefreshed() async throws {
        try await Harness.with { harness in
            let open = try #require(try await harness.engine.orders(OrderQuery()).orders.first { $0.order.fulfillmentChannel == .merchant && $0.order.status == .unshipped && !$0.buyerCancellationFlagged })
            let id = open.amazonOrderID.rawValue

            let detail = try await harness.call(.GET, "/api/v1/orders/\(id)", token: Harness.viewerToken)
            #expect(detail.status == 200)
            #expect((detail.json["order"] as? [String: Any])?["amazonOrderId"] as? String == id)
            #expect(((detail.json["events"] as? [Any])?.count ?? 0) > 0 && ((detail.json["jobs"] as? [Any])?.count ?? 0) > 0)
            #expect(try await harness.call(.GET, "/api/v1/orders/999-0000000-0000000", token: Harness.viewerToken).status == 404)

            // Refused by the workflow: a carrier Amazon does not know, without its name.
            let refused = try await harness.call(.POST, "/api/v1/orders/\(id)/shipments", token: Harness.operatorToken, json: ["carrier": "Other", "trackingNumber": "T-1"])
            #expect(refused.status == 422, "\(refused.text)")
            let unknownKey = try await harness.call(.POST, "/api/v1/orders/\(id)/shipments", token: Harness.operatorToken, json: ["carrier": "UPS", "trackingNumber": "T-1", "colour": "red"])
            #expect(unknownKey.status == 400, "the spec allows no other key: \(unknownKey.text)")

            let huge = try await harness.call(.POST, "/api/v1/orders/\(id)/shipments", token: Harness.viewerToken, json: ["carrier": String(repeating: "x", count: 100_000), "trackingNumber": "1"])
            #expect(huge.status == 413 && huge.headers["Content-Type"].first == "application/problem+json", "a body over 64 KiB is refused before it is read: \(huge.status)")
            let long = try await harness.call(.POST, "/api/v1/orders/\(id)/shipments", token: Harness.operatorToken, json: ["carrier": String(repeating: "x", count: 61), "trackingNumber": "1"])
            #expect(long.status == 400, "the spec's maxLength: \(long.text)")

            let shipped = try await harness.call(.POST, "/api/v1/orders/\(id)/shipments", token: Harness.operatorToken, json: ["carrier": "UPS", "trackingNumber": "1Z999"])
            #expect(shipped.status == 201, "\(shipped.text)")
            #expect(shipped.json["trackingNumber"] as? String == "1Z999" && shipped.json["amazonConfirmation"] as? String == "pending")
            try await harness.runOnce()
            let after = try await harness.call(.GET, "/api/v1/orders/\(id)", token: Harness.viewerToken)
            let shipments = try #require((after.json["order"] as? [String: Any])?["shipments"] as? [[String: Any]])
            #expect(shipments.last?["amazonConfirmation"] as? String == "confirmed")
            let again = try await harness.call(.POST, "/api/v1/orders/\(id)/shipments", token: Harness.operatorToken, json: ["carrier": "UPS", "trackingNumber": "1Z998"])
            #expect(again.status == 422, "nothing left to ship: \(again.text)")

            let refreshed = try await harness.call(.POST, "/api/v1/orders/\(id)/refresh", token: Harness.operatorToken)
            #expect(refreshed.status == 200 && refreshed.json["outcome"] as? String == "stored", "\(refreshed.text)")
            #expect(try await harness.call(.POST, "/api/v1/orders/999-0000000-0000000/refresh", token: Harness.operatorToken).status == 404)
        }
    }

    @Test func deadJobsAreListedRetriedAndReplayed() async throws {
        try await Harness.with(failingHandoffs: 3) { harness in
            let dead = try await harness.call(.GET, "/api/v1/jobs?status=dead", token: Harness.viewerToken)
            let jobs = try #require(dead.json["jobs"] as? [[String: Any]])
            #expect(jobs.count == 3 && jobs.allSatisfy { $0["status"] as? String == "dead" && $0["lastError"] is String })
            let id = try #require(jobs.first?["id"] as? Int)
            #expect(try await harness.call(.GET, "/api/v1/jobs?status=nonsense", token: Harness.viewerToken).status == 400)
            #expect(try await harness.call(.GET, "/api/v1/jobs", token: Harness.viewerToken).status == 400, "status is required")

            let retried = try await harness.call(.POST, "/api/v1/jobs/\(id)/retry", token: Harness.operatorToken)
            #expect(retried.status == 200 && retried.json["status"] as? String == "pending", "\(retried.text)")
            let twice = try await harness.call(.POST, "/api/v1/jobs/\(id)/retry", token: Harness.operatorToken)
            #expect(twice.status == 409 && twice.headers["Content-Type"].first == "application/problem+json")
            #expect(try await harness.call(.POST, "/api/v1/jobs/99999999/retry", token: Harness.operatorToken).status == 404)
            let early = try await harness.call(.POST, "/api/v1/jobs/\(id)/replay", token: Harness.operatorToken)
            #expect(early.status == 409, "a pending job is not replayed: \(early.text)")

            try await harness.runOnce()
            let replayed = try await harness.call(.POST, "/api/v1/jobs/\(id)/replay", token: Harness.operatorToken)
            #expect(replayed.status == 200, "\(replayed.text)")
            #expect(replayed.json["generation"] as? Int == 2 && (replayed.json["id"] as? Int ?? 0) > id)
        }
    }

    @Test func sourcesDeploymentAndMetrics() async throws {
        try await Harness.with { harness in
            let sources = try await harness.call(.GET, "/api/v1/sources", token: Harness.viewerToken)
            let source = try #require((sources.json["sources"] as? [[String: Any]])?.first)
            #expect(source["id"] as? String == "scripted" && source["checkpoint"] is String)
            #expect(source["lastSyncAt"] is String, "the run above committed pages in this process")

            let deployment = try await harness.call(.GET, "/api/v1/deployment", token: Harness.viewerToken)
            #expect(deployment.status == 200 && deployment.json["file"] as? String == "test.yaml")
            #expect(!deployment.text.contains("very-secret") && deployment.text.contains("<redacted>"), "\(deployment.text)")
            #expect(!deployment.text.contains(Hex.encode(SHA256.hash(Array(Harness.operatorToken.utf8)))), "a viewer never sees a token's hash")
            #expect(deployment.text.contains("\"ops\""), "the token's name is shown")

            let metrics = try await harness.call(.GET, "/metrics", token: Harness.viewerToken)
            #expect(metrics.status == 200 && metrics.headers["Content-Type"].first?.hasPrefix("text/plain") == true)
            for name in ["saleschannel_effects_total", "saleschannel_sync_pages_total", "saleschannel_outbox_jobs", "saleschannel_orders", "saleschannel_order_snapshots_total"] {
                #expect(metrics.text.contains("\n\(name){") || metrics.text.hasPrefix("\(name){") || metrics.text.contains("# TYPE \(name) "), "\(name) is exported")
            }
        }
    }

    @Test func readinessFailsWhenARunnableJobWaitsTooLong() async throws {
        try await Harness.with(settings: { $0.readyOldestJob = 60 }) { harness in
            let open = try #require(try await harness.engine.orders(OrderQuery()).orders.first { $0.order.fulfillmentChannel == .merchant && $0.order.status == .unshipped && !$0.buyerCancellationFlagged })
            try await harness.engine.recordShipment(ShipmentRequest(amazonOrderID: open.amazonOrderID, carrierCode: "UPS", trackingNumber: "1Z1"))
            #expect(try await harness.call(.GET, "/health/ready").status == 200)
            harness.clock.advance(by: 61)
            let late = try await harness.call(.GET, "/health/ready")
            #expect(late.status == 503, "\(late.text)")
            let checks = try #require(late.json["checks"] as? [[String: Any]])
            #expect(checks.contains { $0["name"] as? String == "jobs" && $0["ok"] as? Bool == false })
            try await harness.runOnce()
            #expect(try await harness.call(.GET, "/health/ready").status == 200, "the job ran")
        }
    }
}
