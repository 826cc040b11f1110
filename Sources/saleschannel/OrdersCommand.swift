import ArgumentParser
import Foundation
import SalesChannel

struct OrdersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "The Orders page: visible channel orders with their commerce orders.",
        discussion: "Pending orders are imported but hidden, as Amazon has not verified them; --all shows them too.",
        subcommands: [List.self, AcceptTotals.self, Quarantined.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The Orders page (the default).")

        @OptionGroup var deployment: DeploymentOptions
        @Flag(help: "Include hidden (Pending) orders.") var all = false
        @Flag(help: "Print one JSON array (the stable interface documented in docs/orders-json.md).") var json = false
        @Option(help: "Only MFN or AFN orders.") var channel: FulfillmentChannel?
        @Option(help: "Only orders with this Amazon status (UNSHIPPED, SHIPPED, CANCELLED, …).") var status: String?
        @Option(help: "Only orders of this marketplace id.") var marketplace: String?
        @Option(help: "Only orders whose id or buyer name contains this text.") var search: String?
        @Flag(name: .customLong("with-errors"), help: "Only orders showing an error or held totals.") var withErrors = false
        @Flag(name: .customLong("newest-first"), help: "Newest purchase first.") var newestFirst = false
        @Option(help: "At most this many orders; the last line says how to see the next ones.") var limit: Int?
        @Option(help: "Continue after this position (printed by a listing with --limit).") var after: String?

        func validate() throws {
            if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
        }

        func run() async throws {
            var query = OrderQuery(includeHidden: all)
            query.fulfillmentChannel = channel
            query.amazonStatus = status.map(AmazonOrderStatus.init(rawValue:))
            query.marketplace = marketplace.map { MarketplaceID($0) }
            query.text = search
            query.hasError = withErrors ? true : nil
            query.sort = newestFirst ? .purchaseDateDescending : .purchaseDateAscending
            query.limit = limit
            query.cursor = after
            let listing: OrderListing
            do {
                listing = try await deployment.reading { [query] in try await $0.orders(query) }
            } catch let error as OrderQueryError {
                throw CommandFailure(error.description, status: 2)
            }
            let records = listing.orders
            if json {
                let data = try cliEncoder().encode(records.map(OrderView.init))
                print(String(decoding: data, as: UTF8.self))
                // The array stays the documented interface; where the next page starts goes to standard error.
                if let next = listing.nextCursor { printError("more: add --after \(next)") }
                return
            }
            say(pad("AMAZON ORDER", 21) + pad("CH", 4) + pad("AMAZON STATUS", 18) + pad("TOTAL", 14) + pad("COMMERCE", 11) + pad("STATUS", 11)
                + pad("CUSTOMER", 10) + "HANDOFF")
            for record in records {
                let view = OrderView(record)
                let total = view.totals.map { "\($0.grandTotal) \($0.currency)" } ?? "-"
                say(pad(view.amazonOrderId, 21) + pad(view.fulfillmentChannel, 4) + pad(view.amazonStatus + (record.visible ? "" : "*"), 18)
                    + pad(total, 14) + pad(view.commerceOrderNumber ?? "-", 11) + pad(view.commerceStatus ?? "-", 11)
                    + pad(view.customer.map { $0.id ?? $0.kind } ?? "-", 10) + view.handoff.status
                    + ((view.totalsHeld.map { "totals held: \($0)" } ?? view.lastError).map { "  ! \($0)" } ?? ""))
            }
            say("\(records.count) order(s)" + (all ? " (* hidden: not yet verified by Amazon)" : ""))
            if let next = listing.nextCursor { say("more: add --after \(next)") }
        }
    }

    /// What a source or an intake could not use, kept with its reason.
    struct Quarantined: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "quarantined",
            abstract: "Orders a sync could not read and notices an intake could not use, with their reasons.",
            discussion: "The raw payloads may hold buyer data: they are shown only with --payload. Fix the cause, then `saleschannel recover ID` brings an order in.")
        @OptionGroup var deployment: DeploymentOptions
        @Flag(help: "Print one JSON array.") var json = false
        @Flag(help: "Include each item's raw payload.") var payload = false

        func run() async throws {
            let items = try await deployment.reading { try await $0.composition.store.quarantined() }
            if json {
                struct Item: Encodable { var source: String; var amazonOrderId: String?; var reason: String; var at: Date; var payload: String? }
                let data = try cliEncoder().encode(items.map { Item(source: $0.sourceID, amazonOrderId: $0.amazonOrderID?.rawValue, reason: $0.reason, at: $0.at, payload: payload ? $0.payload : nil) })
                print(String(decoding: data, as: UTF8.self))
                return
            }
            for item in items {
                say("\(item.at.formatted(.iso8601))  \(pad(item.sourceID, 34))\(pad(item.amazonOrderID?.rawValue ?? "-", 21))\(item.reason)")
                if payload { say("    \(item.payload)") }
            }
            say("\(items.count) quarantined item(s)")
        }
    }

    /// The merchant books a held order's money as Amazon sent it.
    struct AcceptTotals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "accept-totals",
            abstract: "Create the commerce order of an order held because its charges do not add up to Amazon's grand total, with the money as Amazon sent it.")

        @OptionGroup var deployment: DeploymentOptions
        @Argument(help: "The Amazon order id.") var id: String

        func run() async throws {
            let id = AmazonOrderID(self.id)
            let record: OrderRecord
            do {
                record = try await deployment.withEngine { try await $0.acceptTotals(of: id) }
            } catch let error as TotalsNotHeld {
                throw CommandFailure(error.description)
            } catch let error as StoreError {
                throw CommandFailure(error.description)
            }
            print("order \(id): money accepted as Amazon sent it (grand total \(record.order.orderTotal?.description ?? "-")); the commerce order is created with the next `run`")
        }
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

struct OrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "order", abstract: "One order with its event history.")

    @OptionGroup var deployment: DeploymentOptions
    @Argument(help: "The Amazon order id.") var id: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let id = self.id
        guard let detail = try await deployment.reading({ try await $0.order(AmazonOrderID(id)) }) else {
            throw CommandFailure("order \(id) is not in the store; `saleschannel orders --all` lists what is")
        }
        let (record, events) = (detail.record, detail.events)
        if json {
            struct Detail: Encodable { var order: OrderView; var events: [OrderEvent] }
            print(String(decoding: try cliEncoder().encode(Detail(order: OrderView(record), events: events)), as: UTF8.self))
            return
        }
        let view = OrderView(record)
        say("Amazon order \(view.amazonOrderId)  \(view.fulfillmentChannel)  \(view.amazonStatus)\(record.visible ? "" : " (hidden: not verified yet)")")
        say("marketplace \(view.marketplaceId) · seller \(view.sellerId) · source \(record.sourceID)")
        say("commerce order \(view.commerceOrderNumber ?? "-") \(view.commerceStatus ?? "") · customer \(view.customer.map { $0.id ?? $0.kind } ?? "-") · handoff \(view.handoff.status)")
        if record.buyerCancellationFlagged { say("the buyer asked Amazon to cancel this order") }
        if let totals = view.totals {
            say("money (\(totals.currency)): subtotal \(totals.subtotal) · shipping \(totals.shipping) · gift wrap \(totals.giftWrap) · tax \(totals.tax) · discount \(totals.discount) · other \(totals.other)\(totals.codFee == "0" ? "" : " · COD fee \(totals.codFee)") · grand total \(totals.grandTotal)")
        }
        if let business = view.business {
            // Registration numbers can be a person's tax number: only their kinds are shown here.
            say("business order: \(business.companyName ?? "-") · purchase order \(business.purchaseOrderNumber ?? "-")"
                + (record.order.taxRegistrations.map { " · tax registrations: \($0.map { "\($0.entityType ?? "-") \($0.type ?? "-")" }.joined(separator: ", "))" } ?? ""))
        }
        if let held = view.totalsHeld { say("held: \(held); `saleschannel orders accept-totals \(view.amazonOrderId)` books it as Amazon sent it") }
        if let details = record.order.fulfillmentDetails {
            let format = { (date: Date?) in date.map { ISO8601DateFormatter().string(from: $0) } ?? "-" }
            say("ship by \(details.shipBy.map { format($0.latest) } ?? "-") · deliver by \(details.deliverBy.map { format($0.latest) } ?? "-") · service \(details.serviceLevel ?? "-")"
                + (record.order.programs.map { " · programs \($0.joined(separator: ", "))" } ?? ""))
        }
        for line in record.order.lines {
            let money = line.unitPrice.map { " · \($0.amount) each, \(line.itemPrice?.amount ?? 0) + tax \(line.rowTax) + discount \(line.rowDiscount)" } ?? ""
            say("  item \(line.orderItemID)  \(line.sku)  \(record.shippedQuantity(line.orderItemID))/\(line.quantityOrdered) shipped\(money)\(line.gift != nil ? " · gift" : "")")
        }
        for shipment in view.shipments {
            say("  shipment \(shipment.shipmentId)  \(shipment.carrier) \(shipment.trackingNumber)  Amazon: \(shipment.amazonConfirmation)\(shipment.error.map { " (\($0))" } ?? "")")
        }
        if let error = view.lastError { say("last error: \(error)") }
        say("history:")
        let formatter = ISO8601DateFormatter()
        for event in events { say("  \(formatter.string(from: event.at))  \(pad(event.kind.rawValue, 28))\(event.message)") }
    }
}

extension FulfillmentChannel: ExpressibleByArgument {}
