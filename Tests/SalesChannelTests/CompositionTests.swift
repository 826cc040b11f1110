import Foundation
import Logging
import SalesChannel
import SalesChannelTesting
import Synchronization
import Testing

struct CompositionTests {
    static func run(notifiers: [any Notifier]) async throws -> (jobs: [OutboxJob], store: InMemoryChannelStore) {
        let store = InMemoryChannelStore()
        let composition = Composition(
            store: store, backend: InMemoryCommerceBackend(), sources: [ScriptedOrderSource(count: 40, seed: 3)],
            customerPolicy: FixedCustomerPolicy(), sinks: ["erp": RecordingShipmentSink()], notifiers: notifiers)
        try await composition.runOnce(logger: Logger(label: "test"))
        return (try await store.jobs(statuses: []), store)
    }

    @Test func notificationsAreEnqueuedOnlyWhenSomeoneListens() async throws {
        let quiet = try await Self.run(notifiers: [])
        #expect(!quiet.jobs.isEmpty)
        #expect(!quiet.jobs.contains { if case .notify = $0.effect { true } else { false } })

        let notifier = RecordingNotifier()
        let heard = try await Self.run(notifiers: [notifier])
        let kinds = Set(notifier.events.map(\.kind))
        #expect(kinds.contains(.orderImported) && kinds.contains(.commerceOrderCreated) && kinds.contains(.canceled))
        #expect(notifier.events.allSatisfy { !$0.message.contains("@") }, "a notification carries an email address")
        #expect(heard.jobs.allSatisfy { $0.status == .done })
    }

    /// A job that fails for good notifies; replayed and failing again, it notifies again.
    @Test func everyFinalFailureNotifiesEvenAfterAReplay() async throws {
        let store = InMemoryChannelStore()
        let sink = RecordingShipmentSink()
        sink.failNext(10_000, permanently: true)
        let notifier = RecordingNotifier()
        let composition = Composition(
            store: store, backend: InMemoryCommerceBackend(), sources: [ScriptedOrderSource(count: 12, seed: 3)],
            customerPolicy: FixedCustomerPolicy(), sinks: ["erp": sink], notifiers: [notifier])
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        try await composition.runOnce(logger: logger)
        let failed = notifier.events.filter { $0.kind == .handoffFailed }.count
        #expect(failed > 0)
        #expect(try await store.replayDeadJobs([], now: Date()) == failed)
        try await composition.runOnce(logger: logger)
        #expect(notifier.events.filter { $0.kind == .handoffFailed }.count == 2 * failed, "the second dead-lettering of each handoff is notified too")
        #expect(try await store.jobs(statuses: [.dead]).count == failed)
    }

    /// One job per notifier: a notifier that fails is retried alone; the others hear each event once.
    @Test func aFailingNotifierIsRetriedAloneAndTheOthersHearEachEventOnce() async throws {
        /// Fails the first delivery of every event, then takes it.
        final class FlakyNotifier: Notifier {
            let seen = Mutex<Set<String>>([])
            let calls = Mutex(0)
            func notify(_ event: MerchantEvent) async throws {
                calls.withLock { $0 += 1 }
                let key = "\(event.amazonOrderID?.rawValue ?? "-")/\(event.kind.rawValue)/\(event.detail ?? "")"
                if seen.withLock({ $0.insert(key).inserted }) { throw TemporaryTestFailure() }
            }
        }
        let store = InMemoryChannelStore()
        let steady = RecordingNotifier()
        let flaky = FlakyNotifier()
        let composition = Composition(
            store: store, backend: InMemoryCommerceBackend(), sources: [ScriptedOrderSource(count: 20, seed: 4)],
            customerPolicy: FixedCustomerPolicy(), sinks: ["erp": RecordingShipmentSink()], notifiers: [steady, flaky],
            notifierNames: ["alerts", "pager"], retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.001, maxDelay: 0.001))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        try await composition.runOnce(logger: logger)
        let jobs = try await store.jobs(statuses: [])
        let alerts = jobs.filter { $0.effect.name.hasSuffix("@alerts") }
        let pager = jobs.filter { $0.effect.name.hasSuffix("@pager") }
        #expect(!alerts.isEmpty && alerts.count == pager.count, "one job per notifier and event")
        #expect(steady.events.count == alerts.count, "the steady notifier heard each event once, not again with every retry of the other")
        #expect(flaky.calls.withLock { $0 } == 2 * pager.count, "each of the flaky notifier's jobs failed once and then ran")
        #expect(jobs.allSatisfy { $0.status == .done })
    }
}
