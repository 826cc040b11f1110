import Foundation
import Logging

extension Composition {
    /// Records that a source stopped, logs why and tells the merchant.
    func stop(_ sourceID: String, because error: any SourceStoppingError, logger: Logger) async {
        statistics.update { $0.stoppedSources[sourceID] = error.operatorMessage }
        logger.error("source stopped", metadata: [
            "source": "\(sourceID)", "event": "\(error.eventKind.rawValue)", "reason": "\(error.operatorMessage)",
        ])
        let now = clock.now()
        // The time as the detail: each stop is its own event (a receiver that drops repeated
        // idempotency keys must still hear of a second revocation), its retries are not.
        let event = MerchantEvent(
            kind: error.eventKind, sourceID: sourceID, detail: now.formatted(Date.ISO8601FormatStyle()), message: error.operatorMessage, occurredAt: now)
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
                    try? await clock.sleep(seconds: retry.delay(afterAttempt: attempt, unit: 0.5))
                }
            }
        }
    }
}
