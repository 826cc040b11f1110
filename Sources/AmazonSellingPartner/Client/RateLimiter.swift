import Foundation

/// Token buckets per (selling partner, region, operation), seeded from the models' usage plans
/// and adjusted when Amazon sends `x-amzn-RateLimit-Limit`.
///
/// Amazon's buckets refill at the plan's rate up to its burst; one request takes one token and a
/// request finding the bucket empty gets 429. ``acquire(_:key:)`` waits for a token;
/// ``acquireIfSpare(_:key:keeping:)`` takes one only when more than a reserve is left, for work
/// that must never delay the rest (a reconciliation sweep).
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

    /// Amazon's documented usage plans: the `**Usage Plan:**` tables of Orders v2026-01-01
    /// (`searchOrders`, `getOrder`), Orders v0 (`confirmShipment`) and Notifications v1 (every
    /// operation: 1 per second, burst 5).
    public static let documented: [String: Plan] = [
        "searchOrders": Plan(rate: 0.0056, burst: 20),
        "getOrder": Plan(rate: 0.5, burst: 30),
        "confirmShipment": Plan(rate: 2, burst: 10),
        "getSubscription": Plan(rate: 1, burst: 5),
        "createSubscription": Plan(rate: 1, burst: 5),
        "getSubscriptionById": Plan(rate: 1, burst: 5),
        "deleteSubscriptionById": Plan(rate: 1, burst: 5),
        "getDestinations": Plan(rate: 1, burst: 5),
        "createDestination": Plan(rate: 1, burst: 5),
        "getDestination": Plan(rate: 1, burst: 5),
        "deleteDestination": Plan(rate: 1, burst: 5),
    ]

    struct Bucket {
        var plan: Plan
        var tokens: Double
        var updated: Date
    }

    private var buckets: [String: Bucket] = [:]
    private let plans: [String: Plan]
    private let clock: WallClock
    /// Multiplies every rate: a time-scaled sandbox's scale; 1 against Amazon.
    public let timeScale: Double
    /// Seconds spent waiting for tokens, for the progress line.
    public private(set) var secondsWaited: Double = 0

    /// Whether buckets are kept at all; a disabled limiter never waits (for endpoints without limits).
    public let isEnabled: Bool

    public init(plans: [String: Plan] = RateLimiter.documented, timeScale: Double = 1, clock: WallClock = .system) {
        self.plans = plans
        self.timeScale = timeScale
        self.clock = clock
        self.isEnabled = true
    }

    private init(disabled: Void) {
        plans = [:]
        timeScale = 1
        clock = .system
        isEnabled = false
    }

    /// A limiter that never waits.
    public static func disabled() -> RateLimiter { RateLimiter(disabled: ()) }

    /// The bucket as it stands now (refilled up to the present).
    private func refreshed(_ id: String, _ operation: String, now: Date) -> Bucket {
        let plan = plans[operation] ?? Plan(rate: 1, burst: 1)
        var bucket = buckets[id] ?? Bucket(plan: plan, tokens: plan.burst, updated: now)
        bucket.tokens = min(bucket.plan.burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * bucket.plan.rate * timeScale)
        bucket.updated = now
        return bucket
    }

    /// Waits until the bucket has a token, then takes it.
    public func acquire(_ operation: String, key: String) async throws {
        guard isEnabled else { return }
        let id = key + "/" + operation
        while true {
            var bucket = refreshed(id, operation, now: clock.now())
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                buckets[id] = bucket
                return
            }
            buckets[id] = bucket
            let wait = (1 - bucket.tokens) / (bucket.plan.rate * timeScale) * 1.01 + 0.002
            secondsWaited += wait
            try await clock.sleep(wait)
        }
    }

    /// Takes a token only if at least `reserve` tokens stay in the bucket afterwards; never waits.
    /// - Returns: whether a token was taken.
    public func acquireIfSpare(_ operation: String, key: String, keeping reserve: Double) -> Bool {
        guard isEnabled else { return true }
        let id = key + "/" + operation
        var bucket = refreshed(id, operation, now: clock.now())
        defer { buckets[id] = bucket }
        guard bucket.tokens >= 1 + reserve else { return false }
        bucket.tokens -= 1
        return true
    }

    /// Tokens in the bucket now (the burst when the bucket was never used).
    public func tokens(_ operation: String, key: String) -> Double {
        guard isEnabled else { return .infinity }
        let id = key + "/" + operation
        let bucket = refreshed(id, operation, now: clock.now())
        buckets[id] = bucket
        return bucket.tokens
    }

    /// The rate in force for an operation, in requests per second of this limiter's clock (the
    /// documented or reported rate times ``timeScale``).
    public func rate(_ operation: String, key: String) -> Double {
        guard isEnabled else { return .infinity }
        let plan = buckets[key + "/" + operation]?.plan ?? plans[operation] ?? Plan(rate: 1, burst: 1)
        return plan.rate * timeScale
    }

    /// Called when an answer arrives: refill is counted from here, not from when the request
    /// left. Amazon took the token somewhere in between, so counting from the answer keeps our
    /// bucket behind Amazon's however long the request spent in transit (a loaded machine, a slow
    /// network); the cost is one round trip per wait, nothing against Amazon's token intervals.
    public func answered(_ operation: String, key: String) {
        guard isEnabled else { return }
        let id = key + "/" + operation
        buckets[id]?.updated = clock.now()
    }

    /// Adopts the rate Amazon reports for an operation (the header is best-effort). The header
    /// is the real rate, so it is stored divided by the time scale that `acquire` applies.
    public func observe(limit: Double, for operation: String, key: String) {
        let id = key + "/" + operation
        guard limit > 0, var bucket = buckets[id] else { return }
        bucket.plan.rate = limit / timeScale
        buckets[id] = bucket
    }

    /// Gives back a token taken for a call that was never sent (the access token could not be had).
    public func refund(_ operation: String, key: String) {
        guard isEnabled else { return }
        let id = key + "/" + operation
        guard var bucket = buckets[id] else { return }
        bucket.tokens = min(bucket.plan.burst, bucket.tokens + 1)
        buckets[id] = bucket
    }

    /// Empties a bucket after a 429: Amazon's view of it is empty.
    public func drain(_ operation: String, key: String) {
        let id = key + "/" + operation
        buckets[id]?.tokens = 0
        buckets[id]?.updated = clock.now()
    }
}
