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
        var requested: [ShipmentItem] = []
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let quantity = Int(parts[1]), quantity > 0 else {
                throw ValidationError("--item \(item): expected ORDER-ITEM-ID=QTY with a positive quantity")
            }
            requested.append(ShipmentItem(orderItemID: OrderItemID(parts[0]), quantity: quantity))
        }
        let request = ShipmentRequest(
            amazonOrderID: AmazonOrderID(id), carrierCode: carrier, carrierName: carrierName, trackingNumber: tracking,
            shippingMethod: shippingMethod, shipDate: shipDate.flatMap { ISO8601DateFormatter().date(from: $0) },
            items: requested, overridingCancellationRequest: force)
        let (shipment, record) = try await deployment.withEngine { engine in
            do {
                let shipment = try await engine.recordShipment(request)
                return (shipment, try await engine.order(request.amazonOrderID)?.record)
            } catch let rejection as ShipmentRejection {
                throw CommandFailure(Sanitized(rejection.description).description, status: 2)
            }
        }
        guard let package = shipment.packages.first else { return }
        let count = shipment.quantities.values.reduce(0, +)
        print("recorded shipment \(shipment.id): \(count) item(s), \(Sanitized(package.carrierCode)) \(Sanitized(package.trackingNumber)); confirmation to Amazon queued")
        if record?.isFullyShipped == true { print("every item has shipped: the commerce order will be set to Complete") }
    }
}
