/// Tells a merchant-facing channel (a log, a chat webhook, an email relay) about lifecycle events.
///
/// Contract:
/// - `notify` is called from the outbox, at least once per event; `event` with the same kind,
///   order and detail may arrive again after a crash, so receivers should tolerate repeats.
/// - Throwing schedules a retry with backoff; after the configured number of attempts the
///   notification is dead-lettered. A failing notifier never blocks an order's workflow.
/// - Notifiers are for the merchant. Amazon notifies the buyer of Amazon orders (Amazon's
///   policy); a notifier must never write to the buyer.
public protocol Notifier: Sendable {
    /// Delivers one event.
    func notify(_ event: MerchantEvent) async throws
}
