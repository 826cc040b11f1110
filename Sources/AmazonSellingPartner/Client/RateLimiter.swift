import Foundation

/// Token buckets per (selling partner, region, operation), seeded from the models' usage plans
/// and adjusted when Amazon sends `x-amzn-RateLimit-Limit`.
public actor RateLimiter {
    /// An operation's documented rate (requests per second) and burst.
    public struct Plan: Hashable, Sendable {
        public var rate: Double
        public var burst: Double
        public init(rate: Double, burst: Double) {
            self.rate = rate
            self.burst = burst
        }
    }

    /// Amazon's documented usage plans (Orders v2026-01-01 and v0 confirmShipment).
    public static let documented: [String: Plan] = [
        "searchOrders": Plan(rate: 0.0056, burst: 20),
        "getOrder": Plan(rate: 0.5, burst: 30),
        "confirmShipment": Plan(rate: 2, burst: 10),
    ]

    struct Bucket {
        var plan: Plan
        var tokens: Double
        var updated: Date
    }

    private var buckets: [String: Bucket] = [:]
    private let plans: [String: Plan]
    /// Multiplies every rate: the sandbox's `--time-scale` for tests; 1 against Amazon.
    public let timeScale: Double
    /// Seconds spent waiting for tokens, for the progress line.
    public private(set) var secondsWaited: Double = 0

    /// Whether buckets are kept at all; a disabled limiter never waits (for endpoints without limits).
    public let isEnabled: Bool

    public init(plans: [String: Plan] = RateLimiter.documented, timeScale: Double = 1) {
        self.plans = plans
        self.timeScale = timeScale
        self.isEnabled = true
    }

    private init(disabled: Void) {
        plans = [:]
        timeScale = 1
        isEnabled = false
    }

    /// A limiter that never waits.
    public static func disabled() -> RateLimiter { RateLimiter(disabled: ()) }

    /// Waits until the bucket has a token, then takes it.
    public func acquire(_ operation: String, key: String) async throws {
        guard isEnabled else { return }
        let id = key + "/" + operation
        while true {
            let now = Date()
            var bucket = buckets[id] ?? Bucket(plan: plans[operation] ?? Plan(rate: 1, burst: 1), tokens: plans[operation]?.burst ?? 1, updated: now)
            let rate = bucket.plan.rate * timeScale
            bucket.tokens = min(bucket.plan.burst, bucket.tokens + now.timeIntervalSince(bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                buckets[id] = bucket
                return
            }
            buckets[id] = bucket
            let wait = (1 - bucket.tokens) / rate * 1.01 + 0.002
            secondsWaited += wait
            try await Task.sleep(for: .milliseconds(Int((wait * 1000).rounded(.up)) + 1))
        }
    }

    /// Called when an answer arrives: refill is counted from here, not from when the request
    /// left. Amazon took the token somewhere in between, so counting from the answer keeps our
    /// bucket behind Amazon's however long the request spent in transit (a loaded machine, a slow
    /// network); the cost is one round trip per wait, nothing against Amazon's token intervals.
    public func answered(_ operation: String, key: String) {
        guard isEnabled else { return }
        let id = key + "/" + operation
        buckets[id]?.updated = Date()
    }

    /// Adopts the rate Amazon reports for an operation (the header is best-effort). The header
    /// is the real rate, so it is stored divided by the time scale that `acquire` applies.
    public func observe(limit: Double, for operation: String, key: String) {
        let id = key + "/" + operation
        guard limit > 0, var bucket = buckets[id] else { return }
        bucket.plan.rate = limit / timeScale
        buckets[id] = bucket
    }

    /// Empties a bucket after a 429: Amazon's view of it is empty.
    public func drain(_ operation: String, key: String) {
        let id = key + "/" + operation
        buckets[id]?.tokens = 0
        buckets[id]?.updated = Date()
    }
}
