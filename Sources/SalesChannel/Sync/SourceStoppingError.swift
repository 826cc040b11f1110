/// An error after which an ``OrderSource`` cannot go on by itself: its credentials were revoked,
/// or the channel keeps refusing what the source asks. Retrying would only loop.
///
/// The sync stops that source (the other sources and the outbox go on), logs the reason at
/// error level once, shows it on the progress line and in `run --once`'s summary (which then
/// exits non-zero), and sends every notifier a ``MerchantEvent`` of ``eventKind``.
public protocol SourceStoppingError: Error {
    /// What happened and what a person must do, with no secret and no buyer data.
    var operatorMessage: String { get }
    /// The merchant event to send (``MerchantEvent/Kind/authorizationFailed``, ``MerchantEvent/Kind/sourceStopped``).
    var eventKind: MerchantEvent.Kind { get }
}
