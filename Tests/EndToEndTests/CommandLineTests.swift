import Foundation
import Testing

/// The command-line tool as a merchant uses it: the main job, the Orders page, shipping, jobs,
/// and checking a deployment file.
@Suite(.serialized)
struct CommandLineTests {
    @Test func theMainJobImportsAndShowsOrdersThenShipsOne() throws {
        let cli = try CLI.inTemporaryFolder()
        let run = try cli.run(["run", "--once"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("commerce orders"))

        let visible = try #require(try cli.json(["orders", "--json"]) as? [[String: Any]])
        let all = try #require(try cli.json(["orders", "--all", "--json"]) as? [[String: Any]])
        #expect(!visible.isEmpty && visible.count <= all.count)
        #expect(visible.allSatisfy { $0["visible"] as? Bool == true })
        #expect(!visible.contains { ["PENDING", "PENDING_AVAILABILITY"].contains($0["amazonStatus"] as? String) })

        // Ship one item of a two-or-more-item MFN order, then the rest.
        let open = try #require(visible.first {
            $0["fulfillmentChannel"] as? String == "MFN" && $0["amazonStatus"] as? String == "UNSHIPPED"
                && (($0["items"] as? [[String: Any]])?.count ?? 0) >= 2
        })
        let id = try #require(open["amazonOrderId"] as? String)
        let items = try #require(open["items"] as? [[String: Any]])
        let firstItem = try #require(items[0]["orderItemId"] as? String)
        let partial = try cli.run(["ship", id, "--carrier", "UPS", "--tracking", "1Z999AA10123456784", "--item", "\(firstItem)=\(items[0]["quantityOrdered"] as? Int ?? 1)"])
        #expect(partial.status == 0, "\(partial.stderr)")
        try cli.run(["run", "--once"])
        var detail = try #require(try cli.json(["order", id, "--json"]) as? [String: Any])
        var order = try #require(detail["order"] as? [String: Any])
        #expect(order["amazonStatus"] as? String == "PARTIALLY_SHIPPED")
        #expect(order["commerceStatus"] as? String == "pending")

        let rest = try cli.run(["ship", id, "--carrier", "Other", "--carrier-name", "Acme Post", "--tracking", "AC123"])
        #expect(rest.status == 0, "\(rest.stderr)")
        try cli.run(["run", "--once"])
        detail = try #require(try cli.json(["order", id, "--json"]) as? [String: Any])
        order = try #require(detail["order"] as? [String: Any])
        #expect(order["amazonStatus"] as? String == "SHIPPED")
        #expect(order["commerceStatus"] as? String == "complete")
        let shipments = try #require(order["shipments"] as? [[String: Any]])
        #expect(shipments.map { $0["amazonConfirmation"] as? String } == ["confirmed", "confirmed"])
        #expect(shipments.map { $0["carrier"] as? String } == ["UPS", "Other"])
        let events = try #require(detail["events"] as? [[String: Any]]).compactMap { $0["kind"] as? String }
        #expect(events.contains("shipment-confirmed") && events.contains("commerce-order-completed"))

        // Every key docs/orders-json.md documents is written for every order, nulls included,
        // and no key it does not document.
        let documented = try OrdersJSONDocumentation.load()
        var seen: Set<String> = []
        for element in try #require(try cli.json(["orders", "--all", "--json"]) as? [[String: Any]]) {
            #expect(Set(element.keys) == documented.fields, "undocumented or missing: \(Set(element.keys).symmetricDifference(documented.fields))")
            for (field, keys) in documented.objects {
                let values: [[String: Any]] = (element[field] as? [[String: Any]]) ?? [element[field] as? [String: Any]].compactMap { $0 }
                for value in values {
                    seen.insert(field)
                    #expect(Set(value.keys) == keys, "\(field): \(Set(value.keys).symmetricDifference(keys))")
                }
            }
        }
        #expect(seen.isSuperset(of: ["items", "shipments", "customer", "handoff", "totals", "shipBy"]), "\(seen)")

        // Shipping more than is left is refused with the reason, and changes nothing.
        let again = try cli.run(["ship", id, "--carrier", "UPS", "--tracking", "1Z"])
        #expect(again.status != 0)
        #expect(again.stderr.contains("Only Unshipped or PartiallyShipped") || again.stderr.contains("only Unshipped or PartiallyShipped"))

        let jobs = try cli.run(["jobs"])
        #expect(jobs.status == 0 && jobs.stdout.contains("0 job(s)"))
    }

    @Test func configCheckExitsNonZeroNamingTheKeyAndZeroOnAValidFile() throws {
        let cli = try CLI.inTemporaryFolder()
        let valid = """
            store: { plugin: sqlite, path: x.sqlite }
            sources: [ { plugin: scripted, orders: 5 } ]
            sinks: [ { plugin: file-drop, directory: out } ]
            orderSettings: { orderNumberSource: amazon-order-number }
            """
        try valid.write(to: cli.directory.appendingPathComponent("good.yaml"), atomically: true, encoding: .utf8)
        try valid.replacingOccurrences(of: "amazon-order-number", with: "magento")
            .write(to: cli.directory.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)

        let good = try cli.run(["config", "check", "good.yaml"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("valid"))
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("x.sqlite").path), "checking opened the database")

        let bad = try cli.run(["config", "check", "bad.yaml"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.yaml: orderSettings.orderNumberSource: `magento` is not allowed; allowed: commerce-increment, amazon-order-number"))
    }

    @Test func anAmazonWindowThatWouldEndInsideAmazonsTwoMinutesIsRefusedAtStart() throws {
        let cli = try CLI.inTemporaryFolder()
        let deployment = """
            store: { plugin: sqlite, path: x.sqlite }
            sources:
              - plugin: amazon-mfn
                sellerId: A1EXAMPLE
                marketplaceIds: ATVPDKIKX0DER
                clientId: example
                clientSecret: ${LWA_CLIENT_SECRET}
                refreshToken: ${LWA_REFRESH_TOKEN}
                beforeLagSeconds: 30
            """
        try deployment.write(to: cli.directory.appendingPathComponent("lag.yaml"), atomically: true, encoding: .utf8)
        let check = try cli.run(["config", "check", "lag.yaml"], environment: ["LWA_CLIENT_SECRET": "s3cr3t-value", "LWA_REFRESH_TOKEN": "Atzr|r3fr3sh"])
        #expect(check.status == 2)
        #expect(check.stderr.contains("lag.yaml: sources[0].beforeLagSeconds: `30` is not a number from 120 to 86400"), "\(check.stderr)")
        #expect(!check.stderr.contains("s3cr3t-value") && !check.stderr.contains("r3fr3sh"))
    }

    @Test func heldTotalsAreShownAndAcceptTotalsBooksTheOrderAsAmazonSentIt() throws {
        let cli = try CLI.inTemporaryFolder()
        try """
            store: { plugin: sqlite, path: held.sqlite }
            sources: [ { plugin: scripted, orders: 40, seed: 3, misreportEvery: 10 } ]
            """.write(to: cli.directory.appendingPathComponent("held.yaml"), atomically: true, encoding: .utf8)
        #expect(try cli.run(["run", "--once", "--config", "held.yaml"]).status == 0)
        let listed = try #require(try cli.json(["orders", "--all", "--json", "--config", "held.yaml"]) as? [[String: Any]])
        let held = listed.filter { $0["totalsHeld"] is String }
        #expect(!held.isEmpty)
        #expect(held.allSatisfy { $0["commerceOrderNumber"] is NSNull && ($0["totalsHeld"] as? String)?.contains("difference 0.01") == true })
        let id = try #require(held.first?["amazonOrderId"] as? String)
        let page = try cli.run(["orders", "--config", "held.yaml"])
        #expect(page.stdout.contains("\(id)") && page.stdout.contains("totals held:"))

        let accepted = try cli.run(["orders", "accept-totals", id, "--config", "held.yaml"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let again = try cli.run(["orders", "accept-totals", id, "--config", "held.yaml"])
        #expect(again.status != 0 && again.stderr.contains("not held"))
        let unknown = try cli.run(["orders", "accept-totals", "999-0000000-0000000", "--config", "held.yaml"])
        #expect(unknown.status != 0 && unknown.stderr.contains("not in the store"))
        #expect(try cli.run(["run", "--once", "--config", "held.yaml"]).status == 0)
        let after = try #require(try cli.json(["order", id, "--json", "--config", "held.yaml"]) as? [String: Any])
        let order = try #require(after["order"] as? [String: Any])
        #expect(order["commerceOrderNumber"] is String && order["totalsHeld"] is NSNull)
        let totals = try #require(order["totals"] as? [String: Any])
        #expect(totals["grandTotal"] as? String != nil)
        let events = (after["events"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(events.contains("totals-held") && events.contains("totals-accepted") && events.contains("commerce-order-created"))
    }

    @Test func everySubcommandHasHelp() throws {
        let cli = try CLI.inTemporaryFolder()
        for command in [["run"], ["orders"], ["orders", "accept-totals"], ["order"], ["ship"], ["jobs"], ["jobs", "retry"], ["config", "check"], ["plugins"]] {
            let help = try cli.run(command + ["--help"])
            #expect(help.status == 0 && help.stdout.contains("USAGE"), "\(command) --help")
        }
        let plugins = try cli.run(["plugins"])
        #expect(plugins.stdout.contains("sqlite") && plugins.stdout.contains("file-drop") && plugins.stdout.contains("orderNumberSource"))
    }
}

/// The ready deployment files in Examples/deployments are valid as shipped.
struct ExampleDeploymentTests {
    @Test(arguments: ["sandbox.yaml", "amazon-account.yaml", "mfn-fba-multi-marketplace.yaml"])
    func exampleDeploymentIsValid(file: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("Examples/deployments/\(file)").path
        let secrets = ["AMAZON_SELLER_ID", "LWA_CLIENT_ID", "LWA_CLIENT_SECRET", "LWA_REFRESH_TOKEN", "ERP_WEBHOOK_SECRET", "ALERTS_WEBHOOK_SECRET"]
        let cli = try CLI.inTemporaryFolder()
        // The examples keep their store in /var/lib/saleschannel; this machine may not have it.
        var environment = Dictionary(uniqueKeysWithValues: secrets.map { ($0, "example-\($0)") })
        environment["SALESCHANNEL_STORE_PATH"] = cli.directory.appendingPathComponent("example.sqlite").path
        let result = try cli.run(["config", "check", path], environment: environment)
        #expect(!FileManager.default.fileExists(atPath: environment["SALESCHANNEL_STORE_PATH"]!), "config check creates nothing")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}

/// Bad webhook settings are refused by `config check`, naming the file, the key and what is allowed.
struct WebhookConfigurationTests {
    @Test(arguments: [
        ("sinks", "url: ftp://erp.example.com/orders\n    secret: ${S}", "sinks[0].url: `ftp://erp.example.com/orders` is not an http(s) URL"),
        ("sinks", "url: https://erp.example.com/orders\n    secret: plain-text", "sinks[0].secret: is a secret"),
        ("sinks", "url: https://erp.example.com/orders", "sinks[0].secret: is required"),
        ("notifiers", "url: https://alerts.example.com/\n    secret: ${S}\n    events: canceled, shipped", "notifiers[0].events: `shipped` is not an event; allowed: order-imported"),
    ])
    func badWebhookSettingsAreNamed(list: String, keys: String, expected: String) throws {
        let cli = try CLI.inTemporaryFolder()
        try "store:\n  plugin: sqlite\nsources:\n  - plugin: scripted\n\(list):\n  - plugin: webhook\n    \(keys)\n"
            .write(to: cli.directory.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let result = try cli.run(["config", "check", "bad.yaml"], environment: ["S": "secret-value"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.yaml: \(expected)"), "\(result.stderr)")
        #expect(!result.stderr.contains("secret-value") && !result.stderr.contains("plain-text"), "no secret in the message")
    }
}

/// The keys docs/orders-json.md promises: the table's field names, and for objects and arrays of
/// objects, the keys listed between the braces of their description.
struct OrdersJSONDocumentation {
    var fields: Set<String> = []
    var objects: [String: Set<String>] = [:]

    static func load() throws -> OrdersJSONDocumentation {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/orders-json.md"), encoding: .utf8)
        var result = OrdersJSONDocumentation()
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let names = cells[1].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "` ")) }
            result.fields.formUnion(names)
            let meaning = cells.dropFirst(3).joined(separator: "|")
            guard cells[2].contains("object") || cells[2] == "array", let open = meaning.firstIndex(of: "{") else { continue }
            // The keys at the outermost level of the first {…}.
            var keys: Set<String> = []
            var depth = 0
            var segment = ""
            for character in meaning[open...] {
                switch character {
                case "{": depth += 1; if depth == 1 { continue }
                case "}": depth -= 1
                case "," where depth == 1:
                    keys.insert(key(segment)); segment = ""; continue
                default: break
                }
                if depth == 0 { keys.insert(key(segment)); break }
                if depth >= 1 { segment.append(character) }
            }
            for name in names { result.objects[name] = keys }
        }
        return result
    }

    private static func key(_ segment: String) -> String {
        let trimmed = segment.trimmingCharacters(in: .whitespaces)
        let name = trimmed.prefix { $0 != ":" && $0 != " " }
        return name.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
}
