import Foundation
import SalesChannel

/// The contract of ``ShipmentSink``: run it against your sink (pointed at a test instance of
/// your ERP) to check that repeated deliveries are harmless.
public struct ShipmentSinkConformance: Sendable {
    public let sink: any ShipmentSink
    /// Counts the deliveries the receiving side holds for a key, when the test can see them.
    public let deliveries: (@Sendable (String) async throws -> Int)?

    public init(sink: any ShipmentSink, deliveries: (@Sendable (String) async throws -> Int)? = nil) {
        self.sink = sink
        self.deliveries = deliveries
    }

    public func run() async throws {
        let check = "a repeated idempotency key is delivered once"
        let record = Self.record()
        let document = HandoffDocument(record: record)
        let key = "\(record.amazonOrderID)/handoff:conformance-\(UUID().uuidString.prefix(8))"
        _ = try await sink.handOff(document, idempotencyKey: key)
        _ = try await sink.handOff(document, idempotencyKey: key)
        if let deliveries {
            let count = try await deliveries(key)
            try require(count == 1, check, "\(count) deliveries held for one key")
        }
        let cancelKey = "\(record.amazonOrderID)/cancel-handoff:conformance-\(UUID().uuidString.prefix(8))"
        try await sink.cancel(document, idempotencyKey: cancelKey)
        try await sink.cancel(document, idempotencyKey: cancelKey)
        if let deliveries {
            let count = try await deliveries(cancelKey)
            try require(count == 1, "a repeated cancellation is delivered once", "\(count) cancellations held for one key")
        }
    }

    static func record() -> OrderRecord {
        let order = ChannelStoreConformance.order("999-\(Int.random(in: 1_000_000...9_999_999))-0000001", .unshipped)
        var record = OrderRecord(order: order, sourceID: "conformance", now: Date())
        record.visible = true
        record.commerceOrderNumber = "000000001"
        record.customer = .guest
        return record
    }
}

/// The contract of ``CustomerPolicy``: idempotent, and one customer per buyer even when many of
/// the buyer's orders are decided at once.
public struct CustomerPolicyConformance: Sendable {
    public let policy: any CustomerPolicy
    public let makeBackend: @Sendable () async throws -> any CommerceBackend

    public init(policy: any CustomerPolicy, makeBackend: @escaping @Sendable () async throws -> any CommerceBackend) {
        self.policy = policy
        self.makeBackend = makeBackend
    }

    public func run() async throws {
        let backend = try await makeBackend()
        let policy = policy
        let orders = (0..<20).map { index in
            var order = ChannelStoreConformance.order("900-000000\(index)-0000001", .unshipped)
            order.buyer = Buyer(name: "Repeat Buyer", email: index % 2 == 0 ? "repeat@marketplace.amazon.com" : "Repeat@Marketplace.Amazon.com ")
            return order
        }
        let assignments = try await withThrowingTaskGroup(of: CustomerAssignment.self) { group in
            for order in orders { group.addTask { try await policy.customer(for: order, in: backend) } }
            return try await group.reduce(into: Set<CustomerAssignment>()) { $0.insert($1) }
        }
        try require(assignments.count == 1, "one buyer, one assignment", "\(assignments.count) different assignments for one buyer")
        let again = try await policy.customer(for: orders[0], in: backend)
        try require(assignments.contains(again), "the policy is idempotent", "a second call answered \(again)")
    }
}

/// The contract of ``OrderSource``: pages continue from their checkpoint, a repeated checkpoint
/// gives the same orders, and the source eventually says it is caught up.
public struct OrderSourceConformance: Sendable {
    public let source: any OrderSource
    public let maxPages: Int

    public init(source: any OrderSource, maxPages: Int = 1_000) {
        self.source = source
        self.maxPages = maxPages
    }

    public func run() async throws {
        var checkpoint: SyncCheckpoint?
        var seen: [AmazonOrderID] = []
        for _ in 0..<maxPages {
            let page = try await source.changes(after: checkpoint)
            let repeated = try await source.changes(after: checkpoint)
            try require(repeated.orders.map(\.amazonOrderID) == page.orders.map(\.amazonOrderID),
                        "a checkpoint can be repeated", "two calls after \(String(describing: checkpoint)) gave different orders")
            seen += page.orders.map(\.amazonOrderID)
            checkpoint = page.checkpoint
            if !page.hasMore {
                try require(!seen.isEmpty || page.orders.isEmpty, "pages", "no orders")
                if let last = seen.last {
                    let fetched = try await source.order(last)
                    try require(fetched?.amazonOrderID == last, "one order by id", "order(\(last)) answered \(String(describing: fetched?.amazonOrderID))")
                }
                return
            }
        }
        throw ConformanceFailure(check: "the source catches up", message: "still more after \(maxPages) pages")
    }
}
