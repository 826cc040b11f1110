import AmazonChannel
import AmazonSandbox
import AmazonSellingPartner
import ChildProcesses
import ERPHandoff
import Foundation
import SalesChannel
import SalesChannelTesting
import Testing

/// docs/handoff-schema.json (version 1) and docs/handoff-schema-v2.json describe what the sinks
/// really send (checked with Python's jsonschema).
struct HandoffSchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Validates each document against the schema. - Returns: one error per document, `""` when valid.
    static func validate(_ documents: [Data], schema: String = "docs/handoff-schema.json") throws -> [String] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saleschannel-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let list = "[" + documents.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",") + "]"
        try list.write(to: folder.appendingPathComponent("documents.json"), atomically: true, encoding: .utf8)
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            validator = jsonschema.Draft202012Validator(schema)
            print(json.dumps([(lambda errors: "; ".join(e.message for e in errors))(list(validator.iter_errors(d)))
                              for d in json.load(open(sys.argv[2]))]))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, root.appendingPathComponent(schema).path,
                             folder.appendingPathComponent("documents.json").path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONSerialization.jsonObject(with: data) as? [String] ?? []
    }

    /// Envelopes of both versions for records made from `orders`.
    static func envelopes(_ orders: [ChannelOrder], version: Int) -> [HandoffEnvelope] {
        orders.enumerated().map { index, order in
            var record = OrderRecord(order: order, sourceID: "test", now: Date())
            record.commerceOrderNumber = index % 5 == 0 ? nil : CommerceOrderNumber(String(format: "%09d", index))
            record.customer = index % 3 == 0 ? .guest : index % 3 == 1 ? .account(CustomerID("C\(index)")) : nil
            return HandoffEnvelope(type: index % 7 == 0 ? .cancellation : .order, idempotencyKey: "\(order.amazonOrderID)/handoff:erp",
                                   order: HandoffDocument(record: record).version(version))
        }
    }

    /// Every order of a sandbox scenario, as the MFN source maps it.
    static func sandboxOrders() async throws -> [ChannelOrder] {
        try await VirtualAmazon.run({ $0.orders = 400; $0.existingShare = 1; $0.rateLimits = false }) { amazon in
            var source = amazon.source(.merchant)
            source.sweepInterval = nil
            var orders: [ChannelOrder] = []
            var checkpoint: SyncCheckpoint?
            var more = true
            while more {
                let page = try await source.changes(after: checkpoint)
                orders += page.orders
                checkpoint = page.checkpoint
                more = page.hasMore
            }
            return orders
        }
    }

    @Test func versionTwoDocumentsOfSandboxOrdersMatchTheirSchemaAndVersionOneStaysAsItWas() async throws {
        let orders = try await Self.sandboxOrders()
        #expect(orders.count > 200)
        for version in [1, 2] {
            let envelopes = Self.envelopes(orders, version: version)
            let errors = try Self.validate(try envelopes.map { try $0.json() }, schema: version == 1 ? "docs/handoff-schema.json" : "docs/handoff-schema-v2.json")
            #expect(errors.count == envelopes.count)
            #expect(errors.allSatisfy { $0.isEmpty }, "version \(version): \(errors.filter { !$0.isEmpty }.prefix(3))")
        }
        // Version 2 carries what the ERP needs; version 1 exactly the fields it always had.
        let v2 = Self.envelopes(orders, version: 2).map(\.order)
        #expect(v2.contains { $0.business?.purchaseOrderNumber != nil } && v2.contains { $0.lines.contains { $0.gift?.message != nil } })
        #expect(v2.contains { $0.fulfillment?.shipBy?.latest != nil } && v2.contains { $0.programs?.contains("PRIME") == true })
        #expect(v2.filter { $0.totals != nil }.count > 200)
        // Version 1 exactly as it was: every key of an order that has them all, and no other.
        let business = Set(orders.filter(\.isBusinessOrder).map(\.amazonOrderID))
        func complete(_ envelope: HandoffEnvelope) -> Bool {
            let document = envelope.order
            guard envelope.type == .order, document.commerceOrderNumber != nil, document.customer != nil else { return false }
            return document.shippingAddress?.phone != nil && document.orderTotal != nil && business.contains(document.amazonOrderID)
        }
        let full = try #require(Self.envelopes(orders, version: 1).first(where: complete))
        let v1 = try #require(try JSONSerialization.jsonObject(with: full.json()) as? [String: Any])
        #expect(Set(v1.keys) == ["type", "idempotencyKey", "order"])
        let order = try #require(v1["order"] as? [String: Any])
        #expect(Set(order.keys) == ["schemaVersion", "amazonOrderID", "marketplaceID", "sellerID", "commerceOrderNumber", "purchaseDate",
                                     "customer", "shippingAddress", "lines", "orderTotal"])
        #expect(order["schemaVersion"] as? Int == 1)
        let lines = try #require(order["lines"] as? [[String: Any]])
        #expect(lines.allSatisfy { Set($0.keys) == ["orderItemID", "sku", "title", "quantity", "quantityShipped"] })
        #expect(Set(try #require(order["shippingAddress"] as? [String: Any]).keys) == [
            "name", "addressLines", "city", "stateOrRegion", "postalCode", "countryCode", "phone"])
        // A version-2 document is not a version-1 one.
        let crossed = try Self.validate([try Self.envelopes(orders, version: 2)[1].json()])
        #expect(crossed.allSatisfy { !$0.isEmpty })
    }

    @Test func everyEnvelopeTheSinksSendMatchesTheSchema() throws {
        let source = ScriptedOrderSource(count: 200, seed: 9)
        let envelopes = Self.envelopes(source.finalOrders.values.sorted(by: { $0.amazonOrderID < $1.amazonOrderID }), version: 1)
        let errors = try Self.validate(try envelopes.map { try $0.json() })
        #expect(errors.count == envelopes.count)
        #expect(errors.allSatisfy { $0.isEmpty }, "\(errors.filter { !$0.isEmpty }.prefix(3))")
        #expect(envelopes.contains { $0.order.shippingAddress != nil && $0.order.orderTotal != nil })

        // The schema bites: a price as a floating-point number, a missing line, an unknown type.
        var document = try #require(try JSONSerialization.jsonObject(with: envelopes[1].json()) as? [String: Any])
        var order = try #require(document["order"] as? [String: Any])
        order["orderTotal"] = ["amount": 16.28, "currencyCode": "USD"]
        document["order"] = order
        var unknownType = document
        unknownType["type"] = "refund"
        order["lines"] = [] as [Any]
        var noLines = document
        noLines["order"] = order
        let broken = try Self.validate([document, unknownType, noLines].map { try JSONSerialization.data(withJSONObject: $0) })
        #expect(broken.allSatisfy { !$0.isEmpty }, "\(broken)")
    }
}
