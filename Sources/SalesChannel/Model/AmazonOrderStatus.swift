import Foundation

/// An order's status at Amazon.
///
/// Covers every `FulfillmentStatus` of Orders API v2026-01-01 and keeps any value Amazon adds
/// later as ``unknown(_:)`` rather than failing to decode the order. The v0 spellings
/// (`Canceled`, `PartiallyShipped`, …) are accepted too.
public enum AmazonOrderStatus: Hashable, Sendable, Codable, CustomStringConvertible {
    case pendingAvailability
    case pending
    case unshipped
    case partiallyShipped
    case shipped
    case canceled
    case unfulfillable
    /// A status this version does not know; kept verbatim and treated like `pending`.
    case unknown(String)

    public static let allKnown: [AmazonOrderStatus] = [
        .pendingAvailability, .pending, .unshipped, .partiallyShipped, .shipped, .canceled, .unfulfillable,
    ]

    /// Parses v2026-01-01 (`PARTIALLY_SHIPPED`, `CANCELLED`) and v0 (`PartiallyShipped`,
    /// `Canceled`) spellings.
    public init(rawValue: String) {
        let folded = rawValue.uppercased().replacingOccurrences(of: "_", with: "")
        switch folded {
        case "PENDINGAVAILABILITY": self = .pendingAvailability
        case "PENDING": self = .pending
        case "UNSHIPPED": self = .unshipped
        case "PARTIALLYSHIPPED": self = .partiallyShipped
        case "SHIPPED": self = .shipped
        case "CANCELLED", "CANCELED": self = .canceled
        case "UNFULFILLABLE": self = .unfulfillable
        default: self = .unknown(rawValue)
        }
    }

    /// The v2026-01-01 spelling.
    public var rawValue: String {
        switch self {
        case .pendingAvailability: "PENDING_AVAILABILITY"
        case .pending: "PENDING"
        case .unshipped: "UNSHIPPED"
        case .partiallyShipped: "PARTIALLY_SHIPPED"
        case .shipped: "SHIPPED"
        case .canceled: "CANCELLED"
        case .unfulfillable: "UNFULFILLABLE"
        case .unknown(let value): value
        }
    }

    public var description: String { rawValue }

    /// Amazon has not verified the payment yet: the order is imported but hidden (MFN step 1).
    public var isAwaitingVerification: Bool {
        switch self {
        case .pending, .pendingAvailability, .unknown: true
        default: false
        }
    }

    /// No further change of status is expected.
    public var isTerminal: Bool {
        switch self {
        case .shipped, .canceled, .unfulfillable: true
        default: false
        }
    }

    /// How far along its life the order is; a snapshot never moves a record backwards.
    public var progress: Int {
        switch self {
        case .unknown: 0
        case .pendingAvailability: 1
        case .pending: 2
        case .unshipped: 3
        case .partiallyShipped: 4
        case .shipped, .canceled, .unfulfillable: 5
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
