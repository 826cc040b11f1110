import Foundation
import Logging
import SalesChannel
import SalesChannelTesting
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
}
