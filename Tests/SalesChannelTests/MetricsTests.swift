import Foundation
import Logging
import Metrics
import MetricsTestKit
import SalesChannel
import SalesChannelTesting
import Testing

/// The metrics are the figures the progress line and the summary show: recorded at the same
/// places, so they agree.
struct MetricsTests {
    @Test func metricsAgreeWithTheRunsCountersAndTheStore() async throws {
        let metrics = TestMetrics()
        let sink = RecordingShipmentSink()
        sink.failNext(5)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let composition = Composition(
            store: InMemoryChannelStore(), backend: InMemoryCommerceBackend(), sources: [ScriptedOrderSource(count: 60, seed: 9)],
            customerPolicy: FixedCustomerPolicy(), sinks: ["erp": sink],
            retry: RetryPolicy(maxAttempts: 1), metrics: ChannelMetrics(factory: metrics))
        let engine = ChannelEngine(composition, logger: logger)
        try await engine.runOnce()
        let figures = try await engine.statistics()
        let counters = figures.run

        func total(_ label: String, _ dimensions: [(String, String)]) -> Int64 {
            (try? metrics.expectCounter(label, dimensions).totalValue) ?? 0
        }
        let kinds = ["assign-customer", "create-commerce-order", "handoff", "cancel-handoff", "cancel-commerce-order",
                     "commerce-shipment", "complete-commerce-order", "confirm-shipment", "notify"]
        let done = kinds.map { total("saleschannel_effects_total", [("kind", $0), ("result", "done")]) }.reduce(0, +)
        #expect(done == Int64(counters.effectsRun) && done > 0)
        #expect(total("saleschannel_effects_total", [("kind", "handoff"), ("result", "done")]) == Int64(counters.handoffs))
        #expect(total("saleschannel_effects_total", [("kind", "create-commerce-order"), ("result", "done")]) == Int64(counters.commerceOrdersCreated))
        let dead = kinds.map { total("saleschannel_effects_total", [("kind", $0), ("result", "dead")]) }.reduce(0, +)
        #expect(dead == Int64(counters.deadLettered) && dead == 5, "maxAttempts 1: each of the 5 failures is dead-lettered")
        #expect(try metrics.expectTimer("saleschannel_effect_duration_seconds", [("kind", "handoff")]).values.count == counters.handoffs + 5)

        var snapshots: Int64 = 0
        for channel in ["MFN", "AFN"] {
            for status in AmazonOrderStatus.allKnown.map(\.rawValue) {
                snapshots += total("saleschannel_order_snapshots_total", [("channel", channel), ("status", status)])
            }
        }
        #expect(snapshots == Int64(counters.ordersSeen))
        #expect(total("saleschannel_sync_pages_total", [("source", "scripted")]) == Int64(counters.pages))

        let gauge = { (label: String, dimensions: [(String, String)]) in try metrics.expectGauge(label, dimensions).lastValue }
        #expect(try gauge("saleschannel_outbox_jobs", [("status", "dead")]) == Double(figures.store.jobsDead))
        #expect(try gauge("saleschannel_outbox_jobs", [("status", "pending")]) == Double(figures.store.jobsPending - figures.store.jobsRunning))
        #expect(try gauge("saleschannel_orders", [("kind", "commerce")]) == Double(figures.store.commerceOrders))
        #expect(try gauge("saleschannel_orders", [("kind", "all")]) == Double(figures.store.orders))
    }
}
