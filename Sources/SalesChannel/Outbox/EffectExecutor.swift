import Foundation

/// Runs one effect against the plugins of a ``Composition`` and says what it achieved.
struct EffectExecutor: Sendable {
    let composition: Composition

    func execute(_ job: OutboxJob, record: OrderRecord, now: Date) async throws -> EffectOutcome {
        let c = composition
        switch job.effect {
        case .unreadable(let name, let reason):
            throw ExecutionError("job \(job.id) (\(name)) cannot be read by this release: \(reason)", permanent: true)

        case .assignCustomer:
            return .customerAssigned(try await c.customerPolicy.customer(for: record.order, in: c.backend))

        case .createCommerceOrder(let plan):
            return .commerceOrderCreated(try await c.backend.createOrder(CommerceOrderDraft(record: record, plan: plan)))

        case .handOff(let name):
            let sink = try c.sink(named: name)
            let reference = try await sink.handOff(HandoffDocument(record: record), delivery: HandoffDelivery(idempotencyKey: job.idempotencyKey, generation: job.generation))
            return .handedOff(sink: name, reference: reference)

        case .cancelHandoff(let name):
            try await c.sink(named: name).cancel(HandoffDocument(record: record), delivery: HandoffDelivery(idempotencyKey: job.idempotencyKey, generation: job.generation))
            return .handoffCanceled(sink: name)

        case .cancelCommerceOrder:
            try await c.backend.setStatus(.canceled, of: try await commerceNumber(record))
            return .commerceOrderCanceled

        case .recordCommerceShipment(let id):
            let shipment = try shipment(id, in: record)
            try await c.backend.recordShipment(id, quantities: shipment.quantities, on: try await commerceNumber(record))
            return .commerceShipmentRecorded(id)

        case .completeCommerceOrder:
            try await c.backend.setStatus(.complete, of: try await commerceNumber(record))
            return .commerceOrderCompleted

        case .confirmShipment(let id):
            guard let source = c.source(for: record.sourceID) else {
                throw ExecutionError("no source `\(record.sourceID)` is configured to confirm shipment \(id) to")
            }
            try await source.confirmShipment(try shipment(id, in: record), of: record.order)
            return .shipmentConfirmed(id)

        case .notify(let kind, let detail, let name):
            let event = MerchantEvent(
                kind: kind, amazonOrderID: record.amazonOrderID, marketplaceID: record.order.marketplaceID,
                fulfillmentChannel: record.order.fulfillmentChannel, commerceOrderNumber: record.commerceOrderNumber,
                detail: detail, message: Self.message(kind, record: record, detail: detail.map(Self.withoutGeneration)), occurredAt: now)
            guard let name else {
                for notifier in c.notifiers { try await notifier.notify(event) }
                return .notified
            }
            guard let index = c.notifierNames.firstIndex(of: name) else {
                throw ExecutionError("no notifier named `\(name)` is configured; configured: \(c.notifierNames.joined(separator: ", "))", permanent: true)
            }
            try await c.notifiers[index].notify(event)
            return .notified
        }
    }

    private func commerceNumber(_ record: OrderRecord) async throws -> CommerceOrderNumber {
        if let number = record.commerceOrderNumber { return number }
        if let order = try await composition.backend.order(for: record.amazonOrderID) { return order.number }
        throw ExecutionError("order \(record.amazonOrderID) has no commerce order yet")
    }

    private func shipment(_ id: ShipmentID, in record: OrderRecord) throws -> Shipment {
        guard let shipment = record.shipments.first(where: { $0.id == id }) else {
            throw ExecutionError("shipment \(id) is not recorded on order \(record.amazonOrderID)", permanent: true)
        }
        return shipment
    }

    /// `erp#2` → `erp`: a repeated failure's notice is told in the same words as the first.
    static func withoutGeneration(_ detail: String) -> String {
        guard let mark = detail.lastIndex(of: "#"), Int(detail[detail.index(after: mark)...]) != nil else { return detail }
        return String(detail[..<mark])
    }

    static func message(_ kind: MerchantEvent.Kind, record: OrderRecord, detail: String?) -> String {
        let id = record.amazonOrderID
        let number = record.commerceOrderNumber.map { " (commerce order \($0))" } ?? ""
        switch kind {
        case .orderImported: return "Amazon order \(id) imported with status \(record.order.status)"
        case .commerceOrderCreated:
            return "Amazon order \(id) created as commerce order \(record.commerceOrderNumber?.rawValue ?? "(pending)")"
        case .handoffFailed: return "Amazon order \(id)\(number) could not be handed to \(detail ?? "fulfilment")"
        case .shipmentConfirmed: return "Amazon accepted shipment \(detail ?? "") of order \(id)"
        case .shipmentRefused: return "Amazon refused shipment \(detail ?? "") of order \(id): \(record.lastError ?? "")"
        case .canceled: return "Amazon order \(id)\(number) was canceled by Amazon"
        case .buyerRequestedCancellation: return "The buyer of Amazon order \(id)\(number) asked to cancel it"
        case .deadLettered: return "\(detail ?? "a job") for Amazon order \(id) failed too often and was set aside"
        case .totalsHeld:
            return "Amazon order \(id) waits for its money to reconcile: \(record.totalsHold ?? "its charges do not add up to the grand total"); `saleschannel orders accept-totals \(id)` books it as sent"
        case .authorizationFailed, .sourceStopped: return "Amazon order \(id): \(detail ?? kind.rawValue)"
        }
    }
}

/// An effect could not run, for a reason of SalesChannel's own (not a plugin's).
struct ExecutionError: Error, CustomStringConvertible, PermanentFailureMarking {
    var description: String
    var isPermanent: Bool
    init(_ description: String, permanent: Bool = false) {
        self.description = description
        self.isPermanent = permanent
    }
}

/// Lets an error decide at run time whether it is permanent.
protocol PermanentFailureMarking { var isPermanent: Bool { get } }

extension Error {
    /// Retrying cannot cure this error.
    var isPermanentFailure: Bool {
        if self is any PermanentFailure { return true }
        if let marked = self as? any PermanentFailureMarking { return marked.isPermanent }
        return false
    }
}
