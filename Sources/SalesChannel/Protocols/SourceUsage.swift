/// What a source has spent talking to its channel, for progress lines and summaries.
public struct SourceUsage: Hashable, Sendable {
    public var apiCalls: Int
    public var throttled: Int
    public var secondsWaitingOnRateLimits: Double

    public init(apiCalls: Int = 0, throttled: Int = 0, secondsWaitingOnRateLimits: Double = 0) {
        self.apiCalls = apiCalls
        self.throttled = throttled
        self.secondsWaitingOnRateLimits = secondsWaitingOnRateLimits
    }
}

/// A source that can say what it has spent (API calls, throttling, time waiting on rate limits).
public protocol ReportsUsage: Sendable {
    func usage() async -> SourceUsage
}
