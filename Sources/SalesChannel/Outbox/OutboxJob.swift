import Foundation

/// One effect in the outbox: what to do, for which order, and how its attempts went.
public struct OutboxJob: Hashable, Codable, Sendable {
    public var id: Int64
    public var amazonOrderID: AmazonOrderID
    public var effect: Effect
    /// `<amazon order id>/<effect name>`, the same on every attempt and every retry; a replay
    /// (``generation`` 2, 3, …) runs under `<amazon order id>/<effect name>/replay-<n>`.
    public var idempotencyKey: String
    /// 1 for the job the workflow decided; 2, 3, … for each replay of it (`jobs replay`).
    public var generation: Int
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// The fencing token of the current claim: raised by every claim and never reset, so a
    /// runner whose lease lapsed and was taken over can no longer settle or renew the job.
    public var claim: Int64

    public init(
        id: Int64, amazonOrderID: AmazonOrderID, effect: Effect, idempotencyKey: String, status: Status,
        attempts: Int, nextAttemptAt: Date, lastError: String?, createdAt: Date, updatedAt: Date, claim: Int64 = 0,
        generation: Int = 1
    ) {
        self.claim = claim
        self.generation = generation
        self.id = id
        self.amazonOrderID = amazonOrderID
        self.effect = effect
        self.idempotencyKey = idempotencyKey
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public enum Status: String, Hashable, Codable, Sendable, CaseIterable {
        /// Waiting for its turn or its next attempt.
        case pending
        /// Claimed by a runner; returns to `pending` if the runner's lease expires.
        case running
        case done
        /// Gave up after the allowed attempts, or refused for good; `jobs retry` replays it.
        case dead
    }
}

/// A runner settled or renewed a job whose lease it no longer holds: the lease ran out and
/// another runner claimed the job (or it was settled meanwhile). Nothing was changed.
public struct LeaseLost: Error, Hashable, Sendable, CustomStringConvertible {
    public var jobID: Int64
    public init(jobID: Int64) { self.jobID = jobID }
    public var description: String { "job \(jobID): the lease was lost to another runner; this runner's result was not recorded" }
}
