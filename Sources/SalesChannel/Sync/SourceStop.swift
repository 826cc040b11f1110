import Foundation
import Logging
import ServiceLifecycle

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

/// Sources `run --once` had to stop; thrown once every other source and the outbox are done.
public struct SourcesStopped: Error, CustomStringConvertible {
    /// Source id and the operator message, in the order they stopped.
    public var stops: [(sourceID: String, message: String)]

    public var description: String {
        stops.map { "source \($0.sourceID) stopped: \($0.message)" }.joined(separator: "\n")
    }
}

extension Composition {
    /// Records that a source stopped, logs why and tells the merchant.
    func stop(_ sourceID: String, because error: any SourceStoppingError, logger: Logger) async {
        statistics.update { $0.stoppedSources[sourceID] = error.operatorMessage }
        logger.error("source stopped", metadata: [
            "source": "\(sourceID)", "event": "\(error.eventKind.rawValue)", "reason": "\(error.operatorMessage)",
        ])
        let event = MerchantEvent(kind: error.eventKind, sourceID: sourceID, detail: nil, message: error.operatorMessage, occurredAt: Date())
        for notifier in notifiers {
            // Not an order's effect, so not in the outbox: a few attempts here, then the log.
            var attempt = 0
            while true {
                attempt += 1
                do {
                    try await notifier.notify(event)
                    break
                } catch {
                    guard attempt < 3, !error.isPermanentFailure, !Task.isCancelled else {
                        logger.error("could not tell a notifier that a source stopped", metadata: [
                            "source": "\(sourceID)", "notifier": "\(type(of: notifier))", "error": "\(error)",
                        ])
                        break
                    }
                    try? await Task.sleep(for: .milliseconds(Int(retry.delay(afterAttempt: attempt, unit: 0.5) * 1000)))
                }
            }
        }
    }
}
