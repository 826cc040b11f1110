import Foundation

/// The stored form of a job's effect, versioned and independent of the ``Effect`` enum's shape:
/// `{"v":1,"kind":"handoff","sink":"erp"}`. Renaming a case or adding one never changes what
/// earlier releases stored; a store written by a newer release is refused by name, job by job
/// (``Effect/unreadable(name:reason:)``), never by a decoding error that blocks every claim.
///
/// Stores keep effects in this form (`StoredEffect.encode`) and read them with
/// ``StoredEffect/decode(_:name:)``, which also reads the form of releases before it (the
/// enum's synthesized JSON).
public struct StoredEffect: Codable, Hashable, Sendable {
    /// The version this release writes, and the newest it reads.
    public static let currentVersion = 1

    public var v: Int
    public var kind: String
    public var sink: String?
    public var shipment: String?
    public var commerceStatus: String?
    public var requestedNumber: String?
    public var affectsInventory: Bool?
    public var notice: String?
    public var detail: String?
    public var notifier: String?

    init(kind: String) {
        v = Self.currentVersion
        self.kind = kind
    }

    public init(_ effect: Effect) {
        switch effect {
        case .assignCustomer: self.init(kind: "assign-customer")
        case .createCommerceOrder(let plan):
            self.init(kind: "create-commerce-order")
            commerceStatus = plan.status.rawValue
            requestedNumber = plan.requestedNumber?.rawValue
            affectsInventory = plan.affectsInventory
        case .handOff(let sink):
            self.init(kind: "handoff")
            self.sink = sink
        case .cancelHandoff(let sink):
            self.init(kind: "cancel-handoff")
            self.sink = sink
        case .cancelCommerceOrder: self.init(kind: "cancel-commerce-order")
        case .recordCommerceShipment(let id):
            self.init(kind: "commerce-shipment")
            shipment = id.rawValue
        case .completeCommerceOrder: self.init(kind: "complete-commerce-order")
        case .confirmShipment(let id):
            self.init(kind: "confirm-shipment")
            shipment = id.rawValue
        case .notify(let kind, let detail, let notifier):
            self.init(kind: "notify")
            notice = kind.rawValue
            self.detail = detail
            self.notifier = notifier
        case .unreadable(let name, let reason):
            // Kept as it was found, so that what a person reads stays the same.
            self.init(kind: "unreadable")
            sink = name
            detail = reason
        }
    }

    /// The effect, or why this release cannot run it.
    public func effect() throws(StoredFormError) -> Effect {
        guard v <= Self.currentVersion else { throw StoredFormError("written by a newer release (job form version \(v); this release reads up to \(Self.currentVersion))") }
        func required(_ value: String?, _ field: String) throws(StoredFormError) -> String {
            guard let value else { throw StoredFormError("a `\(kind)` job without its `\(field)`") }
            return value
        }
        switch kind {
        case "assign-customer": return .assignCustomer
        case "create-commerce-order":
            return .createCommerceOrder(Effect.CommercePlan(
                status: CommerceOrderStatus(rawValue: try required(commerceStatus, "commerceStatus")),
                requestedNumber: requestedNumber.map { CommerceOrderNumber($0) }, affectsInventory: affectsInventory ?? true))
        case "handoff": return .handOff(sink: try required(sink, "sink"))
        case "cancel-handoff": return .cancelHandoff(sink: try required(sink, "sink"))
        case "cancel-commerce-order": return .cancelCommerceOrder
        case "commerce-shipment": return .recordCommerceShipment(ShipmentID(try required(shipment, "shipment")))
        case "complete-commerce-order": return .completeCommerceOrder
        case "confirm-shipment": return .confirmShipment(ShipmentID(try required(shipment, "shipment")))
        case "notify":
            let notice = try required(notice, "notice")
            guard let event = MerchantEvent.Kind(rawValue: notice) else { throw StoredFormError("a notification of a kind this release does not know (`\(notice)`)") }
            return .notify(event, detail: detail, notifier: notifier)
        case "unreadable": return .unreadable(name: sink ?? "?", reason: detail ?? "")
        default: throw StoredFormError("an effect this release does not know (`\(kind)`)")
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// The stored bytes of `effect`.
    public static func encode(_ effect: Effect) throws -> Data { try encoder.encode(StoredEffect(effect)) }

    /// Reads a stored effect of this release or an earlier one; what cannot be read comes back
    /// as ``Effect/unreadable(name:reason:)`` with the reason, under the stored `name`.
    public static func decode(_ data: Data, name: String) -> Effect {
        struct Probe: Decodable { var v: Int? }
        do {
            if (try JSONDecoder().decode(Probe.self, from: data)).v != nil {
                return try JSONDecoder().decode(StoredEffect.self, from: data).effect()
            }
            // Stored before versioned forms: the enum's synthesized JSON.
            return try JSONDecoder().decode(Effect.self, from: data)
        } catch let error as StoredFormError {
            return .unreadable(name: name, reason: error.description)
        } catch {
            return .unreadable(name: name, reason: StoredFormError.describe(error))
        }
    }
}

/// Stored data this release cannot read, and why.
public struct StoredFormError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// A decoding error in a sentence (no values from the data: they may be personal).
    public static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context),
             DecodingError.keyNotFound(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
