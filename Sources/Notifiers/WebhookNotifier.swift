import ERPHandoff
import Foundation
import RequestSigning
import SalesChannel

/// A ``Notifier`` that POSTs merchant events as signed JSON (the same signature and headers as
/// the `webhook` sink) to a URL: a chat bridge, an alerting system, the merchant's back office.
///
/// The body is the ``MerchantEvent`` (kind, ids, statuses, a sentence; never buyer data). The
/// `Idempotency-Key` is the event's kind, order and detail, so a repeat after a crash can be
/// recognised. Failures are retried by the outbox; a refusal (4xx) is recorded and not retried.
public struct WebhookNotifier: Notifier {
    public let delivery: WebhookDelivery
    /// Only these kinds are sent (all when empty).
    public let kinds: Set<MerchantEvent.Kind>

    public init(delivery: WebhookDelivery, kinds: Set<MerchantEvent.Kind> = []) {
        self.delivery = delivery
        self.kinds = kinds
    }

    public func notify(_ event: MerchantEvent) async throws {
        guard kinds.isEmpty || kinds.contains(event.kind) else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let key = ["event", event.kind.rawValue, event.subject, event.detail].compactMap { $0 }.joined(separator: "/")
        do {
            _ = try await delivery.post(Array(try encoder.encode(event)), idempotencyKey: key, event: "merchant.\(event.kind.rawValue)")
        } catch let error as WebhookDeliveryError where !error.isRetryable {
            throw NotificationRefused(error: error)
        }
    }

    public static let descriptor = PluginDescriptor(
        name: "webhook", kind: .notifier, summary: "POSTs merchant events as signed JSON to a URL",
        keys: [
            .init("url", "http(s) URL", "Where events are POSTed"),
            .init("secret", "secret", "Signing secret, written ${ENV_VAR}", secret: true),
            .init("previousSecret", "secret", "While rotating: the old secret, also signed with", secret: true),
            .init("timeoutSeconds", "number", default: "30", "How long one delivery may take before it is retried"),
            .init("allowInsecure", "true | false", default: "false", "Allow a plain http URL to another machine (the body carries the buyer's address)"),
            .init("events", "comma-separated list", default: "all",
                  "Only these: " + MerchantEvent.Kind.allCases.map(\.rawValue).joined(separator: ", ")),
        ])
}

/// The receiver refused a notification for good: recorded, not retried.
public struct NotificationRefused: Error, PermanentFailure, CustomStringConvertible {
    public var error: WebhookDeliveryError
    public var description: String { "the notification webhook refused the event: \(error)" }
}

/// The shipped notifiers besides `log` (which the core provides).
public enum Notifiers {
    /// Registers the `webhook` notifier.
    public static func register(in registry: inout PluginRegistry) {
        registry.registerNotifier(WebhookNotifier.descriptor) { section, _ in
            var kinds = Set<MerchantEvent.Kind>()
            let names = (try section.string("events") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for name in names where !name.isEmpty {
                guard let kind = MerchantEvent.Kind(rawValue: name) else {
                    throw DeploymentError(
                        file: section.file, key: section.keyPath("events"),
                        problem: "`\(name)` is not an event; allowed: \(MerchantEvent.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                kinds.insert(kind)
            }
            return WebhookNotifier(delivery: try WebhookDelivery(section: section), kinds: kinds)
        }
    }
}
