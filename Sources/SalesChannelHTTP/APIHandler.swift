import Foundation
import HTTPTypes
import OpenAPIRuntime
import SalesChannel

/// The operations of docs/openapi.yaml over the engine. The generated code decodes and checks
/// each request against the spec; what the engine refuses is thrown as a ``Problem``.
///
/// Orders, jobs and sources are written as the CLI's JSON (``OrderView``) and decoded into the
/// generated types, so `orders --json` and the API cannot drift apart, and anything outside
/// the spec fails here rather than reaching a client.
struct APIHandler: APIProtocol {
    let engine: ChannelEngine
    let deployment: (file: String, settings: Data)

    // MARK: Orders

    /// The lengths the spec states, which the generated code does not check.
    static func bounded(_ value: String?, _ maximum: Int, _ name: String) throws(Problem) {
        if let value, value.count > maximum { throw Problem.badRequest("\(name) may be at most \(maximum) characters") }
    }

    func listOrders(_ input: Operations.ListOrders.Input) async throws -> Operations.ListOrders.Output {
        let parameters = input.query
        try Self.bounded(parameters.q, 100, "q")
        try Self.bounded(parameters.cursor, 200, "cursor")
        try Self.bounded(parameters.marketplace, 20, "marketplace")
        try Self.bounded(parameters.amazonStatus, 40, "amazonStatus")
        try Self.bounded(parameters.commerceStatus, 40, "commerceStatus")
        var query = OrderQuery(includeHidden: parameters.all ?? false)
        query.fulfillmentChannel = parameters.channel.flatMap { FulfillmentChannel(rawValue: $0.rawValue) }
        query.amazonStatus = parameters.amazonStatus.map(AmazonOrderStatus.init(rawValue:))
        query.commerceStatus = parameters.commerceStatus.map(CommerceOrderStatus.init(rawValue:))
        query.marketplace = parameters.marketplace.map { MarketplaceID($0) }
        query.purchasedFrom = parameters.purchasedFrom
        query.purchasedBefore = parameters.purchasedBefore
        query.hasError = parameters.hasError
        query.text = parameters.q
        query.sort = parameters.sort?.rawValue == "-purchase-date" ? .purchaseDateDescending : .purchaseDateAscending
        let limit = parameters.limit ?? 50
        guard (1...500).contains(limit) else { throw Problem.badRequest("limit must be from 1 to 500") }
        query.limit = limit
        query.cursor = parameters.cursor
        let listing = try await engine.orders(query)
        let orders: [Components.Schemas.Order] = try listing.orders.map { try Self.convert(OrderView($0)) }
        return .ok(.init(body: .json(.init(orders: orders, next: listing.nextCursor))))
    }

    func getOrder(_ input: Operations.GetOrder.Input) async throws -> Operations.GetOrder.Output {
        try Self.bounded(input.path.id, 40, "the order id")
        let id = AmazonOrderID(input.path.id)
        guard let detail = try await engine.order(id) else { throw Problem.notFound("no order \(id) is stored") }
        return .ok(.init(body: .json(.init(
            order: try Self.convert(OrderView(detail.record)),
            events: try detail.events.map { try Self.convert(json: ["at": Self.time($0.at), "kind": $0.kind.rawValue, "message": $0.message]) },
            jobs: try detail.jobs.map(Self.job)))))
    }

    func recordShipment(_ input: Operations.RecordShipment.Input) async throws -> Operations.RecordShipment.Output {
        try Caller.require(.operator)
        guard case .json(let body) = input.body else { throw Problem.badRequest("the body must be JSON") }
        try Self.bounded(input.path.id, 40, "the order id")
        for (field, name) in [(body.carrier, "carrier"), (body.carrierName, "carrierName"), (body.shippingMethod, "shippingMethod"), (body.trackingNumber, "trackingNumber")] {
            try Self.bounded(field, 60, name)
        }
        if let quantities = body.items?.additionalProperties, quantities.values.contains(where: { !(1...10_000).contains($0) }) {
            throw Problem.badRequest("each item's quantity must be from 1 to 10000")
        }
        let id = AmazonOrderID(input.path.id)
        let items = (body.items?.additionalProperties ?? [:]).sorted { $0.key < $1.key }.map { ShipmentItem(orderItemID: OrderItemID($0.key), quantity: $0.value) }
        let shipment = try await engine.recordShipment(ShipmentRequest(
            amazonOrderID: id, carrierCode: body.carrier, carrierName: body.carrierName, trackingNumber: body.trackingNumber,
            shippingMethod: body.shippingMethod, shipDate: body.shipDate, items: items,
            overridingCancellationRequest: body.overrideCancellationRequest ?? false))
        guard let record = try await engine.order(id)?.record, let view = OrderView(record).shipments.last(where: { $0.shipmentId == shipment.id.rawValue }) else {
            throw Problem.notFound("order \(id) is no longer stored")
        }
        return .created(.init(body: .json(try Self.convert(view))))
    }

    func refreshOrder(_ input: Operations.RefreshOrder.Input) async throws -> Operations.RefreshOrder.Output {
        try Caller.require(.operator)
        try Self.bounded(input.path.id, 40, "the order id")
        let outcome: RefreshOutcome
        do {
            outcome = try await engine.refresh(AmazonOrderID(input.path.id))
        } catch let error where Problem.from(error) == nil {
            // The channel's own failure (unreachable, refused, throttled): its type, never its text.
            throw Problem(.badGateway, detail: "Amazon could not be asked for the order (\(type(of: error)))")
        }
        switch outcome {
        case .stored(let record, _):
            return .ok(.init(body: .json(try Self.convert(json: ["outcome": "stored", "order": Self.object(OrderView(record))]))))
        case .waitingForAmazonShipment(let status):
            return .ok(.init(body: .json(try Self.convert(json: ["outcome": "waiting-for-amazon-shipment", "amazonStatus": status.rawValue]))))
        }
    }

    // MARK: Jobs

    func listJobs(_ input: Operations.ListJobs.Input) async throws -> Operations.ListJobs.Output {
        let limit = input.query.limit ?? 100
        guard (1...1000).contains(limit) else { throw Problem.badRequest("limit must be from 1 to 1000") }
        let jobs: [OutboxJob]
        switch input.query.status.rawValue {
        case "dead": jobs = try await engine.jobs(statuses: [.dead])
        case "failed": jobs = try await engine.jobs(statuses: [.pending]).filter { $0.lastError != nil }
        default: jobs = try await engine.jobs(statuses: [.pending])
        }
        return .ok(.init(body: .json(.init(jobs: try jobs.prefix(limit).map(Self.job)))))
    }

    func retryJob(_ input: Operations.RetryJob.Input) async throws -> Operations.RetryJob.Output {
        try Caller.require(.operator)
        let job = try await job(input.path.id)
        guard job.status == .dead else { throw Problem(.conflict, detail: "job \(job.id) is \(job.status.rawValue), not dead-lettered; only a dead-lettered job is retried") }
        try await engine.retry([job.id])
        return .ok(.init(body: .json(try Self.job(try await self.job(job.id)))))
    }

    func replayJob(_ input: Operations.ReplayJob.Input) async throws -> Operations.ReplayJob.Output {
        try Caller.require(.operator)
        let replayed = try await engine.replay([input.path.id])
        guard let job = replayed.first else { throw Problem(.conflict, detail: "job \(input.path.id) was not replayed") }
        return .ok(.init(body: .json(try Self.job(job))))
    }

    func job(_ id: Int64) async throws -> OutboxJob {
        guard let job = try await engine.jobs(statuses: []).first(where: { $0.id == id }) else { throw Problem.notFound("no job \(id)") }
        return job
    }

    // MARK: Sources and deployment

    func listSources(_ input: Operations.ListSources.Input) async throws -> Operations.ListSources.Output {
        let sources: [Components.Schemas.Source] = try await engine.sourceReports().map { report in
            let usage = report.usage ?? SourceUsage()
            let search = usage.budgets.first { $0.name.hasPrefix("searchOrders") }
            var budget: [String: Any] = ["calls": usage.apiCalls, "throttled": usage.throttled, "waitedSeconds": usage.secondsWaitingOnRateLimits]
            budget["searchOrdersLastHour"] = search?.callsLastHour ?? NSNull()
            budget["searchOrdersSustainedPerHour"] = search?.sustainedPerHour ?? NSNull()
            return try Self.convert(json: [
                "id": report.id, "checkpoint": report.checkpoint ?? NSNull(), "lastSyncAt": report.lastPageAt.map(Self.time) ?? NSNull(),
                "stopped": report.stopped ?? NSNull(), "budget": budget,
                "push": ["flowing": report.pushFlowing, "lastNoticeAt": report.lastNoticeAt.map(Self.time) ?? NSNull()] as [String: Any],
            ])
        }
        return .ok(.init(body: .json(.init(sources: sources))))
    }

    func getDeployment(_ input: Operations.GetDeployment.Input) async throws -> Operations.GetDeployment.Output {
        let settings = (try? JSONSerialization.jsonObject(with: deployment.settings)) ?? [String: Any]()
        return .ok(.init(body: .json(try Self.convert(json: ["file": deployment.file, "settings": settings]))))
    }

    // MARK: Conversion

    static func job(_ job: OutboxJob) throws -> Components.Schemas.Job {
        try convert(json: [
            "id": job.id, "amazonOrderId": job.amazonOrderID.rawValue, "effect": job.effect.name, "idempotencyKey": job.idempotencyKey,
            "generation": job.generation, "status": job.status.rawValue, "attempts": job.attempts, "nextAttemptAt": time(job.nextAttemptAt),
            "lastError": job.lastError ?? NSNull(), "createdAt": time(job.createdAt), "updatedAt": time(job.updatedAt),
        ])
    }

    static func time(_ date: Date) -> String { date.formatted(.iso8601) }

    static func object(_ value: some Encodable) throws -> Any {
        try JSONSerialization.jsonObject(with: try encoder.encode(value))
    }

    /// An Encodable (the CLI's JSON) as the generated type with the same JSON.
    static func convert<T: Decodable>(_ value: some Encodable) throws -> T {
        try decoder.decode(T.self, from: try encoder.encode(value))
    }

    static func convert<T: Decodable>(json object: [String: Any]) throws -> T {
        try decoder.decode(T.self, from: try JSONSerialization.data(withJSONObject: object))
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// Dates as RFC 3339 allows them in a request (with or without fractions of a second, any
/// offset); written without fractions, in UTC.
struct RFC3339Dates: DateTranscoder {
    func encode(_ date: Date) throws -> String { date.formatted(.iso8601) }

    func decode(_ text: String) throws -> Date {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not an RFC 3339 date-time"))
    }
}
