import AmazonSellingPartner
import Foundation
import SalesChannel
import Synchronization

/// Amazon's `searchOrders` budget for one seller in one region, shared by every source of that
/// seller (MFN and FBA, every marketplace), and how they spend it.
///
/// The bucket is Amazon's (0.0056 requests/s, about 20 an hour, burst 20). The plan:
/// - **Polling first.** Each source starts a new polling window at most once per
///   ``pollInterval`` (its fair share of ``pollShare`` of the sustained rate); the pages of a
///   window wait for tokens like any call.
/// - **Sweeps from the slack.** A reconciliation sweep takes a page only when the bucket holds
///   more than ``reserve`` tokens (one per source, kept for their next polls), and never waits.
/// - Calls are counted for the progress line: calls in the last hour against the sustained rate.
public final class SearchBudget: Sendable {
    public let limiter: RateLimiter
    /// The rate-limit bucket key (`seller/region`).
    public let key: String
    /// The share of the sustained rate planned for polling windows; the rest is for pages a
    /// backlog needs beyond the first, and for sweeps.
    public let pollShare: Double
    private let clock: WallClock
    private let state = Mutex(State())

    struct State {
        var sources: Set<String> = []
        var lastPoll: [String: Date] = [:]
        var calls: [Date] = []
    }

    public init(limiter: RateLimiter, key: String, pollShare: Double = 0.75, clock: WallClock = .system) {
        self.limiter = limiter
        self.key = key
        self.pollShare = pollShare
        self.clock = clock
    }

    /// A source that spends this budget (its share of polling is planned from now on).
    public func register(_ sourceID: String) {
        state.withLock { _ = $0.sources.insert(sourceID) }
    }

    /// Sources sharing the budget.
    public var sourceCount: Int { state.withLock { max(1, $0.sources.count) } }

    /// Tokens kept in the bucket for the sources' next polls: a sweep never takes them.
    public var reserve: Double { Double(sourceCount) }

    /// The sustained rate in force, in calls per second of the clock (documented or reported by
    /// Amazon, times a sandbox's time scale).
    public func sustainedRate() async -> Double {
        await limiter.rate("searchOrders", key: key)
    }

    /// Seconds between the starts of one source's polling windows: the sources share
    /// ``pollShare`` of the sustained rate equally, and never poll more than once a second
    /// (without limits, a source would otherwise poll again before its sweep got a turn).
    public func pollInterval() async -> TimeInterval {
        let rate = await sustainedRate()
        guard rate.isFinite, rate > 0 else { return Self.minimumPollInterval }
        return max(Self.minimumPollInterval, Double(sourceCount) / (rate * pollShare))
    }

    /// The shortest interval between one source's polls, in seconds of the clock.
    public static let minimumPollInterval: TimeInterval = 1

    /// Whether `sourceID` may start a polling window now (always, the first time in a process).
    public func pollDue(_ sourceID: String, now: Date) async -> Bool {
        guard let last = state.withLock({ $0.lastPoll[sourceID] }) else { return true }
        return now.timeIntervalSince(last) >= (await pollInterval())
    }

    /// When `sourceID` may start its next polling window.
    public func nextPoll(_ sourceID: String) async -> Date? {
        guard let last = state.withLock({ $0.lastPoll[sourceID] }) else { return nil }
        return last.addingTimeInterval(await pollInterval())
    }

    /// When `sourceID` last started a polling window in this process.
    public func lastPollStart(_ sourceID: String) -> Date? {
        state.withLock { $0.lastPoll[sourceID] }
    }

    public func pollStarted(_ sourceID: String, at date: Date) {
        state.withLock { $0.lastPoll[sourceID] = date }
    }

    /// Whether a sweep could take a page now without touching the reserve.
    public func hasSpare() async -> Bool {
        await limiter.tokens("searchOrders", key: key) >= 1 + reserve
    }

    /// Counts `searchOrders` calls (retries included).
    public func spent(_ calls: Int = 1, at date: Date) {
        guard calls > 0 else { return }
        state.withLock { state in
            state.calls += Array(repeating: date, count: calls)
            let hourAgo = date.addingTimeInterval(-3600)
            if let first = state.calls.firstIndex(where: { $0 > hourAgo }), first > 0 { state.calls.removeFirst(first) }
        }
    }

    /// Calls in the last hour against the sustained rate.
    public func use() async -> BudgetUse {
        let now = clock.now()
        let recent = state.withLock { $0.calls.filter { $0 > now.addingTimeInterval(-3600) }.count }
        let rate = await sustainedRate()
        return BudgetUse(name: "searchOrders \(key)", callsLastHour: recent, sustainedPerHour: rate.isFinite ? rate * 3600 : 0)
    }
}
