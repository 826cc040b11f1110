import AmazonSandbox
import Foundation
import Logging
import SalesChannel
import Shop
import Testing

struct ShopTests {
    @Test func importsTheSandboxIntoTheHostsOwnBackend() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("host-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var sandbox = SandboxConfiguration()
        sandbox.orders = 80
        let settings = sandbox
        let shop = ShopBackend()
        let counters = try await AmazonSandbox.withRunning(settings) { endpoint in
            try await ShopImport.importOnce(
                account: ShopImport.sandboxAccount(endpoint, settings), into: shop, folder: folder, logger: Logger(label: "test"))
        }
        let orders = await shop.orders
        #expect(counters.ordersSeen > 20)
        #expect(!orders.isEmpty)
        #expect(Set(orders.map(\.amazonOrderID)).count == orders.count, "one shop order per Amazon order")
        // FBA orders arrive complete and leave the shop's inventory alone; the others go to the warehouse.
        let fba = orders.filter { !$0.affectsInventory }
        #expect(fba.allSatisfy { $0.status == .complete })
        let handoffs = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("warehouse").path)
            .filter { $0.hasSuffix("_handoff_warehouse.json") }
        #expect(handoffs.count == orders.count - fba.count)
        #expect(await shop.customers.count <= orders.count)
    }
}
