import Foundation
import Metrics
import Synchronization

/// SalesChannel's metrics, through swift-metrics (whatever backend the host bootstrapped, such
/// as swift-prometheus). They are recorded where ``RunStatistics`` counts, so `/metrics`, the
/// progress line and `run --once`'s summary show the same figures.
///
/// | metric | dimensions | what |
/// |---|---|---|
/// | `saleschannel_order_snapshots_total` | `channel`, `status` | order snapshots committed by the sync |
/// | `saleschannel_sync_pages_total` | `source` | pages committed |
/// | `saleschannel_sync_last_page_timestamp_seconds` | `source` | when the source last committed a page (lag: now minus this) |
/// | `saleschannel_effects_total` | `kind`, `result` (`done`, `failed`, `dead`) | effects run |
/// | `saleschannel_effect_duration_seconds` | `kind` | how long an effect took |
/// | `saleschannel_store_errors_total` | | store errors the runner rode out |
/// | `saleschannel_leases_lost_total` | | results dropped for a lease another runner took over |
/// | `saleschannel_outbox_jobs` | `status` (`pending`, `running`, `dead`) | jobs in the outbox |
/// | `saleschannel_outbox_oldest_pending_age_seconds` | | age of the oldest job waiting to run |
/// | `saleschannel_orders` | `kind` (`all`, `visible`, `commerce`, `shipped`, `canceled`, `quarantined`) | orders in the store |
/// | `saleschannel_api_calls_total` | `source`, `operation` | calls to the channel's API (SP-API) |
/// | `saleschannel_api_throttled_total` | `source`, `operation` | calls the channel answered 429 |
/// | `saleschannel_api_retries_total` | `source`, `operation` | calls tried again (429, 5xx, timeouts) |
/// | `saleschannel_rate_limit_wait_seconds_total` | `source` | time spent waiting on rate limits (the sources of one seller and region share a limiter, and each reports its waits) |
public final class ChannelMetrics: Sendable {
    let factory: any MetricsFactory
    private let usageSeen = Mutex<[String: SourceUsage]>([:])

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    func snapshot(channel: String, status: String) {
        Counter(label: "saleschannel_order_snapshots_total", dimensions: [("channel", channel), ("status", status)], factory: factory).increment()
    }

    func page(source: String, at date: Date) {
        Counter(label: "saleschannel_sync_pages_total", dimensions: [("source", source)], factory: factory).increment()
        Gauge(label: "saleschannel_sync_last_page_timestamp_seconds", dimensions: [("source", source)], factory: factory)
            .record(date.timeIntervalSince1970)
    }

    func effect(kind: String, result: String, seconds: Double) {
        Counter(label: "saleschannel_effects_total", dimensions: [("kind", kind), ("result", result)], factory: factory).increment()
        Timer(label: "saleschannel_effect_duration_seconds", dimensions: [("kind", kind)], factory: factory)
            .recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    func storeError() { Counter(label: "saleschannel_store_errors_total", factory: factory).increment() }
    func leaseLost() { Counter(label: "saleschannel_leases_lost_total", factory: factory).increment() }

    /// Sets the gauges of the store's counts and adds what the sources spent since last time.
    func record(_ store: StoreStatistics, usage: [String: SourceUsage], now: Date) {
        // `jobsPending` counts the running ones too.
        for (status, count) in [("pending", max(0, store.jobsPending - store.jobsRunning)), ("running", store.jobsRunning), ("dead", store.jobsDead)] {
            Gauge(label: "saleschannel_outbox_jobs", dimensions: [("status", status)], factory: factory).record(count)
        }
        Gauge(label: "saleschannel_outbox_oldest_pending_age_seconds", factory: factory)
            .record(store.oldestPendingJob.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        for (kind, count) in [("all", store.orders), ("visible", store.visibleOrders), ("commerce", store.commerceOrders),
                              ("shipped", store.shippedOrders), ("canceled", store.canceledOrders), ("quarantined", store.quarantined)] {
            Gauge(label: "saleschannel_orders", dimensions: [("kind", kind)], factory: factory).record(count)
        }
        // Deltas against what was counted so far, taken under the lock: two readers (the
        // progress line, the refresher) never count the same calls twice, and a snapshot older
        // than the last one adds nothing.
        var increments: [(label: String, dimensions: [(String, String)], by: Int)] = []
        var waits: [(source: String, seconds: Double)] = []
        usageSeen.withLock { seen in
            for (source, spent) in usage {
                var counted = seen[source] ?? SourceUsage()
                for (operation, now) in spent.operations {
                    var then = counted.operations[operation] ?? SourceUsage.OperationUsage()
                    let labels = [("source", source), ("operation", operation)]
                    for (label, delta) in [("saleschannel_api_calls_total", now.calls - then.calls),
                                           ("saleschannel_api_throttled_total", now.throttled - then.throttled),
                                           ("saleschannel_api_retries_total", now.retries - then.retries)] where delta > 0 {
                        increments.append((label, labels, delta))
                    }
                    then.calls = max(then.calls, now.calls)
                    then.throttled = max(then.throttled, now.throttled)
                    then.retries = max(then.retries, now.retries)
                    counted.operations[operation] = then
                }
                let waited = spent.secondsWaitingOnRateLimits - counted.secondsWaitingOnRateLimits
                if waited > 0 {
                    waits.append((source, waited))
                    counted.secondsWaitingOnRateLimits = spent.secondsWaitingOnRateLimits
                }
                seen[source] = counted
            }
        }
        for increment in increments {
            Counter(label: increment.label, dimensions: increment.dimensions, factory: factory).increment(by: increment.by)
        }
        for wait in waits {
            FloatingPointCounter(label: "saleschannel_rate_limit_wait_seconds_total", dimensions: [("source", wait.source)], factory: factory)
                .increment(by: wait.seconds)
        }
    }
}
