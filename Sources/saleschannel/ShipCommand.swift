import ArgumentParser
import Foundation
import SalesChannel

struct ShipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ship",
        abstract: "Record a shipment with tracking; it is confirmed to Amazon through the outbox.",
        discussion: """
            Amazon, not SalesChannel, tells the buyer about the shipment (Amazon's policy). Without \
            --item every unshipped item is in the shipment. The confirmation runs with the next \
            `saleschannel run` (or the one already running).
            """)

    @OptionGroup var deployment: DeploymentOptions
    @Argument(help: "The Amazon order id.") var id: String
    @Option(help: "Amazon carrier code (UPS, USPS, FedEx, DHL, …), or Other with --carrier-name.") var carrier: String
    @Option(name: .customLong("carrier-name"), help: "The carrier's name; required with --carrier Other.") var carrierName: String?
    @Option(help: "Tracking number.") var tracking: String
    @Option(name: .customLong("ship-date"), help: "ISO 8601 date and time of shipping (default: now).") var shipDate: String?
    @Option(name: .customLong("item"), help: "ORDER-ITEM-ID=QTY; repeat for several items.") var items: [String] = []
    @Option(name: .customLong("shipping-method"), help: "Shipping method, for example Standard.") var shippingMethod: String?
    @Flag(help: "Ship even though the buyer asked Amazon to cancel the order.") var force = false

    func validate() throws {
        if carrier.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--carrier is empty: give Amazon's carrier code (UPS, USPS, FedEx, DHL, …), or Other with --carrier-name")
        }
        if carrier.caseInsensitiveCompare("Other") == .orderedSame && (carrierName ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--carrier Other needs --carrier-name")
        }
        if let shipDate, ISO8601DateFormatter().date(from: shipDate) == nil {
            throw ValidationError("--ship-date \(Sanitized(shipDate)) is not an ISO 8601 date and time, such as 2026-11-27T10:00:00Z")
        }
    }

    func run() async throws {
        let composition = try deployment.composition()
        let date = shipDate.flatMap { ISO8601DateFormatter().date(from: $0) } ?? Date()
        var requested: [ShipmentItem] = []
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let quantity = Int(parts[1]), quantity > 0 else {
                throw ValidationError("--item \(item): expected ORDER-ITEM-ID=QTY with a positive quantity")
            }
            requested.append(ShipmentItem(orderItemID: OrderItemID(parts[0]), quantity: quantity))
        }
        let settings = composition.settings
        // Spaces around what was typed or pasted are not part of it.
        let trimmed = { (text: String) in text.trimmingCharacters(in: .whitespaces) }
        let (carrier, carrierName, tracking, method, force) = (trimmed(carrier), carrierName.map(trimmed), trimmed(tracking), shippingMethod.map(trimmed), force)
        let requestedItems = requested
        let sources = composition.sources
        let record: OrderRecord
        do {
            record = try await composition.store.update(AmazonOrderID(id)) { stored in
            let sequence = stored.shipments.count + 1
            let shipItems = requestedItems.isEmpty
                ? stored.order.lines.compactMap { line -> ShipmentItem? in
                    let open = line.quantityOrdered - stored.shippedQuantity(line.orderItemID)
                    return open > 0 ? ShipmentItem(orderItemID: line.orderItemID, quantity: open) : nil
                }
                : requestedItems
            let shipment = Shipment(
                id: ShipmentID("\(stored.amazonOrderID)-S\(sequence)"), amazonOrderID: stored.amazonOrderID,
                packages: [ShipmentPackage(
                    packageReferenceID: String(sequence), carrierCode: carrier, carrierName: carrierName,
                    shippingMethod: method, trackingNumber: tracking, shipDate: date, items: shipItems)],
                recordedAt: Date())
            // The channel's own rules (Amazon's carrier codes), then the workflow's.
            let source = sources.first { $0.id == stored.sourceID }
            let prepared = try source?.prepare(shipment, for: stored.order) ?? shipment
            return composition.shaped(try Workflow.record(shipment: prepared, on: stored, settings: settings, now: Date(), overridingCancellationRequest: force))
            }
        } catch let rejection as ShipmentRejection {
            throw CommandFailure(Sanitized(rejection.description).description, status: 2)
        }
        await composition.store.close()
        guard let shipment = record.shipments.last, let package = shipment.packages.first else { return }
        let count = shipment.quantities.values.reduce(0, +)
        print("recorded shipment \(shipment.id): \(count) item(s), \(Sanitized(package.carrierCode)) \(Sanitized(package.trackingNumber)); confirmation to Amazon queued")
        if record.isFullyShipped { print("every item has shipped: the commerce order will be set to Complete") }
    }
}
