import Foundation

/// One entry in an order's history, shown by `saleschannel order ID`.
///
/// Messages carry ids, statuses and numbers only, never buyer data.
public struct OrderEvent: Hashable, Codable, Sendable {
    public var amazonOrderID: AmazonOrderID
    public var at: Date
    public var kind: Kind
    public var message: String

    public init(amazonOrderID: AmazonOrderID, at: Date, kind: Kind, message: String) {
        self.amazonOrderID = amazonOrderID
        self.at = at
        self.kind = kind
        self.message = message
    }

    /// What happened. A struct with static members so that plugins can add kinds of their own.
    public struct Kind: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let imported = Kind(rawValue: "imported")
        public static let statusChanged = Kind(rawValue: "status-changed")
        public static let commerceOrderCreated = Kind(rawValue: "commerce-order-created")
        public static let customerAssigned = Kind(rawValue: "customer-assigned")
        public static let handedOff = Kind(rawValue: "handed-off")
        public static let handoffFailed = Kind(rawValue: "handoff-failed")
        public static let shipmentRecorded = Kind(rawValue: "shipment-recorded")
        public static let shipmentConfirmed = Kind(rawValue: "shipment-confirmed")
        public static let shipmentRefused = Kind(rawValue: "shipment-refused")
        public static let commerceOrderCompleted = Kind(rawValue: "commerce-order-completed")
        public static let canceled = Kind(rawValue: "canceled")
        public static let buyerRequestedCancellation = Kind(rawValue: "buyer-requested-cancellation")
        public static let effectFailed = Kind(rawValue: "effect-failed")
        public static let deadLettered = Kind(rawValue: "dead-lettered")
        public static let replayed = Kind(rawValue: "replayed")
        public static let totalsHeld = Kind(rawValue: "totals-held")
        public static let totalsReconciled = Kind(rawValue: "totals-reconciled")
        public static let totalsAccepted = Kind(rawValue: "totals-accepted")

        public init(from decoder: any Decoder) throws {
            self.rawValue = try decoder.singleValueContainer().decode(String.self)
        }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }
}
