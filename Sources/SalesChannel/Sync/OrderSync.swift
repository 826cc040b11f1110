import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Pulls pages of changed orders from one ``OrderSource`` after its stored checkpoint, applies
/// the ``Workflow`` and commits records, effects and the new checkpoint in one transaction.
///
/// The checkpoint only moves past orders that are stored: a crash at any point repeats at most
/// the page in flight, and the workflow ignores snapshots it has already seen.
public struct OrderSync: Sendable {
    public let source: any OrderSource
    public let composition: Composition
    public let logger: Logger

    public init(source: any OrderSource, composition: Composition, logger: Logger) {
        self.source = source
        self.composition = composition
        self.logger = logger
    }

    /// Pulls and commits one page. - Returns: whether the source has more ready now.
    public func syncPage() async throws -> Bool {
        let store = composition.store
        let settings = composition.settings
        let sourceID = source.id
        let composition = self.composition
        composition.statistics.started("sync \(sourceID)")
        defer { composition.statistics.finished("sync \(sourceID)") }
        let checkpoint = try await checkpoint()
        let page = try await source.changes(after: checkpoint)
        let summary = try await store.commit(page, from: sourceID) { stored, snapshot in
            composition.shaped(Workflow.apply(snapshot: snapshot, to: stored, sourceID: sourceID, settings: settings, now: composition.clock.now()))
        }
        if summary.effects > 0 { composition.outboxWake.signal() }
        let metrics = composition.statistics.metrics
        for order in page.orders { metrics.snapshot(channel: order.fulfillmentChannel.rawValue, status: order.status.rawValue) }
        let committedAt = composition.clock.now()
        metrics.page(source: sourceID, at: committedAt)
        composition.statistics.update {
            $0.lastPageAt[sourceID] = committedAt
            $0.pages += 1
            $0.apiCalls += page.apiCalls
            $0.ordersSeen += page.orders.count
            $0.quarantined += page.quarantined.count
        }
        for bad in page.quarantined {
            logger.warning("quarantined an order it could not read", metadata: [
                "source": "\(sourceID)", "order": "\(bad.amazonOrderID?.rawValue ?? "?")", "reason": "\(bad.reason)",
            ])
        }
        logger.debug("page committed", metadata: [
            "source": "\(sourceID)", "orders": "\(page.orders.count)", "inserted": "\(summary.inserted)",
            "updated": "\(summary.updated)", "effects": "\(summary.effects)",
        ])
        return page.hasMore
    }

    /// The source's checkpoint; for a source whose id changed (a release that named sources
    /// differently), the one stored under a former id it answers to, taken over with the next
    /// page it commits.
    /// - Throws: ``AmbiguousCheckpoint`` when several former ids could be it.
    public func checkpoint() async throws -> SyncCheckpoint? {
        if let own = try await composition.store.checkpoint(for: source.id) { return own }
        // Never the checkpoint of another configured source (one whose own id it is).
        let configured = Set(composition.sources.map(\.id))
        let former = try await composition.store.sources().filter {
            !configured.contains($0.id) && $0.checkpoint != nil && source.answers(to: $0.id)
        }
        guard former.count <= 1 else { throw AmbiguousCheckpoint(sourceID: source.id, candidates: former.map(\.id)) }
        if let adopted = former.first {
            logger.notice("taking over the checkpoint stored under the source's former id", metadata: ["source": "\(source.id)", "former": "\(adopted.id)"])
        }
        return former.first?.checkpoint
    }

    /// Syncs until the source says it is caught up.
    public func catchUp() async throws {
        while try await syncPage() {}
    }

    /// Syncs until caught up, renewing the source's lease meanwhile where workers share the
    /// store (call ``awaitLease()`` first); stops early, leaving the rest to the new holder,
    /// when the lease is lost.
    public func catchUpHoldingLease() async throws {
        guard let coordination = composition.store.coordination else { return try await catchUp() }
        let lease = SourceLease(sourceID: source.id, worker: composition.worker, coordination: coordination,
                                ttl: composition.tuning.sourceLease, clock: composition.clock, logger: logger, held: true)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await lease.keep() }
            group.addTask {
                while lease.isHeld, try await syncPage() {}
                if !lease.isHeld { logger.notice("the source's lease was lost; its new holder goes on", metadata: ["source": "\(source.id)"]) }
            }
            // The sync ends first; the renewals stop with it.
            try await group.next()
            group.cancelAll()
        }
    }

    /// Polls for ever, until graceful shutdown; errors are logged and retried with backoff. A
    /// ``SourceStoppingError`` stops this source for the rest of the run (see its contract).
    ///
    /// Where several workers share the store (``WorkCoordination``), only the one holding the
    /// source's lease syncs it; the others stand by and take over within a lease period of its
    /// holder's death.
    public func run() async throws {
        guard let coordination = composition.store.coordination else { return try await poll(lease: nil) }
        let lease = SourceLease(sourceID: source.id, worker: composition.worker, coordination: coordination,
                                ttl: composition.tuning.sourceLease, clock: composition.clock, logger: logger)
        await lease.renew()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await lease.keep() }
            group.addTask { try await poll(lease: lease) }
            // Both end at graceful shutdown; a page under way is finished first.
            try await group.waitForAll()
        }
    }

    private func poll(lease: SourceLease?) async throws {
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let lease, !lease.isHeld {
                await pause(seconds: min(composition.tuning.pollInterval, lease.ttl / 3), on: composition.clock)
                continue
            }
            let wait: Double
            do {
                let polled = composition.clock.now()
                if try await syncPage() {
                    wait = 0
                } else {
                    await waitForNextPoll(since: polled)
                    wait = 0
                }
                failures = 0
            } catch let error as any SourceStoppingError {
                await composition.stop(source.id, because: error, logger: logger)
                // Stay until shutdown: a service that returns would end the whole group.
                try? await gracefulShutdown()
                return
            } catch {
                failures += 1
                composition.statistics.update { $0.errors += 1 }
                wait = composition.retry.delay(afterAttempt: failures, unit: Double.random(in: 0.5..<1))
                logger.error("sync failed; retrying", metadata: [
                    "source": "\(source.id)", "error": "\(error)", "retryIn": "\(wait)s",
                ])
            }
            if wait > 0 { await pause(seconds: wait, on: composition.clock) }
        }
    }

    /// Waits the poll interval. While pushed notices keep this source up to date
    /// (``PushActivity``), waits until the slower safety-net interval has passed since the last
    /// poll began, looking again after each normal interval, so that polling returns to its
    /// normal pace within one interval of the notices stopping.
    private func waitForNextPoll(since polled: Date) async {
        let clock = composition.clock
        repeat {
            await pause(seconds: composition.tuning.pollInterval, on: clock)
            guard let slow = composition.pushActivity.slowPollInterval(for: source.id, now: clock.now()) else { return }
            if clock.now() >= polled.addingTimeInterval(slow) { return }
        } while !Task.isShuttingDownGracefully && !Task.isCancelled
    }

    /// For one pass (`run --once`) where workers share the store: takes the source's lease,
    /// waiting up to a lease period (and a second) for a holder that died to lose it.
    /// - Returns: whether this worker holds it; `false` when a live peer keeps it (that peer
    ///   syncs the source). Always `true` without coordination.
    public func awaitLease() async throws -> Bool {
        guard let coordination = composition.store.coordination else { return true }
        let ttl = composition.tuning.sourceLease
        let deadline = composition.clock.now().addingTimeInterval(ttl + 1)
        var told = false
        while true {
            if try await coordination.leaseSource(source.id, for: composition.worker, ttl: ttl) { return true }
            guard composition.clock.now() < deadline, !Task.isCancelled else {
                logger.notice("another worker syncs this source; this pass leaves it to that worker", metadata: ["source": "\(source.id)"])
                return false
            }
            if !told {
                logger.notice("waiting for another worker's lease on this source to be released or to run out", metadata: [
                    "source": "\(source.id)", "atMostSeconds": "\(Int(ttl + 1))",
                ])
                told = true
            }
            try await composition.clock.sleep(seconds: 1)
        }
    }

    /// This sync as a ServiceLifecycle service.
    public var service: Service { Service(name: "sync \(source.id)", body: run) }

    /// A named long-running part of a ``Composition``.
    public struct Service: ServiceLifecycle.Service, CustomStringConvertible {
        public let name: String
        let body: @Sendable () async throws -> Void
        public func run() async throws { try await body() }
        public var description: String { name }
    }
}

/// Sleeps on `clock`, returning early on graceful shutdown or cancellation.
func pause(seconds: Double, on clock: any SalesChannelClock) async {
    try? await cancelWhenGracefulShutdown {
        try await clock.sleep(seconds: seconds)
    }
}

/// A source could continue from the checkpoints of several former ids (its marketplace list was
/// changed more than once under a release that named sources by it); which one is a person's call.
public struct AmbiguousCheckpoint: SourceStoppingError, CustomStringConvertible {
    public var sourceID: String
    public var candidates: [String]
    public var operatorMessage: String {
        "source `\(sourceID)` could continue from the checkpoints of \(candidates.map { "`\($0)`" }.joined(separator: ", ")); "
            + "set `id:` on the source to the one it should continue"
    }
    public var eventKind: MerchantEvent.Kind { .sourceStopped }
    public var description: String { operatorMessage }
}

/// A worker's hold on one source's lease, renewed every third of its length while the sync runs.
final class SourceLease: Sendable {
    let sourceID: String
    let worker: WorkerIdentity
    let coordination: any WorkCoordination
    let ttl: Double
    let clock: any SalesChannelClock
    let logger: Logger
    /// Until when (by this process's clock) the lease is surely held: the last successful
    /// renewal's sending time plus most of the lease, so that a renewal that hangs past the
    /// lease's end never leaves this worker syncing a source another has taken.
    private let heldUntil: Mutex<Date?>

    init(
        sourceID: String, worker: WorkerIdentity, coordination: any WorkCoordination, ttl: Double, clock: any SalesChannelClock, logger: Logger,
        held: Bool = false
    ) {
        self.sourceID = sourceID
        self.worker = worker
        self.coordination = coordination
        self.ttl = ttl
        self.clock = clock
        self.logger = logger
        heldUntil = Mutex(held ? clock.now().addingTimeInterval(ttl * 5 / 6) : nil)
    }

    var isHeld: Bool { heldUntil.withLock { $0.map { clock.now() < $0 } ?? false } }

    /// Renews (or waits to take) the lease until graceful shutdown; a renewal that fails counts
    /// as not holding it, so two workers never both think they sync the source.
    func keep() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await pause(seconds: ttl / 3, on: clock)
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { return }
            await renew()
        }
    }

    /// Takes or renews the lease once.
    func renew() async {
        let now: Bool
        let sent = clock.now()
        do {
            now = try await coordination.leaseSource(sourceID, for: worker, ttl: ttl)
        } catch {
            now = false
            logger.warning("could not renew the lease on this source; not syncing it until renewed", metadata: [
                "source": "\(sourceID)", "error": "\(error)",
            ])
        }
        let before = isHeld
        heldUntil.withLock { $0 = now ? sent.addingTimeInterval(ttl * 5 / 6) : nil }
        if now != before {
            logger.notice(now ? "this worker syncs the source" : "another worker syncs the source; standing by", metadata: ["source": "\(sourceID)"])
        }
    }
}
