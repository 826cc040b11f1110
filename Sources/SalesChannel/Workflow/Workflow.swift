import Foundation

/// The order workflow: Amazon's two fulfilment workflows as Adobe's Amazon Sales Channel
/// documents them (`reference/adobe-docs/fulfillment-workflows.md`), as pure functions.
///
/// Every function takes the stored record and an input (a channel snapshot, a merchant's
/// shipment, or the outcome of an effect) and returns the new record with the effects to run.
/// Nothing here does I/O, reads a clock or draws a random number: the caller passes `now`.
public enum Workflow {
    // MARK: Snapshots

    /// Folds a new channel snapshot into the stored record.
    ///
    /// Merchant-fulfilled (MFN): Pending is imported but hidden (step 1); Unshipped shows the
    /// order (step 2) and creates the commerce order with its details (step 3), after the
    /// customer is decided (step 4), then hands it to fulfilment (step 4); shipments complete
    /// it (step 5). Fulfilled by Amazon (FBA): nothing is imported before `Shipped` (step 2);
    /// then the commerce order is created `Complete`, affecting no inventory (step 3).
    ///
    /// A snapshot older than the record, or a repeat of it, changes nothing; a status never
    /// moves backwards and shipped quantities never shrink.
    public static func apply(
        snapshot: ChannelOrder, to stored: OrderRecord?, sourceID: String, settings: OrderSettings, now: Date
    ) -> WorkflowDecision {
        // FBA step 2: not imported until Amazon ships it.
        if stored == nil, snapshot.fulfillmentChannel == .amazon, snapshot.status != .shipped {
            return .unchanged(nil)
        }
        var events: [OrderEvent] = []
        var record: OrderRecord
        if let stored {
            guard snapshot.lastUpdateDate >= stored.order.lastUpdateDate else { return .unchanged(stored) }
            let merged = merge(snapshot, into: stored.order)
            guard merged != stored.order else { return .unchanged(stored) }
            record = stored
            if merged.status != stored.order.status {
                events.append(event(record, .statusChanged, "Amazon status \(stored.order.status) → \(merged.status)", now))
            }
            record.order = merged
        } else {
            record = OrderRecord(order: snapshot, sourceID: sourceID, now: now)
            events.append(event(record, .imported, "imported from \(sourceID) with Amazon status \(snapshot.status)", now))
        }
        record.updatedAt = now
        var effects: [Effect] = []
        advance(&record, settings: settings, now: now, effects: &effects, events: &events)
        return WorkflowDecision(record: record, effects: effects, events: events)
    }

    /// Combines a newer snapshot with what is stored, never moving backwards.
    static func merge(_ snapshot: ChannelOrder, into stored: ChannelOrder) -> ChannelOrder {
        var merged = snapshot
        if snapshot.status.progress < stored.status.progress
            || (snapshot.status.progress == stored.status.progress && stored.status.isTerminal)
        {
            merged.status = stored.status
        }
        merged.lines = snapshot.lines.map { line in
            var line = line
            if let old = stored.line(line.orderItemID) {
                line.quantityShipped = max(line.quantityShipped, old.quantityShipped)
                // A snapshot without money or details (Amazon withholds them in some states, or a
                // request asked for fewer datasets) keeps what was known.
                // A breakdown already known is never replaced by a price derived without one.
                if line.charges == nil && (line.itemPrice == nil || old.charges != nil) {
                    line.itemPrice = old.itemPrice
                    line.itemTax = old.itemTax
                    line.charges = old.charges
                    line.proceedsTotal = old.proceedsTotal
                }
                line.unitPrice = line.unitPrice ?? old.unitPrice
                line.promotionIDs = line.promotionIDs ?? old.promotionIDs
                line.gift = line.gift ?? old.gift
                line.taxReportingScheme = line.taxReportingScheme ?? old.taxReportingScheme
                line.taxCollectionModel = line.taxCollectionModel ?? old.taxCollectionModel
                line.iossNumber = line.iossNumber ?? old.iossNumber
            }
            return line
        }
        // Amazon drops buyer data from old orders; keep what was already imported.
        merged.buyer = snapshot.buyer ?? stored.buyer
        merged.shippingAddress = snapshot.shippingAddress ?? stored.shippingAddress
        merged.buyerCancellationRequest = snapshot.buyerCancellationRequest ?? stored.buyerCancellationRequest
        if snapshot.orderTotal == nil && snapshot.orderCharges == nil {
            merged.orderTotal = stored.orderTotal
            merged.orderCharges = stored.orderCharges
        }
        merged.fulfillmentDetails = snapshot.fulfillmentDetails ?? stored.fulfillmentDetails
        merged.programs = snapshot.programs ?? stored.programs
        merged.taxRegistrations = snapshot.taxRegistrations ?? stored.taxRegistrations
        return merged
    }

    /// Plans whatever the record's current state calls for and has not been planned yet.
    static func advance(
        _ record: inout OrderRecord, settings: OrderSettings, now: Date,
        effects: inout [Effect], events: inout [OrderEvent]
    ) {
        let order = record.order
        let isFBA = order.fulfillmentChannel == .amazon

        // MFN step 2 / FBA step 2: once Amazon has verified (or canceled) an order, it is shown.
        if !order.status.isAwaitingVerification {
            record.visible = true
        }
        if record.visible && !record.isCanceled && !record.plans.importedNotice {
            record.plans.importedNotice = true
            effects.append(.notify(.orderImported, detail: nil))
        }

        if order.buyerCancellationRequest != nil && !record.buyerCancellationFlagged && !record.isCanceled {
            record.buyerCancellationFlagged = true
            events.append(event(record, .buyerRequestedCancellation, "the buyer asked Amazon to cancel this order", now))
            effects.append(.notify(.buyerRequestedCancellation, detail: nil))
        }

        // Amazon canceled the order (before it shipped; shipped orders cannot be canceled).
        if record.isCanceled {
            if record.totalsHold != nil {
                // Nothing will be booked: the hold no longer stands in anyone's way.
                record.totalsHold = nil
                if record.lastError?.hasPrefix("totals held: ") == true { record.lastError = nil }
            }
            if !record.plans.cancellation && (record.plans.commerceOrder || record.plans.handoff) {
                record.plans.cancellation = true
                if record.plans.commerceOrder { effects.append(.cancelCommerceOrder) }
                if record.plans.handoff {
                    effects += settings.sinkNames.map { .cancelHandoff(sink: $0) }
                }
                effects.append(.notify(.canceled, detail: nil))
                events.append(event(record, .canceled, "Amazon canceled the order; canceling the commerce order", now))
            } else if !record.plans.cancellation {
                record.plans.cancellation = true
                events.append(event(record, .canceled, "Amazon canceled the order before it was verified", now))
            }
            return
        }

        guard settings.importAmazonOrders else { return }

        // MFN step 3 and 4 / FBA step 3: the commerce order, after the customer is decided,
        // and only with money that adds up (or that the merchant accepted).
        let readyForCommerce = isFBA ? order.status == .shipped : record.visible
        if readyForCommerce && !record.plans.commerceOrder {
            holdUnlessTotalsReconcile(&record, settings: settings, now: now, effects: &effects, events: &events)
        }
        if readyForCommerce && !record.plans.commerceOrder && record.totalsHold == nil {
            record.plans.commerceOrder = true
            let plan = Effect.CommercePlan(
                status: isFBA ? .complete : settings.newOrderStatus,
                requestedNumber: settings.orderNumberSource == .amazonOrderNumber
                    ? CommerceOrderNumber(order.amazonOrderID.rawValue) : nil,
                affectsInventory: !isFBA)
            effects.append(.assignCustomer)
            effects.append(.createCommerceOrder(plan))
            if isFBA {
                // Amazon ships FBA orders: no handoff, the order is created Complete.
                record.plans.completion = true
                record.handoff = .notApplicable
            } else if order.status == .shipped {
                // Shipped before we ever saw it (for example from Seller Central): nothing to fulfil.
                record.plans.completion = true
                effects.append(.completeCommerceOrder)
            } else if !settings.sinkNames.isEmpty {
                record.plans.handoff = true
                record.handoff = .pending
                effects += settings.sinkNames.map { .handOff(sink: $0) }
            }
        }

        // MFN step 5: every item shipped makes the commerce order Complete.
        if record.plans.commerceOrder && !record.plans.completion && record.isFullyShipped {
            record.plans.completion = true
            effects.append(.completeCommerceOrder)
        }
    }

    /// Holds an order whose charges do not add up to Amazon's grand total (beyond the settings'
    /// tolerance), unless the merchant accepted its money; clears the hold once they do.
    static func holdUnlessTotalsReconcile(
        _ record: inout OrderRecord, settings: OrderSettings, now: Date, effects: inout [Effect], events: inout [OrderEvent]
    ) {
        let reconciliation = record.order.reconciliation
        var problem = reconciliation.problem
        // The tolerance applies to the grand total's difference alone, never to a line's own parts.
        if case .mismatch(let totals) = reconciliation, let difference = totals.difference, abs(difference) <= settings.totalsTolerance {
            problem = nil
        }
        if record.totalsAccepted == true, reconciliation.totals != nil { problem = nil }
        guard problem != record.totalsHold else { return }
        if let problem {
            record.totalsHold = problem
            record.lastError = "totals held: " + problem
            events.append(event(record, .totalsHeld, "no commerce order until the money reconciles: \(problem)", now))
            effects.append(.notify(.totalsHeld, detail: nil))
        } else {
            if record.lastError?.hasPrefix("totals held: ") == true { record.lastError = nil }
            record.totalsHold = nil
            events.append(event(record, record.totalsAccepted == true ? .totalsAccepted : .totalsReconciled,
                                record.totalsAccepted == true ? "the merchant accepted the order's money as Amazon sent it" : "the order's money now reconciles", now))
        }
    }

    /// The merchant accepts a held order's money as Amazon sent it (`orders accept-totals ID`):
    /// the commerce order is created with it.
    /// - Throws: ``TotalsNotHeld`` when the order is not held for its totals.
    public static func acceptTotals(of stored: OrderRecord, settings: OrderSettings, now: Date) throws(TotalsNotHeld) -> WorkflowDecision {
        guard stored.totalsHold != nil, !stored.isCanceled else { throw TotalsNotHeld(order: stored.amazonOrderID) }
        guard stored.order.reconciliation.totals != nil else {
            // Money in several currencies cannot be added up into one commerce order.
            throw TotalsNotHeld(order: stored.amazonOrderID, reason: "its amounts are in several currencies and cannot be booked as one order")
        }
        var record = stored
        record.totalsAccepted = true
        record.updatedAt = now
        var effects: [Effect] = []
        var events: [OrderEvent] = []
        advance(&record, settings: settings, now: now, effects: &effects, events: &events)
        return WorkflowDecision(record: record, effects: effects, events: events)
    }

    // MARK: Shipments

    /// Records a shipment the merchant made (MFN step 5): the tracking is confirmed to Amazon
    /// through the outbox, the commerce order's shipped quantities are updated, and when every
    /// item has shipped the commerce order becomes `Complete`.
    ///
    /// The shipment is checked as Amazon would check it, and more: a tracking number of
    /// printable characters only (at most ``maximumTextLength``), a carrier name with `Other`, a
    /// ship date neither before the purchase nor more than ``shipDateSkew`` in the future, no
    /// shipment identical to one already recorded (same items, carrier and tracking), and, when
    /// the buyer asked Amazon to cancel, only with `overridingCancellationRequest`.
    ///
    /// - Throws: ``ShipmentRejection`` when the order cannot take this shipment.
    public static func record(
        shipment: Shipment, on stored: OrderRecord, settings: OrderSettings, now: Date, overridingCancellationRequest: Bool = false
    ) throws(ShipmentRejection) -> WorkflowDecision {
        let order = stored.order
        guard order.fulfillmentChannel == .merchant else {
            throw ShipmentRejection(order: order.amazonOrderID, reason: "Amazon ships FBA orders; only merchant-fulfilled orders take shipments")
        }
        guard !stored.isCanceled else {
            throw ShipmentRejection(order: order.amazonOrderID, reason: "the order is canceled at Amazon")
        }
        guard stored.visible, order.status == .unshipped || order.status == .partiallyShipped else {
            throw ShipmentRejection(order: order.amazonOrderID, reason: "Amazon status is \(order.status); only Unshipped or PartiallyShipped orders can be shipped")
        }
        guard !shipment.packages.isEmpty, shipment.packages.allSatisfy({ !$0.items.isEmpty }) else {
            throw ShipmentRejection(order: order.amazonOrderID, reason: "a shipment needs at least one package with items")
        }
        guard !stored.shipments.contains(where: { $0.id == shipment.id }) else {
            throw ShipmentRejection(order: order.amazonOrderID, reason: "shipment \(shipment.id) is already recorded")
        }
        for (item, quantity) in shipment.quantities {
            guard let line = order.line(item) else {
                throw ShipmentRejection(order: order.amazonOrderID, reason: "order item \(item) is not on this order")
            }
            let open = line.quantityOrdered - stored.shippedQuantity(item)
            guard quantity > 0, quantity <= open else {
                throw ShipmentRejection(order: order.amazonOrderID, reason: "order item \(item): \(quantity) requested, \(open) left to ship")
            }
        }
        for package in shipment.packages {
            func refuse(_ reason: String) -> ShipmentRejection { ShipmentRejection(order: order.amazonOrderID, reason: reason) }
            guard !package.trackingNumber.isEmpty, package.trackingNumber == package.trackingNumber.trimmingCharacters(in: .whitespacesAndNewlines) else {
                throw refuse("a tracking number is required, without spaces around it")
            }
            if let problem = textProblem(package.trackingNumber, "the tracking number") { throw refuse(problem) }
            guard !package.carrierCode.isEmpty else { throw refuse("a carrier code is required (UPS, USPS, FedEx, DHL, …, or Other with a carrier name)") }
            if let problem = textProblem(package.carrierCode, "the carrier code") { throw refuse(problem) }
            guard package.carrierCode != "Other" || !(package.carrierName?.trimmingCharacters(in: .whitespaces) ?? "").isEmpty else {
                throw refuse("carrier code `Other` needs a carrier name")
            }
            for (text, what) in [(package.carrierName, "the carrier name"), (package.shippingMethod, "the shipping method")] {
                if let text, let problem = textProblem(text, what) { throw refuse(problem) }
            }
            guard package.shipDate >= order.purchaseDate.addingTimeInterval(-60) else {
                throw refuse("the ship date \(package.shipDate.formatted(Date.ISO8601FormatStyle())) is before the order was placed (\(order.purchaseDate.formatted(Date.ISO8601FormatStyle())))")
            }
            guard package.shipDate <= now.addingTimeInterval(shipDateSkew) else {
                throw refuse("the ship date \(package.shipDate.formatted(Date.ISO8601FormatStyle())) is in the future")
            }
        }
        // The same shipment twice (a command run again) would be confirmed to Amazon twice.
        let signature = { (shipment: Shipment) in
            shipment.packages.map { "\($0.carrierCode.lowercased())|\($0.trackingNumber)|\($0.items.sorted { $0.orderItemID.rawValue < $1.orderItemID.rawValue }.map { "\($0.orderItemID)=\($0.quantity)" })" }.sorted()
        }
        if let twin = stored.shipments.first(where: { $0.amazonConfirmation != .failed && signature($0) == signature(shipment) }) {
            throw ShipmentRejection(order: order.amazonOrderID, reason: "the same shipment (items, carrier and tracking) is already recorded as \(twin.id)")
        }
        if stored.buyerCancellationFlagged, !overridingCancellationRequest {
            throw ShipmentRejection(
                order: order.amazonOrderID,
                reason: "the buyer asked Amazon to cancel this order; cancel it, or ship it anyway with --force")
        }
        var record = stored
        var shipment = shipment
        shipment.amazonConfirmation = .pending
        record.shipments.append(shipment)
        record.updatedAt = now
        var effects: [Effect] = [.confirmShipment(shipment.id)]
        if record.plans.commerceOrder { effects.append(.recordCommerceShipment(shipment.id)) }
        var events = [event(record, .shipmentRecorded, "shipment \(shipment.id) recorded: \(shipment.packages.count) package(s), \(shipment.quantities.values.reduce(0, +)) item(s)", now)]
        advance(&record, settings: settings, now: now, effects: &effects, events: &events)
        return WorkflowDecision(record: record, effects: effects, events: events)
    }

    /// How far a ship date may lie in the future (clocks differ a little).
    public static let shipDateSkew: TimeInterval = 600
    /// The longest tracking number, carrier name or shipping method taken.
    public static let maximumTextLength = 64

    /// Why a piece of shipment text cannot be sent: control characters, or too long.
    static func textProblem(_ text: String, _ what: String) -> String? {
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) {
            return "\(what) holds control characters (a newline, an escape sequence)"
        }
        if text.count > maximumTextLength { return "\(what) is \(text.count) characters long; at most \(maximumTextLength) are taken" }
        return nil
    }

    // MARK: Effect outcomes

    /// Folds the outcome of an effect that ran into the record.
    public static func apply(
        _ outcome: EffectOutcome, of effect: Effect, to stored: OrderRecord, now: Date
    ) -> WorkflowDecision {
        var record = stored
        record.updatedAt = now
        var effects: [Effect] = []
        var events: [OrderEvent] = []
        switch outcome {
        case .customerAssigned(let customer):
            record.customer = customer
            let who = customer.customerID.map { "customer account \($0)" } ?? "guest checkout"
            events.append(event(record, .customerAssigned, who, now))
        case .commerceOrderCreated(let commerce):
            record.commerceOrderNumber = commerce.number
            record.commerceStatus = commerce.status
            record.customer = commerce.customer
            events.append(event(record, .commerceOrderCreated, "commerce order \(commerce.number) created as \(commerce.status)", now))
            effects.append(.notify(.commerceOrderCreated, detail: nil))
            // Shipments recorded before the commerce order existed are applied to it now.
            effects += record.shipments.map { .recordCommerceShipment($0.id) }
        case .handedOff(let sink, let reference):
            record.handoff = .delivered
            events.append(event(record, .handedOff, "handed to \(sink)" + (reference.map { " (\($0))" } ?? ""), now))
        case .handoffCanceled(let sink):
            events.append(event(record, .canceled, "cancellation delivered to \(sink)", now))
        case .commerceOrderCanceled:
            record.commerceStatus = .canceled
            events.append(event(record, .canceled, "commerce order canceled", now))
        case .commerceShipmentRecorded:
            break
        case .commerceOrderCompleted:
            record.commerceStatus = .complete
            events.append(event(record, .commerceOrderCompleted, "commerce order complete: every item shipped", now))
        case .shipmentConfirmed(let id):
            if let index = record.shipments.firstIndex(where: { $0.id == id }) {
                record.shipments[index].amazonConfirmation = .confirmed
                record.shipments[index].lastError = nil
                let confirmed = record.shipments.filter { $0.amazonConfirmation == .confirmed }
                for line in record.order.lines.indices {
                    let item = record.order.lines[line].orderItemID
                    let quantity = confirmed.reduce(0) { $0 + ($1.quantities[item] ?? 0) }
                    record.order.lines[line].quantityShipped = max(
                        record.order.lines[line].quantityShipped,
                        min(quantity, record.order.lines[line].quantityOrdered))
                }
                // The channel order is Shipped once Amazon has every item.
                if record.order.isFullyShipped {
                    record.order.status = .shipped
                } else if record.order.status == .unshipped {
                    record.order.status = .partiallyShipped
                }
            }
            events.append(event(record, .shipmentConfirmed, "Amazon accepted shipment \(id)", now))
            effects.append(.notify(.shipmentConfirmed, detail: id.rawValue))
        case .notified:
            break
        }
        if case .notify = effect {} else { record.lastError = nil }
        return WorkflowDecision(record: record, effects: effects, events: events)
    }

    /// Records that an effect failed. With `final` it has been dead-lettered (or was refused
    /// for good, such as Amazon's 400 on a shipment confirmation) and the merchant is told.
    public static func failed(
        _ effect: Effect, on stored: OrderRecord, reason: String, final: Bool, now: Date, generation: Int = 1
    ) -> WorkflowDecision {
        var record = stored
        record.updatedAt = now
        // A replay a person asked for failing leaves what the first delivery achieved as it is:
        // the handoff stays delivered, the shipment confirmed; the failure is told, not recorded
        // as the order's state.
        if generation > 1 {
            guard final else {
                return WorkflowDecision(record: record, effects: [], events: [
                    event(record, .effectFailed, "replay \(generation) of \(effect.name) failed, will retry: \(reason)", now)])
            }
            var effects: [Effect] = []
            if case .notify = effect {} else {
                effects.append(.notify(.deadLettered, detail: noticeDetail("\(effect.name)/replay", for: effect, on: &record)))
            }
            return WorkflowDecision(record: record, effects: effects, events: [
                event(record, .deadLettered, "replay \(generation) of \(effect.name) dead-lettered: \(reason); the first run's result stands", now)])
        }
        record.lastError = "\(effect.name): \(reason)"
        var events: [OrderEvent] = []
        var effects: [Effect] = []
        guard final else {
            events.append(event(record, .effectFailed, "\(effect.name) failed, will retry: \(reason)", now))
            return WorkflowDecision(record: record, effects: effects, events: events)
        }
        switch effect {
        case .handOff(let sink):
            record.handoff = .failed
            events.append(event(record, .handoffFailed, "handoff to \(sink) failed: \(reason)", now))
            effects.append(.notify(.handoffFailed, detail: noticeDetail(sink, for: effect, on: &record)))
        case .confirmShipment(let id):
            if let index = record.shipments.firstIndex(where: { $0.id == id }) {
                record.shipments[index].amazonConfirmation = .failed
                record.shipments[index].lastError = reason
            }
            events.append(event(record, .shipmentRefused, "Amazon refused shipment \(id): \(reason)", now))
            effects.append(.notify(.shipmentRefused, detail: noticeDetail(id.rawValue, for: effect, on: &record)))
        default:
            events.append(event(record, .deadLettered, "\(effect.name) dead-lettered: \(reason)", now))
            if case .notify = effect {} else { effects.append(.notify(.deadLettered, detail: noticeDetail(effect.name, for: effect, on: &record))) }
        }
        return WorkflowDecision(record: record, effects: effects, events: events)
    }

    /// The detail of a failure notice: `detail` the first time `effect` fails for good, then
    /// `detail#2`, `detail#3`, … (a replayed job that fails again is notified again; the same
    /// key would be taken for a repeat and dropped).
    static func noticeDetail(_ detail: String, for effect: Effect, on record: inout OrderRecord) -> String {
        let count = (record.failureNotices?[effect.name] ?? 0) + 1
        record.failureNotices = (record.failureNotices ?? [:]).merging([effect.name: count]) { $1 }
        return count == 1 ? detail : "\(detail)#\(count)"
    }

    static func event(_ record: OrderRecord, _ kind: OrderEvent.Kind, _ message: String, _ now: Date) -> OrderEvent {
        OrderEvent(amazonOrderID: record.amazonOrderID, at: now, kind: kind, message: message)
    }
}

/// A shipment the order cannot take, with the reason in words a merchant can act on.
public struct ShipmentRejection: Error, Hashable, Sendable, CustomStringConvertible {
    public var order: AmazonOrderID
    public var reason: String
    public init(order: AmazonOrderID, reason: String) {
        self.order = order
        self.reason = reason
    }
    public var description: String { "order \(order): \(reason)" }
}
