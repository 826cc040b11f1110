import Foundation
import Testing

/// A deployment change that would leave stored work without its source is refused by
/// `config check` and `run`, with the way to proceed; one that leaves only a checkpoint behind
/// is allowed, with a note.
struct SourceIdentityTests {
    static func deployment(id: String) -> String {
        """
        store:
          plugin: sqlite
          path: store.sqlite
        sources:
          - plugin: scripted
            id: \(id)
            orders: 30
            seed: 4
        sinks:
          - plugin: file-drop
            directory: handoffs
        """
    }

    @Test func renamingASourceThatStillHasShipmentsToConfirmIsRefused() throws {
        let cli = try CLI.inTemporaryFolder()
        let file = cli.directory.appendingPathComponent("deploy.yaml")
        try Self.deployment(id: "shop-a").write(to: file, atomically: true, encoding: .utf8)
        #expect(try cli.run(["run", "--config", "deploy.yaml", "--once", "--quiet"]).status == 0)

        // Renamed while nothing is left for the source: allowed, with a note.
        try Self.deployment(id: "shop-b").write(to: file, atomically: true, encoding: .utf8)
        let noted = try cli.run(["config", "check", "deploy.yaml"])
        #expect(noted.status == 0, "\(noted.stderr)")
        #expect(noted.stderr.contains("note: the work stored under source `shop-a`") && noted.stderr.contains("set `id: shop-a`"), "\(noted.stderr)")

        // Back to its name, a shipment is recorded; renaming it now would strand the confirmation.
        try Self.deployment(id: "shop-a").write(to: file, atomically: true, encoding: .utf8)
        let orders = try #require(try cli.json(["orders", "--config", "deploy.yaml", "--json"]) as? [[String: Any]])
        let id = try #require(orders.first {
            $0["fulfillmentChannel"] as? String == "MFN" && $0["amazonStatus"] as? String == "UNSHIPPED" && $0["buyerRequestedCancellation"] as? Bool == false
        }?["amazonOrderId"] as? String)
        #expect(try cli.run(["ship", id, "--config", "deploy.yaml", "--carrier", "UPS", "--tracking", "1Z999AA10123456784"]).status == 0)
        try Self.deployment(id: "shop-b").write(to: file, atomically: true, encoding: .utf8)
        let expected = "Error: deploy.yaml: sources: the store holds 1 shipment confirmation(s) not done for source `shop-a`, which no source here takes over; give the source that continues it `id: shop-a`"
        for arguments in [["config", "check", "deploy.yaml"], ["run", "--config", "deploy.yaml", "--once", "--quiet"]] {
            let refused = try cli.run(arguments)
            #expect(refused.status == 2, "\(arguments): \(refused.stderr)")
            #expect(refused.stderr.contains(expected), "\(arguments): \(refused.stderr)")
        }
        let jobs = try #require(try cli.json(["jobs", "--config", "deploy.yaml", "--json"]) as? [[String: Any]])
        #expect(jobs.contains { ($0["effect"] as? String)?.hasPrefix("confirm-shipment:") == true && $0["status"] as? String == "pending" },
                "the refused run ran nothing")

        // As the message says: the source keeps its id, and the confirmation goes out.
        try Self.deployment(id: "shop-a").write(to: file, atomically: true, encoding: .utf8)
        #expect(try cli.run(["run", "--config", "deploy.yaml", "--once", "--quiet"]).status == 0)
        let after = try #require(try cli.json(["jobs", "--config", "deploy.yaml", "--json"]) as? [[String: Any]])
        #expect(after.isEmpty, "nothing left: \(after)")
    }
}

/// `orders` filters, sorts and pages through the engine's query.
struct OrdersListingTests {
    @Test func ordersFilterSortAndPage() throws {
        let cli = try CLI.inTemporaryFolder()
        try SourceIdentityTests.deployment(id: "shop").write(to: cli.directory.appendingPathComponent("deploy.yaml"), atomically: true, encoding: .utf8)
        #expect(try cli.run(["run", "--config", "deploy.yaml", "--once", "--quiet"]).status == 0)
        let all = try #require(try cli.json(["orders", "--config", "deploy.yaml", "--json"]) as? [[String: Any]])
        #expect(all.count > 10)
        let shipped = try #require(try cli.json(["orders", "--config", "deploy.yaml", "--json", "--status", "SHIPPED"]) as? [[String: Any]])
        #expect(!shipped.isEmpty && shipped.allSatisfy { $0["amazonStatus"] as? String == "SHIPPED" })
        let mfn = try #require(try cli.json(["orders", "--config", "deploy.yaml", "--json", "--channel", "MFN"]) as? [[String: Any]])
        #expect(mfn.allSatisfy { $0["fulfillmentChannel"] as? String == "MFN" })

        // Pages of 4, newest first, put together: the whole listing reversed.
        var ids: [String] = []
        var after: String?
        repeat {
            let page = try cli.run(["orders", "--config", "deploy.yaml", "--json", "--newest-first", "--limit", "4"] + (after.map { ["--after", $0] } ?? []))
            #expect(page.status == 0, "\(page.stderr)")
            let orders = try #require(try JSONSerialization.jsonObject(with: Data(page.stdout.utf8)) as? [[String: Any]])
            #expect(orders.count <= 4)
            ids += orders.compactMap { $0["amazonOrderId"] as? String }
            after = page.stderr.components(separatedBy: "more: add --after ").dropFirst().first?.trimmingCharacters(in: .whitespacesAndNewlines)
        } while after != nil
        #expect(ids == all.compactMap { $0["amazonOrderId"] as? String }.reversed())
        let bad = try cli.run(["orders", "--config", "deploy.yaml", "--after", "nonsense"])
        #expect(bad.status == 2 && bad.stderr.contains("the cursor is not one this listing gave"), "\(bad.stderr)")
    }
}
