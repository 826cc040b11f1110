import Foundation
import Logging
import SalesChannel
import SalesChannelTesting
import Synchronization
import Testing

/// A source that cannot go on stops alone, says why, tells the merchant, and never loops.
struct SourceStopTests {
    struct Revoked: SourceStoppingError {
        var operatorMessage: String { "the seller must re-authorise the application" }
        var eventKind: MerchantEvent.Kind { .authorizationFailed }
    }

    /// One page of orders, then an error that stops it.
    final class StoppingSource: OrderSource {
        let id = "stopping"
        let calls = Mutex(0)
        let orders = ScriptedOrderSource(id: "stopping", count: 5, seed: 9)

        func changes(after checkpoint: SyncCheckpoint?) async throws -> OrderPage {
            calls.withLock { $0 += 1 }
            guard checkpoint == nil else { throw Revoked() }
            return OrderPage(orders: orders.script, checkpoint: SyncCheckpoint("1"), hasMore: true)
        }
        func order(_ id: AmazonOrderID) async throws -> ChannelOrder? { nil }
        func confirmShipment(_ shipment: Shipment, of order: ChannelOrder) async throws {}
    }

    @Test func runOnceStopsThatSourceRunsTheRestAndThenSaysSo() async throws {
        let stopping = StoppingSource()
        let notifier = RecordingNotifier()
        let store = InMemoryChannelStore()
        let composition = Composition(
            store: store, backend: InMemoryCommerceBackend(), sources: [stopping, ScriptedOrderSource(id: "working", count: 30, seed: 4)],
            customerPolicy: FixedCustomerPolicy(), notifiers: [notifier])
        do {
            try await composition.runOnce(logger: Logger(label: "test"))
            Issue.record("runOnce did not report the stopped source")
        } catch let stopped as SourcesStopped {
            #expect(stopped.stops.map(\.sourceID) == ["stopping"])
            #expect(stopped.description.contains("re-authorise"))
        }
        #expect(stopping.calls.withLock { $0 } == 2)
        let event = try #require(notifier.events.first { $0.kind == .authorizationFailed })
        #expect(event.sourceID == "stopping" && event.amazonOrderID == nil && event.message.contains("re-authorise"))
        #expect(composition.statistics.snapshot.stoppedSources == ["stopping": "the seller must re-authorise the application"])
        // The other source and every effect ran: its orders have their commerce orders.
        let records = try await store.records(includeHidden: true)
        #expect(records.contains { $0.sourceID == "working" && $0.commerceOrderNumber != nil })
        #expect(try await store.jobs(statuses: [.pending]).isEmpty)
    }

    @Test func theRunningSyncStopsThatSourceAndWaitsForShutdown() async throws {
        let stopping = StoppingSource()
        let (heard, announce) = AsyncStream<MerchantEvent>.makeStream()
        struct Signal: Notifier {
            let continuation: AsyncStream<MerchantEvent>.Continuation
            func notify(_ event: MerchantEvent) async throws { continuation.yield(event) }
        }
        let composition = Composition(
            store: InMemoryChannelStore(), backend: InMemoryCommerceBackend(), sources: [stopping], customerPolicy: FixedCustomerPolicy(),
            notifiers: [Signal(continuation: announce)], retry: RetryPolicy(maxAttempts: 3, baseDelay: 0, maxDelay: 0))
        let sync = OrderSync(source: stopping, composition: composition, logger: Logger(label: "test"))
        let running = Task { try await sync.run() }
        var events = heard.makeAsyncIterator()
        let event = await events.next()
        #expect(event?.kind == .authorizationFailed && event?.sourceID == "stopping")
        #expect(composition.statistics.snapshot.stoppedSources["stopping"] != nil)
        #expect(composition.statistics.snapshot.errors == 0, "a stop is not an error to retry")
        // It waits for the shutdown instead of asking the source again.
        running.cancel()
        try await running.value
        #expect(stopping.calls.withLock { $0 } == 2)
    }
}
