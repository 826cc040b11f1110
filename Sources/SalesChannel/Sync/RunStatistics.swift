import Foundation
import Synchronization

/// Counters of what a running process has done, for its progress line and summary.
public final class RunStatistics: Sendable {
    private let state = Mutex(Counters())
    /// The same figures as swift-metrics metrics.
    public let metrics: ChannelMetrics

    public init(metrics: ChannelMetrics = ChannelMetrics()) { self.metrics = metrics }

    /// A store error the runner rode out.
    func storeError() {
        update { $0.storeErrors += 1 }
        metrics.storeError()
    }

    /// A result dropped because another runner had taken the job over.
    func leaseLost() {
        update { $0.leasesLost += 1 }
        metrics.leaseLost()
    }

    public struct Counters: Hashable, Sendable {
        public var ordersSeen = 0
        public var pages = 0
        public var apiCalls = 0
        public var quarantined = 0
        public var effectsRun = 0
        public var commerceOrdersCreated = 0
        public var handoffs = 0
        public var shipmentsConfirmed = 0
        public var cancellations = 0
        public var errors = 0
        public var deadLettered = 0
        /// Errors of the store itself (not of effects) that the runner rode out.
        public var storeErrors = 0
        /// Results dropped because another runner had taken the job over (fencing).
        public var leasesLost = 0
        /// Sources that stopped, with the reason a person must act on.
        public var stoppedSources: [String: String] = [:]
        /// What is under way right now, by kind (`sync <source>`, `handoff`, `confirm-shipment`, …),
        /// for the line shown while stopping.
        public var inFlight: [String: Int] = [:]
        /// When each source last committed a page in this run (health checks, `GET /sources`).
        public var lastPageAt: [String: Date] = [:]
    }

    public var snapshot: Counters { state.withLock { $0 } }

    func update(_ body: (inout Counters) -> Void) { state.withLock { body(&$0) } }

    /// Counts one more `kind` under way in ``Counters/inFlight``, until ``finished(_:)``.
    func started(_ kind: String) { update { $0.inFlight[kind, default: 0] += 1 } }

    func finished(_ kind: String) {
        update { counters in
            counters.inFlight[kind, default: 1] -= 1
            if counters.inFlight[kind] == 0 { counters.inFlight[kind] = nil }
        }
    }
}
