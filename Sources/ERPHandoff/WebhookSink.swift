import Foundation
import RequestSigning
import SalesChannel

/// A ``ShipmentSink`` that POSTs each order (and each cancellation) to an ERP's URL as a
/// ``HandoffEnvelope``, signed (`SalesChannel-Signature`) and with an `Idempotency-Key` header
/// the ERP uses to ignore repeats. A delivery a person asked for again (`jobs replay`) has a key
/// of its own and a `SalesChannel-Replay: <generation>` header.
///
/// A 2xx answer delivers; 408, 429, 5xx, timeouts and connection failures are retried by the
/// outbox with backoff; any other answer is a refusal, recorded with the ERP's answer and not
/// retried (fix the cause, then `saleschannel jobs retry`). A 2xx body of the form
/// `{"reference": "…"}` is kept as the ERP's reference for the order.
public struct WebhookSink: ShipmentSink {
    public let delivery: WebhookDelivery
    /// The handoff shape sent (2; 1 for an ERP that reads version 1 only).
    public let schemaVersion: Int

    public init(delivery: WebhookDelivery, schemaVersion: Int = 2) {
        self.delivery = delivery
        self.schemaVersion = schemaVersion
    }

    public func handOff(_ document: HandoffDocument, idempotencyKey: String) async throws -> String? {
        try await handOff(document, delivery: HandoffDelivery(idempotencyKey: idempotencyKey))
    }

    public func cancel(_ document: HandoffDocument, idempotencyKey: String) async throws {
        try await cancel(document, delivery: HandoffDelivery(idempotencyKey: idempotencyKey))
    }

    /// A replay carries its own `Idempotency-Key` and a `SalesChannel-Replay: <generation>` header.
    public func handOff(_ document: HandoffDocument, delivery: HandoffDelivery) async throws -> String? {
        let answer = try await send(HandoffEnvelope(type: .order, idempotencyKey: delivery.idempotencyKey, order: document.version(schemaVersion)), delivery)
        struct Reference: Decodable { var reference: String? }
        return (try? JSONDecoder().decode(Reference.self, from: Data(answer.body.utf8)))?.reference
    }

    public func cancel(_ document: HandoffDocument, delivery: HandoffDelivery) async throws {
        _ = try await send(HandoffEnvelope(type: .cancellation, idempotencyKey: delivery.idempotencyKey, order: document.version(schemaVersion)), delivery)
    }

    private func send(_ envelope: HandoffEnvelope, _ context: HandoffDelivery) async throws -> WebhookDelivery.Answer {
        do {
            return try await delivery.post(
                Array(try envelope.json()), idempotencyKey: envelope.idempotencyKey, event: envelope.event,
                replay: context.isReplay ? context.generation : nil)
        } catch let error as WebhookDeliveryError where !error.isRetryable {
            throw ERPRefusal(error: error)
        }
    }

    public static let descriptor = PluginDescriptor(
        name: "webhook", kind: .sink, summary: "POSTs each order as signed JSON to an ERP's URL (retries 408/429/5xx)",
        keys: [
            .init("name", "string", default: "webhook", "Name of this sink (several sinks need distinct names)"),
            .init("url", "http(s) URL", "Where orders are POSTed"),
            .init("secret", "secret", "Signing secret, written ${ENV_VAR}", secret: true),
            .init("previousSecret", "secret", "While rotating: the old secret, also signed with so receivers holding it keep verifying", secret: true),
            .init("timeoutSeconds", "number", default: "30", "How long one delivery may take before it is retried"),
            .init("allowInsecure", "true | false", default: "false", "Allow a plain http URL to another machine (the body carries the buyer's address)"),
            .init("schemaVersion", "1 | 2", default: "2", "Handoff document shape (docs/handoff-schema-v2.json; 1 for an ERP not yet upgraded)"),
        ])
}

/// The ERP refused a delivery for good (a 4xx other than 408 and 429): recorded, not retried.
public struct ERPRefusal: Error, PermanentFailure, CustomStringConvertible {
    public var error: WebhookDeliveryError
    public var description: String { "the ERP refused the delivery: \(error)" }
}
