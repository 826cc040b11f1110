import Foundation
import SalesChannel
import SalesChannelTesting
import Testing

/// The stored forms of jobs and records: versioned, read back exactly, earlier forms still
/// read, later ones refused by name.
struct StoredFormTests {
    static let effects: [Effect] = [
        .assignCustomer,
        .createCommerceOrder(Effect.CommercePlan(status: .processing, requestedNumber: "000000042", affectsInventory: true)),
        .createCommerceOrder(Effect.CommercePlan(status: .complete, requestedNumber: nil, affectsInventory: false)),
        .handOff(sink: "erp"), .cancelHandoff(sink: "wms"), .cancelCommerceOrder,
        .recordCommerceShipment("111-S1"), .completeCommerceOrder, .confirmShipment("111-S2"),
        .notify(.handoffFailed, detail: "handoff:erp#2", notifier: "ops"), .notify(.orderImported, detail: nil),
    ]

    @Test func everyEffectIsStoredVersionedAndReadBackExactly() throws {
        for effect in Self.effects {
            let data = try StoredEffect.encode(effect)
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(json["v"] as? Int == StoredEffect.currentVersion, "\(effect.name) is stored with its form version")
            #expect(StoredEffect.decode(data, name: effect.name) == effect)
            // What releases before versioned forms stored is read the same way.
            #expect(StoredEffect.decode(try JSONEncoder().encode(effect), name: effect.name) == effect, "legacy \(effect.name)")
        }
    }

    @Test func anEffectThisReleaseCannotReadIsNamedWithItsReason() throws {
        let cases: [(String, String)] = [
            (#"{"v":2,"kind":"handoff","sink":"erp"}"#, "newer release"),
            (#"{"v":1,"kind":"teleport"}"#, "does not know (`teleport`)"),
            (#"{"v":1,"kind":"handoff"}"#, "without its `sink`"),
            (#"{"v":1,"kind":"notify","notice":"order-exploded"}"#, "`order-exploded`"),
            (#"{"renamedCase":{}}"#, "expected one"),
            ("not json", "not valid JSON"),
        ]
        for (json, reason) in cases {
            guard case .unreadable(let name, let why) = StoredEffect.decode(Data(json.utf8), name: "handoff:erp") else {
                Issue.record("\(json) was read")
                continue
            }
            #expect(name == "handoff:erp")
            #expect(why.contains(reason), "\(json): \(why)")
        }
    }

    @Test func recordsAreVersionedAndEarlierFormsStillRead() async throws {
        let orders = try await ScriptedOrderSource(count: 20, seed: 1).changes(after: nil).orders
        let records = orders.compactMap {
            Workflow.apply(snapshot: $0, to: nil, sourceID: "s", settings: OrderSettings(sinkNames: ["erp"]), now: Date(timeIntervalSince1970: 1_790_000_000)).record
        }
        let record = try #require(records.first { $0.order.fulfillmentChannel == .merchant && $0.visible })
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        let stored = try StoredRecord.encode(record, with: encoder)
        #expect((try JSONSerialization.jsonObject(with: stored) as? [String: Any])?["v"] as? Int == StoredRecord.currentVersion)
        #expect(try StoredRecord.decode(stored, with: decoder) == record)
        #expect(try StoredRecord.decode(try encoder.encode(record), with: decoder) == record, "a bare record of an earlier release")
        var newer = try #require(try JSONSerialization.jsonObject(with: stored) as? [String: Any])
        newer["v"] = StoredRecord.currentVersion + 1
        #expect(throws: StoredFormError.self) { try StoredRecord.decode(try JSONSerialization.data(withJSONObject: newer), with: decoder) }
    }
}
