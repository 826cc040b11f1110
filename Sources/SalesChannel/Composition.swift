import Foundation
import Logging

/// A set of plugins wired together: the store, the commerce backend, the order sources, the
/// customer policy, the sinks and the notifiers, with the order settings.
///
/// Host apps build one in code; `saleschannel run` builds one from a deployment file through
/// the ``PluginRegistry``. Its ``services(logger:)`` run under a `ServiceGroup`.
public struct Composition: Sendable {
    public var store: any ChannelStore
    public var backend: any CommerceBackend
    public var sources: [any OrderSource]
    public var customerPolicy: any CustomerPolicy
    /// Sinks by name; every merchant-fulfilled order is handed to each of them.
    public var sinks: [String: any ShipmentSink]
    public var notifiers: [any Notifier]
    /// Pushed change notices (SQS), run beside the sources' polling.
    public var intakes: [any ChangeIntake]
    /// The notifiers' names, in the same order: a notification is one job per name.
    public var notifierNames: [String]
    public var settings: OrderSettings
    public var retry: RetryPolicy
    public var tuning: Tuning
    /// Counters shared by the sync and the runner, for progress lines.
    public let statistics: RunStatistics
    /// Which sources pushed notices keep up to date, for the polling's pace.
    public let pushActivity = PushActivity()
    /// Wakes the idle outbox runner when this process stored new jobs.
    public let outboxWake = OutboxWake()
    /// The time every part reads and waits on (``SystemClock`` unless a test gives another).
    public var clock: any SalesChannelClock
    /// This process among those sharing the store (see ``WorkCoordination``).
    public var worker: WorkerIdentity = .current()

    public init(
        store: any ChannelStore, backend: any CommerceBackend, sources: [any OrderSource],
        customerPolicy: any CustomerPolicy, sinks: [String: any ShipmentSink] = [:], notifiers: [any Notifier] = [],
        notifierNames: [String] = [], intakes: [any ChangeIntake] = [],
        settings: OrderSettings = OrderSettings(), retry: RetryPolicy = RetryPolicy(), tuning: Tuning = Tuning(),
        clock: any SalesChannelClock = SystemClock(), metrics: ChannelMetrics = ChannelMetrics()
    ) {
        self.clock = clock
        // Unnamed notifiers are named by position (`notifier-1`, …); name them to keep their
        // pending notifications when the list is reordered.
        var names: [String] = []
        for index in notifiers.indices {
            let given = index < notifierNames.count ? notifierNames[index] : "notifier-\(index + 1)"
            // Two notifiers of one name would share their jobs' keys, and one would hear nothing.
            var name = given
            var suffix = 2
            while names.contains(name) { name = "\(given)-\(suffix)"; suffix += 1 }
            names.append(name)
        }
        self.notifierNames = names
        self.store = store
        self.backend = backend
        self.sources = sources
        self.customerPolicy = customerPolicy
        self.sinks = sinks
        self.notifiers = notifiers
        self.intakes = intakes
        var settings = settings
        if settings.sinkNames.isEmpty { settings.sinkNames = sinks.keys.sorted() }
        self.settings = settings
        self.retry = retry
        self.tuning = tuning
        self.statistics = RunStatistics(metrics: metrics)
    }

    /// Timings of the long-running parts.
    public struct Tuning: Hashable, Sendable {
        /// Seconds between polls of a caught-up source.
        public var pollInterval: Double
        /// Seconds the runner waits when no job is due.
        public var idleInterval: Double
        /// Jobs claimed at once, and run concurrently.
        public var batchSize: Int
        /// Batches in flight at once: while one batch's effects run, the next is claimed and
        /// started, so the store and the plugins are kept busy together.
        public var lanes: Int
        /// Seconds a claimed job stays claimed without a heartbeat; after a crash, its jobs are
        /// taken up again this long after they were last renewed.
        public var lease: Double
        /// Days a finished job is kept once its order is final (shipped or canceled, nothing
        /// left to run); 0 keeps every job for ever.
        public var retentionDays: Double
        /// Seconds a worker's lease on a source (and its listing among the workers) lasts
        /// without renewal, where several processes share the store: a worker that dies hands
        /// its sources over this long after its last renewal.
        public var sourceLease: Double

        public init(
            pollInterval: Double = 60, idleInterval: Double = 1, batchSize: Int = 16, lanes: Int = 4, lease: Double = 30,
            retentionDays: Double = 30, sourceLease: Double = 30
        ) {
            self.sourceLease = sourceLease
            self.retentionDays = retentionDays
            self.pollInterval = pollInterval
            self.idleInterval = idleInterval
            self.batchSize = batchSize
            self.lanes = max(1, lanes)
            self.lease = lease
        }
    }

    /// The source that owns work stored under `sourceID`: the one of that id, else the one that
    /// answers to it (an id an earlier release gave it).
    public func source(for sourceID: String) -> (any OrderSource)? {
        sources.first { $0.id == sourceID } ?? sources.first { $0.answers(to: sourceID) }
    }

    func sink(named name: String) throws -> any ShipmentSink {
        guard let sink = sinks[name] else {
            throw ExecutionError("no sink named `\(name)` is configured; configured: \(sinks.keys.sorted().joined(separator: ", "))", permanent: true)
        }
        return sink
    }

    /// The long-running services: one ``OrderSync`` per source and one ``EffectRunner``.
    public func services(logger: Logger) -> [OrderSync.Service] {
        sources.map { OrderSync(source: $0, composition: self, logger: logger).service } + [
            EffectRunner(composition: self, logger: logger).service
        ]
    }

    /// A decision as this composition stores it: notifications are only enqueued when there is
    /// a notifier to deliver them (otherwise they would be outbox jobs that do nothing).
    public func shaped(_ decision: WorkflowDecision) -> WorkflowDecision {
        var decision = decision
        decision.effects = decision.effects.flatMap { effect -> [Effect] in
            guard case .notify(let kind, let detail, nil) = effect else { return [effect] }
            return notifierNames.map { .notify(kind, detail: detail, notifier: $0) }
        }
        return decision
    }

    /// What each source that reports it has spent, by source id.
    public func usageBySource() async -> [String: SourceUsage] {
        var usage: [String: SourceUsage] = [:]
        for source in sources {
            if let reporting = source as? any ReportsUsage { usage[source.id] = await reporting.usage() }
        }
        return usage
    }

    /// What the sources have spent, summed over those that report it.
    public func sourceUsage() async -> SourceUsage {
        var total = SourceUsage()
        for case let source as any ReportsUsage in sources {
            let usage = await source.usage()
            total.apiCalls += usage.apiCalls
            total.throttled += usage.throttled
            total.secondsWaitingOnRateLimits += usage.secondsWaitingOnRateLimits
            for budget in usage.budgets where !total.budgets.contains(where: { $0.name == budget.name }) {
                total.budgets.append(budget)
            }
        }
        return total
    }

    /// One full pass: every source until caught up, then every due effect until none is left
    /// (waiting for retries that are scheduled). Dead-lettered jobs stay for `jobs retry`.
    /// - Throws: ``SourcesStopped`` after all that, when a source had to stop (see
    ///   ``SourceStoppingError``); the other sources and the effects ran regardless.
    public func runOnce(logger: Logger, waiting: @escaping @Sendable (DrainWait) -> Void = { _ in }) async throws {
        var stops: [(sourceID: String, message: String)] = []
        for source in sources {
            do {
                let sync = OrderSync(source: source, composition: self, logger: logger)
                // Where workers share the store, the source's lease first: a peer that holds
                // it syncs it; one that died hands it over within a lease period.
                guard try await sync.awaitLease() else { continue }
                try await sync.catchUpHoldingLease()
            } catch let error as any SourceStoppingError {
                await stop(source.id, because: error, logger: logger)
                stops.append((source.id, error.operatorMessage))
            }
        }
        let runner = EffectRunner(composition: self, logger: logger)
        try await runner.drain(waiting: waiting)
        await runner.prune()
        if let coordination = store.coordination { try? await coordination.retire(worker) }
        if !stops.isEmpty { throw SourcesStopped(stops: stops) }
    }
}
