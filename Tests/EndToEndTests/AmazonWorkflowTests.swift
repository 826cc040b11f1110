import AsyncHTTPClient
import ChildProcesses
import Foundation
import NIOCore
import NIOFoundationCompat
import SalesChannel
import SalesChannelSQLite
import Testing

/// The reference workflow end to end over HTTP: a sandbox process playing Amazon, the real
/// `saleschannel` process importing from it, shipments recorded with `saleschannel ship`, and the
/// sandbox's ground truth compared with `saleschannel orders --all --json`.
@Suite(.serialized)
struct AmazonWorkflowTests {
    struct Setup {
        var cli: CLI
        var sandbox: CLI.Running
        var baseURL: String
    }

    /// - Parameters:
    ///   - sandboxArguments: more of `saleschannel sandbox`'s options (its notifications).
    ///   - sandboxEnvironment: for the sandbox process (the AWS credentials it publishes with).
    static func start(
        orders: Int, faults: String, timeScale: Int = 3600, sandboxArguments: [String] = [], sandboxEnvironment: [String: String] = [:]
    ) async throws -> Setup {
        let cli = try CLI.inTemporaryFolder()
        var arguments = ["sandbox", "--port", "0", "--orders", String(orders), "--seed", "5", "--time-scale", String(timeScale),
                         "--before-lag", "1", "--no-rate-limits"]
        if !faults.isEmpty { arguments += ["--faults", faults] }
        let sandbox = try cli.start(arguments + sandboxArguments, environment: sandboxEnvironment)
        var baseURL: String?
        for _ in 0..<100 where baseURL == nil {
            try await Task.sleep(for: .milliseconds(100))
            baseURL = sandbox.stdout().split(separator: "\n").first { $0.hasPrefix("Amazon sandbox listening on ") }
                .map { String($0.dropFirst("Amazon sandbox listening on ".count)) }
        }
        let url = try #require(baseURL, "the sandbox did not start: \(sandbox.stderr())")
        let deployment = """
            store: { plugin: sqlite, path: e2e.sqlite }
            sources:
            \(["amazon-mfn", "amazon-fba"].map { source(plugin: $0, url: url) }.joined(separator: "\n"))
            sinks:
              - plugin: file-drop
                directory: erp
            runner:
              pollIntervalSeconds: 0.5
              baseDelaySeconds: 0.05
              maxDelaySeconds: 1
              maxAttempts: 20
              leaseSeconds: 2
            """
        try deployment.write(to: cli.directory.appendingPathComponent("deploy.yaml"), atomically: true, encoding: .utf8)
        return Setup(cli: cli, sandbox: sandbox, baseURL: url)
    }

    /// One Amazon source pointed at the sandbox process, with secrets from the environment.
    static func source(plugin: String, url: String) -> String {
        """
          - plugin: \(plugin)
            endpoint: \(url)
            lwaEndpoint: \(url)/auth/o2/token
            sellerId: A1SANDBOXSELLER
            marketplaceIds: ATVPDKIKX0DER
            clientId: amzn1.application-oa2-client.sandbox
            clientSecret: ${LWA_CLIENT_SECRET}
            refreshToken: ${LWA_REFRESH_TOKEN}
            beforeLagSeconds: 2
            rateScale: 100
            initialLookbackHours: 100
        """
    }

    static let environment = ["LWA_CLIENT_SECRET": "sandbox-client-secret", "LWA_REFRESH_TOKEN": "Atzr|sandbox-refresh-token"]

    static func orders(_ setup: Setup, deployment: String = "deploy.yaml") throws -> [[String: Any]] {
        let result = try setup.cli.run(["orders", "--all", "--json", "--config", deployment], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []
    }

    static func truth(_ setup: Setup) async throws -> [[String: Any]] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: setup.baseURL + "/_sandbox/orders"), timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
    }

    /// Ships some open MFN orders: every third one partially (one item), the rest whole.
    /// - Parameter openAtAmazon: only orders among these (still open at Amazon, no cancellation
    ///   asked): where the store lags Amazon, an order it shows open may be canceled there.
    static func shipSome(_ setup: Setup, count: Int, shipped: inout [String: Int], deployment: String = "deploy.yaml", openAtAmazon: Set<String>? = nil) throws {
        let open = try orders(setup, deployment: deployment).filter {
            $0["fulfillmentChannel"] as? String == "MFN" && ["UNSHIPPED", "PARTIALLY_SHIPPED"].contains($0["amazonStatus"] as? String ?? "")
                && shipped[$0["amazonOrderId"] as? String ?? ""] == nil
                && (openAtAmazon?.contains($0["amazonOrderId"] as? String ?? "") ?? true)
        }
        for (index, order) in open.prefix(count).enumerated() {
            let id = order["amazonOrderId"] as? String ?? ""
            let items = order["items"] as? [[String: Any]] ?? []
            var arguments = ["ship", id, "--carrier", index % 4 == 0 ? "Other" : "UPS", "--tracking", "1Z\(index)E2E", "--config", deployment]
            if index % 4 == 0 { arguments += ["--carrier-name", "Acme Post"] }
            if index % 3 == 0, items.count > 1, let item = items.first {
                arguments += ["--item", "\(item["orderItemId"] as? String ?? "")=\(item["quantityOrdered"] as? Int ?? 1)"]
            }
            let result = try setup.cli.run(arguments, environment: environment)
            if result.status == 0 { shipped[id, default: 0] += 1 }
        }
    }

    /// The truths the issue names, checked between the sandbox and SalesChannel.
    static func date(_ text: String) -> Date? { ISO8601DateFormatter().date(from: text) }

    /// - Parameter watched: seconds an MFN order must have been Unshipped at Amazon while
    ///   SalesChannel ran for its commerce order to be required (a poll and a page, with room).
    /// - Parameter asOf: Amazon's changes after this moment (while the last pass ran, with
    ///   Amazon's time running fast) are not required to be in SalesChannel yet; `nil`: all.
    static func verify(
        _ setup: Setup, shipped: [String: Int], observedFrom: Date, watched: Double = 4, deployment: String = "deploy.yaml", asOf: Date? = nil
    ) async throws {
        var truth = try await truth(setup)
        if let asOf {
            truth = truth.filter { order in (order["lastUpdatedTime"] as? String).flatMap(Self.date).map { $0 < asOf } ?? true }
        }
        let ours = Dictionary(try orders(setup, deployment: deployment).map { ($0["amazonOrderId"] as? String ?? "", $0) }) { first, _ in first }
        #expect(truth.count >= (asOf == nil ? 500 : 250))
        var checked = 0
        for order in truth {
            let id = order["orderId"] as? String ?? ""
            let status = order["status"] as? String ?? ""
            let channel = order["fulfillmentChannel"] as? String ?? ""
            let mine = ours[id]
            // Every MFN order that was Unshipped while SalesChannel was watching (for longer than
            // a poll takes) has its commerce order; one canceled before anyone could see it may not.
            let from = (order["unshippedAt"] as? String).flatMap(Self.date)
            let until = (order["leftUnshippedAt"] as? String).flatMap(Self.date) ?? Date()
            let visibleFor = from.map { min(until, Date()).timeIntervalSince(max($0, observedFrom)) } ?? 0
            if channel == "MFN", order["reachedUnshipped"] as? Bool == true, visibleFor > watched {
                #expect(!(mine?["commerceOrderNumber"] is NSNull) && mine?["commerceOrderNumber"] != nil, "MFN \(id) has no commerce order")
            }
            // Every MFN order is imported, whatever its status; one canceled before SalesChannel
            // ever saw it Unshipped is shown as canceled (without a commerce order), not lost.
            if channel == "MFN" {
                #expect(mine != nil, "MFN \(id) (\(status)) was not imported")
                if status == "CANCELLED" { #expect(mine?["visible"] as? Bool == true, "canceled MFN \(id) is hidden") }
            }
            if channel == "AFN" {
                if status == "SHIPPED" {
                    #expect(mine?["commerceStatus"] as? String == "complete", "AFN \(id) not complete")
                } else {
                    #expect(mine == nil, "AFN \(id) imported while \(status)")
                }
            }
            if let mine {
                #expect(mine["amazonStatus"] as? String == status, "\(id): ours \(mine["amazonStatus"] ?? "-") vs Amazon \(status)")
                if status == "PENDING" { #expect(mine["visible"] as? Bool == false, "pending \(id) is visible") }
                if status == "CANCELLED", !(mine["commerceOrderNumber"] is NSNull) {
                    #expect(mine["commerceStatus"] as? String == "canceled", "canceled \(id) has commerce status \(mine["commerceStatus"] ?? "-")")
                }
                checked += 1
            }
            // Every shipment recorded with `ship` is at Amazon exactly once.
            let atAmazon = order["shipments"] as? [[String: Any]] ?? []
            #expect(atAmazon.count == (shipped[id] ?? 0), "\(id): \(atAmazon.count) shipments at Amazon, \(shipped[id] ?? 0) recorded")
            if let mine {
                let confirmations = (mine["shipments"] as? [[String: Any]] ?? []).map { $0["amazonConfirmation"] as? String }
                #expect(confirmations.allSatisfy { $0 == "confirmed" }, "\(id): \(confirmations)")
            }
        }
        let numbers = ours.values.compactMap { $0["commerceOrderNumber"] as? String }
        #expect(Set(numbers).count == numbers.count)
        print("amazon e2e: \(truth.count) orders at Amazon, \(checked) imported, \(numbers.count) commerce orders, \(shipped.values.reduce(0, +)) shipments confirmed")
    }

    @Test func theReferenceWorkflowAgainstTheSandbox() async throws {
        let setup = try await Self.start(orders: 600, faults: "")
        defer { kill(setup.sandbox.process.processIdentifier, SIGKILL); setup.sandbox.process.waitUntilExit() }
        var shipped: [String: Int] = [:]
        let observedFrom = Date()
        let deadline = Date().addingTimeInterval(26)
        while Date() < deadline {
            let run = try setup.cli.run(["run", "--config", "deploy.yaml", "--once"], environment: Self.environment)
            #expect(run.status == 0, "\(run.stderr)")
            try Self.shipSome(setup, count: 8, shipped: &shipped)
            try await Task.sleep(for: .milliseconds(500))
        }
        try await Task.sleep(for: .seconds(3))
        for _ in 0..<2 { try setup.cli.run(["run", "--config", "deploy.yaml", "--once"], environment: Self.environment) }
        try await Self.verify(setup, shipped: shipped, observedFrom: observedFrom)
    }

    @Test func theSameTruthsHoldWithFaultsAndTenSIGKILLs() async throws {
        let setup = try await Self.start(orders: 600, faults: "http500=0.05,http503=0.02,throttle=0.05,slow=0.01:300ms,drop=0.01,malformed=0.005")
        defer { kill(setup.sandbox.process.processIdentifier, SIGKILL); setup.sandbox.process.waitUntilExit() }
        var shipped: [String: Int] = [:]
        let observedFrom = Date()
        var random = SystemRandomNumberGenerator()
        for _ in 0..<10 {
            let running = try setup.cli.start(["run", "--config", "deploy.yaml", "--quiet"], environment: Self.environment)
            try await Task.sleep(for: .milliseconds(Int.random(in: 800...2500, using: &random)))
            kill(running.process.processIdentifier, SIGKILL)
            running.process.waitUntilExit()
            try Self.shipSome(setup, count: 6, shipped: &shipped)
        }
        try await Task.sleep(for: .seconds(8))
        for _ in 0..<3 {
            let run = try setup.cli.run(["run", "--config", "deploy.yaml", "--once"], environment: Self.environment)
            #expect(run.status == 0, "\(run.stderr)")
        }
        try await Self.verify(setup, shipped: shipped, observedFrom: observedFrom)
    }

    @Test func revokedCredentialsStopTheSourcesAndRunOnceExitsNonZero() async throws {
        let setup = try await Self.start(orders: 60, faults: "")
        defer { kill(setup.sandbox.process.processIdentifier, SIGKILL); setup.sandbox.process.waitUntilExit() }
        let revoked = "Atzr|revoked-by-the-seller-0123456789"
        let run = try setup.cli.run(
            ["run", "--config", "deploy.yaml", "--once"], environment: Self.environment.merging(["LWA_REFRESH_TOKEN": revoked]) { $1 })
        #expect(run.status == 3)
        #expect(run.stdout.contains("STOPPED amazon-mfn/A1SANDBOXSELLER/na: Login with Amazon no longer accepts the seller's refresh token"))
        #expect(run.stdout.contains("STOPPED amazon-fba/"))
        #expect(run.stderr.contains("Error: run --once finished with problems:\nsource amazon-mfn/A1SANDBOXSELLER/na stopped"), "\(run.stderr)")
        #expect(run.stderr.contains("authorization-failed"))  // the log line of the stop
        #expect(!(run.stdout + run.stderr).contains(revoked) && !(run.stdout + run.stderr).contains("sandbox-client-secret"))
        // With the right token the next run goes on from where it was.
        let again = try setup.cli.run(["run", "--config", "deploy.yaml", "--once"], environment: Self.environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stdout.contains("STOPPED"))
    }

    @Test func importedMoneyEqualsAmazonsInTheLedgerTheHandoffAndOrdersJSON() async throws {
        let setup = try await Self.start(orders: 400, faults: "")
        defer { kill(setup.sandbox.process.processIdentifier, SIGKILL); setup.sandbox.process.waitUntilExit() }
        for _ in 0..<2 {
            let run = try setup.cli.run(["run", "--config", "deploy.yaml", "--once"], environment: Self.environment)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let truth = Dictionary(try await Self.truth(setup).map { ($0["orderId"] as? String ?? "", $0) }) { first, _ in first }
        let ours = try Self.orders(setup)
        let database = try SQLiteDatabase(path: setup.cli.directory.appendingPathComponent("e2e.sqlite").path)
        let ledger = Dictionary(try await SQLiteCommerceBackend(database: database).orders().map { ($0.amazonOrderID.rawValue, $0) }) { first, _ in first }
        var handoffs: [String: [String: Any]] = [:]
        for file in try FileManager.default.contentsOfDirectory(at: setup.cli.directory.appendingPathComponent("erp"), includingPropertiesForKeys: nil)
        where file.pathExtension == "json" {
            let envelope = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
            guard envelope["type"] as? String == "order", let order = envelope["order"] as? [String: Any] else { continue }
            #expect(envelope["schemaVersion"] as? Int == 2 && order["schemaVersion"] as? Int == 2)
            handoffs[order["amazonOrderID"] as? String ?? ""] = order
        }
        func decimal(_ value: Any?) -> Decimal? { (value as? String).flatMap { Decimal(string: $0) } }
        var compared = 0
        var businesses = 0
        var kinds = Set<String>()
        for order in ours where order["commerceOrderNumber"] as? String != nil {
            let id = order["amazonOrderId"] as? String ?? ""
            let amazon = try #require(truth[id])
            let charges = amazon["charges"] as? [String: String] ?? [:]
            let expected: [String: Decimal] = [
                "subtotal": decimal(charges["ITEM"]) ?? 0, "shipping": decimal(charges["SHIPPING"]) ?? 0, "tax": decimal(charges["TAX"]) ?? 0,
                "discount": decimal(charges["DISCOUNT"]) ?? 0, "giftWrap": decimal(charges["GIFT_WRAP"]) ?? 0,
                "grandTotal": try #require(decimal(amazon["grandTotal"])),
            ]
            kinds.formUnion(charges.keys)
            // orders --json
            let totals = try #require(order["totals"] as? [String: Any], "\(id) has no totals")
            let items = order["items"] as? [[String: Any]] ?? []
            #expect(items.allSatisfy { $0["subtotal"] is String && $0["unitPrice"] is String && $0["tax"] is String }, "\(id) items")
            if (order["programs"] as? [String])?.contains("AMAZON_BUSINESS") == true {
                businesses += 1
                #expect((order["business"] as? [String: Any])?["purchaseOrderNumber"] is String, "\(id) business order without its PO number")
            }
            for (key, value) in expected { #expect(decimal(totals[key]) == value, "\(id) orders --json \(key): \(totals[key] ?? "-") ≠ \(value)") }
            // the commerce ledger
            let booked = try #require(ledger[id])
            let ledgerValues: [String: Decimal?] = [
                "subtotal": booked.subtotal?.amount, "shipping": booked.charges?.shipping.amount, "tax": booked.tax?.amount,
                "discount": booked.charges?.discount.amount, "giftWrap": booked.charges?.giftWrap.amount, "grandTotal": booked.grandTotal?.amount,
            ]
            for (key, value) in expected { #expect(ledgerValues[key] ?? nil == value, "\(id) ledger \(key)") }
            // the v2 handoff (merchant-fulfilled orders are handed off; Amazon ships its own)
            if amazon["fulfillmentChannel"] as? String == "MFN" {
                let handoff = try #require(handoffs[id], "\(id) was not handed off")
                let handed = try #require(handoff["totals"] as? [String: [String: Any]])
                for (key, value) in expected { #expect(decimal(handed[key]?["amount"]) == value, "\(id) handoff \(key)") }
                let lines = try #require(handoff["lines"] as? [[String: Any]])
                #expect(lines.allSatisfy { $0["unitPrice"] != nil && $0["subtotal"] != nil && $0["charges"] != nil })
            }
            compared += 1
        }
        #expect(compared >= 150, "compared \(compared)")
        #expect(businesses > 5, "business orders: \(businesses)")
        #expect(kinds.isSuperset(of: ["ITEM", "SHIPPING", "TAX", "DISCOUNT", "GIFT_WRAP"]), "\(kinds)")
        print("money e2e: \(compared) commerce orders equal Amazon's subtotal, shipping, gift wrap, tax, discount and grand total in orders --json, the ledger and the v2 handoff")
    }
}
