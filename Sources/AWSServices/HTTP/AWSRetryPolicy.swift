import Foundation

/// How often and how long a call refused for a passing reason (throttling, a server error, no
/// answer) is repeated: exponential back-off with full jitter, as AWS's SDKs do ("standard"
/// retry mode: three attempts, capped at 20 s).
public struct AWSRetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// The first pause's ceiling; each further pause's ceiling doubles.
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval

    public init(maxAttempts: Int = 5, baseDelay: TimeInterval = 0.1, maxDelay: TimeInterval = 20) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The pause before attempt `attempt + 1` (`attempt` counts from 1), drawn from `0...ceiling`.
    public func delay<R: RandomNumberGenerator>(after attempt: Int, using random: inout R) -> TimeInterval {
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        return Double.random(in: 0...ceiling, using: &random)
    }
}
