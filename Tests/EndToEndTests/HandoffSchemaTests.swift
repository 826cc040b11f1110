import ERPHandoff
import Foundation
import SalesChannel
import SalesChannelTesting
import Testing

/// docs/handoff-schema.json describes what the sinks really send (checked with Python's jsonschema).
struct HandoffSchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Validates each document against the schema. - Returns: one error per document, `""` when valid.
    static func validate(_ documents: [Data]) throws -> [String] {
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
        process.arguments = ["python3", "-c", script, root.appendingPathComponent("docs/handoff-schema.json").path,
                             folder.appendingPathComponent("documents.json").path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONSerialization.jsonObject(with: data) as? [String] ?? []
    }

    @Test func everyEnvelopeTheSinksSendMatchesTheSchema() throws {
        let source = ScriptedOrderSource(count: 200, seed: 9)
        var envelopes: [HandoffEnvelope] = []
        for (index, order) in source.finalOrders.values.sorted(by: { $0.amazonOrderID < $1.amazonOrderID }).enumerated() {
            var record = OrderRecord(order: order, sourceID: source.id, now: Date())
            record.commerceOrderNumber = index % 5 == 0 ? nil : CommerceOrderNumber(String(format: "%09d", index))
            record.customer = index % 3 == 0 ? .guest : index % 3 == 1 ? .account(CustomerID("C\(index)")) : nil
            envelopes.append(HandoffEnvelope(type: index % 7 == 0 ? .cancellation : .order,
                                             idempotencyKey: "\(order.amazonOrderID)/handoff:erp", order: HandoffDocument(record: record)))
        }
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
