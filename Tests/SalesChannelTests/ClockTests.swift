import Foundation
import Logging
import SalesChannel
import SalesChannelTesting
import Synchronization
import Testing

/// Time logic on a test clock: retries at their backoff, dead letters after the last attempt,
/// leases taken over when they lapse, and `run --once` waiting for what is due. Nothing sleeps.
struct ClockTests {
    static func composition(
        clock: TestClock, sink: RecordingShipmentSink, orders: Int = 8, lanes: Int = 4, baseDelay: Double = 60, maxDelay: Double = 600
    ) -> Composition {
        Composition(
            store: InMemoryChannelStore(clock: clock), backend: InMemoryCommerceBackend(), sources: [ScriptedOrderSource(count: orders, seed: 5)],
            customerPolicy: FixedCustomerPolicy(), sinks: ["erp": sink],
            retry: RetryPolicy(maxAttempts: 3, baseDelay: baseDelay, maxDelay: maxDelay), tuning: Composition.Tuning(lanes: lanes), clock: clock)
    }

    static var quiet: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    /// Runs `body` on the test clock, moved to whatever sleeps on it (`TestClock.driving`).
    static func driving(_ clock: TestClock, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await clock.driving(body)
    }

    static func runUntilIdle(_ runner: EffectRunner) async throws {
        while try await runner.runBatch() > 0 {}
    }

    @Test func failuresAreRetriedAtTheirBackoffAndDeadLetteredAfterTheLastAttempt() async throws {
        let clock = TestClock()
        let start = clock.now()
        let sink = RecordingShipmentSink()
        sink.failNext(1_000)
        let composition = Self.composition(clock: clock, sink: sink)
        let engine = ChannelEngine(composition, logger: Self.quiet)
        while try await engine.syncPage(source: "scripted") {}
        let runner = EffectRunner(composition: composition, logger: Self.quiet)
        try await Self.runUntilIdle(runner)

        let handoffs = { try await engine.jobs(statuses: []).filter { $0.effect == .handOff(sink: "erp") } }
        var waiting = try await handoffs()
        #expect(!waiting.isEmpty && waiting.allSatisfy { $0.status == .pending && $0.attempts == 1 })
        // Full jitter on the test clock's time: due within the first delay (60 s), never before now.
        #expect(waiting.allSatisfy { $0.nextAttemptAt >= start && $0.nextAttemptAt <= start.addingTimeInterval(60) })
        let attempts = sink.attempts

        var made = attempts
        for attempt in 2...3 {
            // Before the first is due nothing runs, however often the runner looks.
            let first = try #require(waiting.map(\.nextAttemptAt).min())
            if first > clock.now().addingTimeInterval(0.01) {
                clock.advance(to: first.addingTimeInterval(-0.005))
                try await Self.runUntilIdle(runner)
                #expect(sink.attempts == made, "a retry ran before it was due")
            }
            clock.advance(to: try #require(waiting.map(\.nextAttemptAt).max()))
            try await Self.runUntilIdle(runner)
            waiting = try await handoffs()
            made = sink.attempts
            #expect(waiting.allSatisfy { $0.attempts == attempt }, "attempt \(attempt)")
        }
        #expect(waiting.allSatisfy { $0.status == .dead }, "dead-lettered after the third attempt")
        #expect(sink.handoffs.isEmpty)
        #expect(clock.now().timeIntervalSince(start) < 2 * 600, "the test clock, not the wall clock, timed the retries")
    }

    @Test func aLapsedLeaseIsTakenOverOnlyWhenItHasRunOut() async throws {
        let clock = TestClock()
        let sink = RecordingShipmentSink()
        let composition = Self.composition(clock: clock, sink: sink, orders: 3)
        let engine = ChannelEngine(composition, logger: Self.quiet)
        while try await engine.syncPage(source: "scripted") {}
        let store = composition.store
        // A runner claims everything and stalls (a paused process): nothing is claimable until its lease runs out.
        let stalled = try await store.claimJobs(limit: 100, now: clock.now(), lease: composition.tuning.lease)
        #expect(!stalled.isEmpty)
        clock.advance(by: composition.tuning.lease - 1)
        #expect(try await store.claimJobs(limit: 100, now: clock.now(), lease: composition.tuning.lease).isEmpty)
        clock.advance(by: 2)
        let taken = try await store.claimJobs(limit: 100, now: clock.now(), lease: composition.tuning.lease)
        #expect(Set(taken.map(\.id)) == Set(stalled.map(\.id)))
    }

    @Test func runOnceWaitsOnTheClockForTheNextRetry() async throws {
        let clock = TestClock()
        let start = clock.now()
        let sink = RecordingShipmentSink()
        sink.failNext(3)
        // One lane: while another lane is busy the drain only glances, and says nothing.
        // Retries hours away: while a batch runs, its heartbeat (every 10 s of the clock) moves
        // time too, and must not make them due before the runner has said it waits.
        let composition = Self.composition(clock: clock, sink: sink, orders: 4, lanes: 1, baseDelay: 3600, maxDelay: 36_000)
        let waits = Mutex<[DrainWait]>([])
        try await Self.driving(clock) {
            try await composition.runOnce(logger: Self.quiet) { wait in waits.withLock { $0.append(wait) } }
        }
        #expect(try await composition.store.jobs(statuses: [.pending, .dead]).isEmpty, "every job done after its retries")
        #expect(sink.handoffs.count > 0)
        let told = waits.withLock { $0 }
        #expect(!told.isEmpty, "run --once said it was waiting for a retry (attempts \(sink.attempts), handoffs \(sink.handoffs.count), clock moved \(clock.now().timeIntervalSince(start)) s)")
        #expect(told.allSatisfy { $0.until > start && $0.until <= start.addingTimeInterval(3 * 36_000) }, "waits are in the clock's time")
    }

    @Test func runOncePrunesFinishedJobsOfFinalOrdersAfterTheRetention() async throws {
        let clock = TestClock()
        let sink = RecordingShipmentSink()
        var configured = Self.composition(clock: clock, sink: sink, orders: 40, lanes: 1)
        configured.tuning.retentionDays = 2
        let composition = configured
        let run = { try await Self.driving(clock) { try await composition.runOnce(logger: Self.quiet) } }
        try await run()
        let before = try await composition.store.jobs(statuses: [])
        let ordersBefore = try await composition.store.records(includeHidden: true).count
        #expect(!before.isEmpty && before.allSatisfy { $0.status == .done })
        clock.advance(by: 86_400)
        try await run()
        #expect(try await composition.store.jobs(statuses: []).count == before.count, "kept within the retention")
        clock.advance(by: 2 * 86_400)
        try await run()
        let after = try await composition.store.jobs(statuses: [])
        let records = try await composition.store.records(includeHidden: true)
        let final = Set(records.filter { [.shipped, .canceled, .unfulfillable].contains($0.order.status) }.map(\.amazonOrderID))
        #expect(!final.isEmpty && after.count < before.count)
        #expect(after.allSatisfy { !final.contains($0.amazonOrderID) }, "every final order's jobs pruned")
        #expect(Set(after.map(\.amazonOrderID)) == Set(before.map(\.amazonOrderID)).subtracting(final), "open orders keep theirs")
        #expect(records.count == ordersBefore, "every order stays")
    }
}
