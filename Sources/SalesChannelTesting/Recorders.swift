import Foundation
import SalesChannel
import Synchronization

/// A ``ShipmentSink`` that records deliveries by idempotency key and can be told to fail.
public final class RecordingShipmentSink: ShipmentSink {
    private let state = Mutex(State())
    struct State {
        var handoffs: [String: HandoffDocument] = [:]
        var cancellations: [String: HandoffDocument] = [:]
        var attempts = 0
        var failuresLeft = 0
        var permanent = false
    }

    public init() {}

    /// The next `count` calls throw (a retryable error, or a ``PermanentFailure``).
    public func failNext(_ count: Int, permanently: Bool = false) {
        state.withLock {
            $0.failuresLeft = count
            $0.permanent = permanently
        }
    }

    /// Delivered orders by idempotency key (a repeated key is stored once).
    public var handoffs: [String: HandoffDocument] { state.withLock { $0.handoffs } }
    public var cancellations: [String: HandoffDocument] { state.withLock { $0.cancellations } }
    /// Every call, including failed ones and repeats.
    public var attempts: Int { state.withLock { $0.attempts } }

    public func handOff(_ document: HandoffDocument, idempotencyKey: String) async throws -> String? {
        try state.withLock { state in
            try state.attempt()
            state.handoffs[idempotencyKey] = document
            return "recorded-\(state.handoffs.count)"
        }
    }

    public func cancel(_ document: HandoffDocument, idempotencyKey: String) async throws {
        try state.withLock { state in
            try state.attempt()
            state.cancellations[idempotencyKey] = document
        }
    }
}

extension RecordingShipmentSink.State {
    mutating func attempt() throws {
        attempts += 1
        guard failuresLeft > 0 else { return }
        failuresLeft -= 1
        if permanent { throw PermanentTestFailure() }
        throw TemporaryTestFailure()
    }
}

/// A retryable failure a test double throws when asked to.
public struct TemporaryTestFailure: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "temporary test failure" }
}

/// A failure that retrying cannot cure, thrown by a test double when asked to.
public struct PermanentTestFailure: Error, PermanentFailure, CustomStringConvertible {
    public init() {}
    public var description: String { "permanent test failure" }
}

/// A ``Notifier`` that records every event it is given.
public final class RecordingNotifier: Notifier {
    private let state = Mutex<[MerchantEvent]>([])
    public init() {}
    public var events: [MerchantEvent] { state.withLock { $0 } }
    public func notify(_ event: MerchantEvent) async throws { state.withLock { $0.append(event) } }
}

/// A ``CustomerPolicy`` that always answers the same and counts its calls.
public final class FixedCustomerPolicy: CustomerPolicy {
    private let calls = Mutex(0)
    public let assignment: CustomerAssignment
    public init(_ assignment: CustomerAssignment = .guest) { self.assignment = assignment }
    public var callCount: Int { calls.withLock { $0 } }
    public func customer(for order: ChannelOrder, in backend: any CommerceBackend) async throws -> CustomerAssignment {
        calls.withLock { $0 += 1 }
        return assignment
    }
}
