import Foundation

/// How often and how patiently the outbox retries a failing effect: exponential backoff with
/// full jitter, up to a bounded number of attempts.
public struct RetryPolicy: Hashable, Sendable {
    /// Attempts before an effect is dead-lettered (the first try counts).
    public var maxAttempts: Int
    /// Delay before the second attempt; doubles with each further attempt.
    public var baseDelay: Double
    /// No delay exceeds this many seconds.
    public var maxDelay: Double

    public init(maxAttempts: Int = 8, baseDelay: Double = 1, maxDelay: Double = 300) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The delay after failed attempt number `attempt` (1-based), with `unit` in `0..<1` the
    /// jitter draw: uniformly between zero and the exponential ceiling ("full jitter").
    public func delay(afterAttempt attempt: Int, unit: Double) -> Double {
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        return max(0.01, ceiling * unit)
    }
}
