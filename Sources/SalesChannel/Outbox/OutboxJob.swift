import Foundation

/// One effect in the outbox: what to do, for which order, and how its attempts went.
public struct OutboxJob: Hashable, Codable, Sendable {
    public var id: Int64
    public var amazonOrderID: AmazonOrderID
    public var effect: Effect
    /// `<amazon order id>/<effect name>`: the same on every attempt and every replay.
    public var idempotencyKey: String
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64, amazonOrderID: AmazonOrderID, effect: Effect, idempotencyKey: String, status: Status,
        attempts: Int, nextAttemptAt: Date, lastError: String?, createdAt: Date, updatedAt: Date
    ) {
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
