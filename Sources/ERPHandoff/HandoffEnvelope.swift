import Foundation
import SalesChannel

/// What an ERP receives, as a file (`file-drop`) or a request body (`webhook`): the order and
/// what to do with it. The shape is documented, versioned, in docs/handoff-schema.json.
public struct HandoffEnvelope: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable {
        /// A new order to fulfil.
        case order
        /// An order handed off earlier was canceled: do not ship it.
        case cancellation
    }

    /// The shape of the envelope and its order (2); absent in version 1, whose version is only
    /// `order.schemaVersion`.
    public var schemaVersion: Int?
    public var type: Kind
    /// The same on every retry of this delivery: an ERP that has seen it has it already.
    public var idempotencyKey: String
    public var order: HandoffDocument

    /// An envelope of the document's version.
    public init(type: Kind, idempotencyKey: String, order: HandoffDocument) {
        self.schemaVersion = order.schemaVersion >= 2 ? order.schemaVersion : nil
        self.type = type
        self.idempotencyKey = idempotencyKey
        self.order = order
    }

    /// The event name sent with a webhook delivery (`SalesChannel-Event`).
    public var event: String { type == .order ? "order.handoff" : "order.cancellation" }

    /// JSON with ISO 8601 dates and amounts as decimal strings.
    public func json(pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> HandoffEnvelope {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(HandoffEnvelope.self, from: data)
    }
}
