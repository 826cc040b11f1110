/// Pushed news of changed orders (Amazon's `ORDER_CHANGE` notifications read from an SQS
/// queue): an adapter that receives notices and has the engine refresh each order they name.
///
/// Contract:
/// - ``run(engine:)`` runs until graceful shutdown or cancellation, and returns then.
/// - A notice is acknowledged at its origin (deleted from the queue) only after the refresh of
///   its order has committed (``ChannelEngine/refresh(_:preferring:)``), so a crash loses
///   nothing; a notice seen twice is harmless (the workflow ignores a snapshot it has stored).
/// - A notice that cannot be used (unreadable, or for a seller or marketplace the deployment
///   does not serve) is kept through ``ChannelEngine/quarantine(_:)`` with its reason and
///   acknowledged: never retried for ever, never dropped unseen.
/// - For each source whose orders it keeps up to date, it calls
///   ``ChannelEngine/notePushedChange(for:slowPollInterval:quietPeriod:)``: that source's
///   polling slows to a safety net while notices flow, and returns to normal when they stop.
public protocol ChangeIntake: Sendable {
    /// Stable identity (`amazon-sqs/<queue name>`), for logs and quarantined notices.
    var id: String { get }

    func run(engine: ChannelEngine) async throws
}
