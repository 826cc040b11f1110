import Foundation
import Synchronization

/// When each source last had a pushed change, so that its polling can slow to a safety net
/// while notices flow and return to normal when they stop (see ``ChangeIntake``).
public final class PushActivity: Sendable {
    struct Entry {
        var last: Date
        var slowPollInterval: Double
        var quietPeriod: Double
    }
    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    /// A notice about one of `sourceID`'s orders arrived at `now`.
    public func noted(_ sourceID: String, at now: Date, slowPollInterval: Double, quietPeriod: Double) {
        entries.withLock { $0[sourceID] = Entry(last: now, slowPollInterval: slowPollInterval, quietPeriod: quietPeriod) }
    }

    /// The safety net's interval while notices for `sourceID` flow (one arrived within the
    /// quiet period); `nil` when they do not, and polling keeps its normal interval.
    public func slowPollInterval(for sourceID: String, now: Date) -> Double? {
        entries.withLock { entries in
            guard let entry = entries[sourceID], now.timeIntervalSince(entry.last) < entry.quietPeriod else { return nil }
            return entry.slowPollInterval
        }
    }

    /// When the last notice for `sourceID` arrived (`nil`: none in this run).
    public func lastNotice(for sourceID: String) -> Date? {
        entries.withLock { $0[sourceID]?.last }
    }
}
