import Foundation
import Logging
import SalesChannel
import SalesChannelTesting
import Synchronization
import Testing

/// While pushed notices keep a source up to date, its polling slows to a safety net, and it
/// returns to its normal pace once they stop: on a test clock, never sleeping.
@Suite struct PushPacingTests {
    /// A caught-up source that notes the time of each poll.
    final class PolledSource: OrderSource {
        let id = "polled"
        let clock: TestClock
        let polls = Mutex<[Date]>([])
        init(clock: TestClock) { self.clock = clock }
        func changes(after checkpoint: SyncCheckpoint?) async throws -> OrderPage {
            polls.withLock { $0.append(clock.now()) }
            return OrderPage(orders: [], checkpoint: SyncCheckpoint("0"), hasMore: false)
        }
        func order(_ id: AmazonOrderID) async throws -> ChannelOrder? { nil }
        func confirmShipment(_ shipment: Shipment, of order: ChannelOrder) async throws {}
    }

    @Test func pollingSlowsWhileNoticesFlowAndReturnsWhenTheyStop() async throws {
        let clock = TestClock()
        let source = PolledSource(clock: clock)
        let composition = Composition(
            store: InMemoryChannelStore(clock: clock), backend: InMemoryCommerceBackend(), sources: [source],
            customerPolicy: FixedCustomerPolicy(), tuning: .init(pollInterval: 10), clock: clock)
        let start = clock.now()
        let sync = Task { try await OrderSync(source: source, composition: composition, logger: Logger(label: "test")).run() }
        defer { sync.cancel() }
        await clock.untilSomeoneSleeps()
        // A notice at the start: for 100 s the source is polled every 60 s at most.
        composition.pushActivity.noted(source.id, at: clock.now(), slowPollInterval: 60, quietPeriod: 100)
        for _ in 0..<14 {
            await clock.untilSomeoneSleeps()
            guard let next = clock.nextDeadline else { break }
            clock.advance(to: next)
        }
        await clock.untilSomeoneSleeps()
        let offsets = source.polls.withLock { $0 }.map { Int($0.timeIntervalSince(start).rounded()) }
        // 0: the first poll; 60: the safety net while notices flow; 100: the quiet period is
        // over (no notice since 0), so the normal 10 s pace is back.
        #expect(Array(offsets.prefix(5)) == [0, 60, 100, 110, 120], "polls at \(offsets)")
    }
}
