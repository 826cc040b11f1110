import Foundation
import Logging
import SalesChannel
import SalesChannelTesting
import Testing

/// For any order and any permutation or repetition of its snapshots: at most one commerce order
/// and one handoff, and the outcome never depends on the order the snapshots arrived in.
struct WorkflowPropertyTests {
    /// Every timeline the scripted source produces (MFN and FBA, canceled, buyer cancellation).
    static let timelines: [[ChannelOrder]] = {
        let source = ScriptedOrderSource(count: 300, seed: 99)
        return Dictionary(grouping: source.script, by: \.amazonOrderID).values.map { $0 }
    }()

    @Test func anyPermutationOrRepetitionPlansAtMostOneCommerceOrderAndHandoff() {
        var random = SeededRandom(seed: 2026)
        let settings = OrderSettings(sinkNames: ["erp"])
        var checked = 0
        for timeline in Self.timelines {
            let inOrder = WorkflowTests.replay(timeline, settings: settings)
            for _ in 0..<40 {
                // A random multiset of the timeline's snapshots in random order.
                var shuffled = (0..<(timeline.count + random.next(below: 6))).map { _ in timeline[random.next(below: timeline.count)] }
                shuffled.shuffle(using: &random)
                shuffled.append(timeline.last!)  // the newest eventually arrives
                let (record, effects) = WorkflowTests.replay(shuffled, settings: settings)
                let names = effects.map(\.name)
                #expect(names.filter { $0 == "create-commerce-order" }.count <= 1)
                #expect(names.filter { $0 == "handoff:erp" }.count <= 1)
                #expect(names.filter { $0 == "cancel-commerce-order" }.count <= 1)
                #expect(Set(names).count == names.count, "an effect planned twice: \(names)")
                // Whatever the order, the final status is the newest snapshot's.
                #expect(record?.order.status == inOrder.0?.order.status)
                #expect(record?.visible == inOrder.0?.visible || record == nil)
                checked += 1
            }
        }
        #expect(checked == Self.timelines.count * 40)
    }

    /// The same property end to end: snapshots in random order and with repeats through the sync
    /// and the outbox runner into an in-memory backend and sink.
    @Test func throughTheRunnerEveryOrderGetsOneCommerceOrderAndOneHandoff() async throws {
        var random = SeededRandom(seed: 7)
        let script = ScriptedOrderSource(count: 200, seed: 5).script
        var jumbled = script + (0..<300).map { _ in script[random.next(below: script.count)] }
        jumbled.shuffle(using: &random)
        let source = ReplaySource(snapshots: jumbled)
        let backend = InMemoryCommerceBackend()
        let sink = RecordingShipmentSink()
        let composition = Composition(
            store: InMemoryChannelStore(), backend: backend, sources: [source], customerPolicy: FixedCustomerPolicy(),
            sinks: ["erp": sink], retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.001, maxDelay: 0.01))
        try await composition.runOnce(logger: Logger(label: "test"))

        let records = try await composition.store.records(includeHidden: true)
        let commerce = backend.orders
        #expect(Set(commerce.map(\.amazonOrderID)).count == commerce.count)
        #expect(commerce.count == records.filter { $0.commerceOrderNumber != nil }.count)
        // Every merchant-fulfilled order still open at the end is handed off exactly once; one
        // canceled before its Unshipped snapshot arrived never is; nothing else ever is.
        let handedOff = Set(sink.handoffs.keys)
        let key = { (id: AmazonOrderID) in "\(id)/handoff:erp" }
        let final = source.snapshots.reduce(into: [AmazonOrderID: ChannelOrder]()) { $0[$1.amazonOrderID] = $1 }
        let verified = Set(script.filter { $0.fulfillmentChannel == .merchant && $0.status == .unshipped }.map(\.amazonOrderID))
        let open = verified.filter { id in script.last { $0.amazonOrderID == id }?.status == .unshipped }
        #expect(Set(open.map(key)).isSubset(of: handedOff))
        #expect(handedOff.isSubset(of: Set(verified.map(key))))
        #expect(handedOff.count == records.filter { $0.handoff == .delivered }.count)
        #expect(final.count == Set(script.map(\.amazonOrderID)).count)
        #expect(sink.attempts == sink.handoffs.count + sink.cancellations.count)
    }
}

/// Serves a fixed list of snapshots in pages, in the order given.
struct ReplaySource: OrderSource {
    let id = "replay"
    let snapshots: [ChannelOrder]
    func changes(after checkpoint: SyncCheckpoint?) async throws -> OrderPage {
        let start = checkpoint.flatMap { Int($0.value) } ?? 0
        let end = min(snapshots.count, start + 50)
        return OrderPage(orders: Array(snapshots[start..<end]), checkpoint: SyncCheckpoint(String(end)), hasMore: end < snapshots.count)
    }
    func order(_ id: AmazonOrderID) async throws -> ChannelOrder? { snapshots.last { $0.amazonOrderID == id } }
    func confirmShipment(_ shipment: Shipment, of order: ChannelOrder) async throws {}
}
