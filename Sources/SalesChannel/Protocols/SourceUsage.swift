import Foundation

/// What a source has spent talking to its channel, for progress lines and summaries.
public struct SourceUsage: Hashable, Sendable {
    public var apiCalls: Int
    public var throttled: Int
    public var secondsWaitingOnRateLimits: Double
    /// The call budgets the source draws from (one per seller and region for Amazon's
    /// `searchOrders`), shared budgets listed once.
    public var budgets: [BudgetUse]
    /// Calls, 429 answers and retries by the channel's operation (`searchOrders`, `getOrder`, …).
    public var operations: [String: OperationUsage] = [:]

    public struct OperationUsage: Hashable, Sendable {
        public var calls: Int
        public var throttled: Int
        public var retries: Int
        public init(calls: Int = 0, throttled: Int = 0, retries: Int = 0) {
            self.calls = calls
            self.throttled = throttled
            self.retries = retries
        }
    }

    public init(apiCalls: Int = 0, throttled: Int = 0, secondsWaitingOnRateLimits: Double = 0, budgets: [BudgetUse] = []) {
        self.apiCalls = apiCalls
        self.throttled = throttled
        self.secondsWaitingOnRateLimits = secondsWaitingOnRateLimits
        self.budgets = budgets
    }
}

/// How much of a channel's sustained call budget was used over the last hour.
public struct BudgetUse: Hashable, Sendable, CustomStringConvertible {
    /// Which budget (for example `searchOrders A1SELLER/na`).
    public var name: String
    public var callsLastHour: Int
    /// What the channel allows per hour in the long run.
    public var sustainedPerHour: Double

    public init(name: String, callsLastHour: Int, sustainedPerHour: Double) {
        self.name = name
        self.callsLastHour = callsLastHour
        self.sustainedPerHour = sustainedPerHour
    }

    public var description: String {
        "\(name) \(callsLastHour)/\(sustainedPerHour >= 100 ? String(Int(sustainedPerHour)) : String(format: "%.1f", sustainedPerHour)) calls/h"
    }
}

/// A source that can say what it has spent (API calls, throttling, time waiting on rate limits).
public protocol ReportsUsage: Sendable {
    func usage() async -> SourceUsage
}
