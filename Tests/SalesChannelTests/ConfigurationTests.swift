import Foundation
import Logging
import SalesChannel
import SalesChannelTesting
import CustomerPolicies
import Testing

/// Deployment files: bad ones fail before anything runs, naming the file, the key and what is allowed.
struct ConfigurationTests {
    static var registry: PluginRegistry {
        var registry = PluginRegistry()
        registry.registerStore(PluginDescriptor(name: "memory", kind: .store, summary: "test")) { _, _ in
            StorePlugin(store: InMemoryChannelStore(), backend: InMemoryCommerceBackend())
        }
        ScriptedOrderSource.register(in: &registry)
        CustomerPolicies.register(in: &registry)
        registry.registerSink(PluginDescriptor(name: "recording", kind: .sink, summary: "test",
                                               keys: [.init("token", "secret", "a secret", secret: true)])) { section, _ in
            _ = try section.secret("token")
            return RecordingShipmentSink()
        }
        return registry
    }

    static func build(_ yaml: String, environment: [String: String] = [:]) throws -> Composition {
        let root = try ConfigSection.parse(yaml, file: "deploy.yaml", environment: environment)
        return try registry.composition(from: root, context: PluginContext(
            directory: FileManager.default.temporaryDirectory, environment: environment, logger: Logger(label: "test")))
    }

    static let valid = """
        store: { plugin: memory }
        sources:
          - plugin: scripted
            orders: 10
        sinks:
          - plugin: recording
            name: erp
        orderSettings:
          importAmazonOrders: enabled
          orderNumberSource: amazon-order-number
          orderStatus: custom
          processingOrderStatus: processing
        """

    @Test func aValidFileBuildsTheComposition() throws {
        let composition = try Self.build(Self.valid)
        #expect(composition.sources.map(\.id) == ["scripted"])
        #expect(composition.settings == OrderSettings(orderNumberSource: .amazonOrderNumber, processingOrderStatus: "processing", sinkNames: ["erp"]))
    }

    struct Broken: Sendable, CustomTestStringConvertible {
        var yaml: String
        var key: String
        var mentions: [String]
        var testDescription: String { key }
    }

    static let broken: [Broken] = [
        Broken(yaml: valid.replacingOccurrences(of: "amazon-order-number", with: "amazon"), key: "orderSettings.orderNumberSource",
               mentions: ["`amazon` is not allowed", "commerce-increment", "amazon-order-number"]),
        Broken(yaml: valid.replacingOccurrences(of: "plugin: scripted", with: "plugin: amazon-mfm"), key: "sources[0].plugin",
               mentions: ["amazon-mfm", "scripted"]),
        Broken(yaml: valid.replacingOccurrences(of: "orders: 10", with: "orders: many"), key: "sources[0].orders",
               mentions: ["`many` is not a whole number"]),
        Broken(yaml: valid + "\n  importAmazonOrder: disabled", key: "orderSettings.importAmazonOrder",
               mentions: ["unknown key", "importAmazonOrders", "orderNumberSource"]),
        Broken(yaml: valid.replacingOccurrences(of: "  processingOrderStatus: processing\n", with: "").replacingOccurrences(of: "  processingOrderStatus: processing", with: ""),
               key: "orderSettings.processingOrderStatus", mentions: ["is required when orderStatus is custom"]),
        Broken(yaml: "store: { plugin: memory }\n", key: "sources", mentions: ["at least one source"]),
        Broken(yaml: valid.replacingOccurrences(of: "name: erp", with: "name: erp\n    token: hunter2"), key: "sinks[0].token",
               mentions: ["is a secret"]),
        Broken(yaml: valid.replacingOccurrences(of: "name: erp", with: "name: erp\n    token: ${ERP_TOKEN}"), key: "sinks[0].token",
               mentions: ["ERP_TOKEN, which is not set"]),
        Broken(yaml: "sources: [", key: "", mentions: ["not valid YAML"]),
    ]

    @Test(arguments: broken)
    func aBrokenFileNamesTheFileKeyAndAllowedValues(_ case: Broken) {
        do {
            _ = try Self.build(`case`.yaml)
            Issue.record("no error for \(`case`.key)")
        } catch let error as DeploymentError {
            #expect(error.file == "deploy.yaml")
            #expect(error.key == `case`.key)
            for text in `case`.mentions { #expect(error.description.contains(text), "\(error.description) lacks \(text)") }
            #expect(!error.description.contains("hunter2"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func environmentOverridesKeysAndFillsSecrets() throws {
        let yaml = Self.valid.replacingOccurrences(of: "name: erp", with: "name: erp\n    token: ${ERP_TOKEN}")
        let composition = try Self.build(yaml, environment: [
            "ERP_TOKEN": "s3cr3t", "SALESCHANNEL_ORDER_SETTINGS_IMPORT_AMAZON_ORDERS": "disabled", "SALESCHANNEL_SOURCES_0_ORDERS": "3",
        ])
        #expect(composition.settings.importAmazonOrders == false)
        #expect((composition.sources[0] as? ScriptedOrderSource)?.finalOrders.count == 3)
    }

    @Test func secretsNeverPrint() {
        let secret = Secret("hunter2")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter2"))
    }

    @Test func environmentNamesSplitCamelCase() throws {
        let root = ConfigSection.empty()
        #expect(try root.section("orderSettings").environmentName("importAmazonOrders") == "SALESCHANNEL_ORDER_SETTINGS_IMPORT_AMAZON_ORDERS")
        #expect(root.environmentName("marketplaceID") == "SALESCHANNEL_MARKETPLACE_ID")
    }

    /// Found by fuzzing (Tests/Fuzz/Inputs/FuzzDeploymentYAML/alias-bomb-found-by-fuzzing.yaml):
    /// nested aliases expand a few hundred bytes into billions of values, which the YAML library
    /// hashed for minutes. Aliases are refused before parsing, with where they are.
    @Test func yamlAliasesAreRefusedBeforeTheyCanExpand() throws {
        let bomb = (0..<9).map { level in
            level == 0 ? "a0: &a0 [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]"
                : "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ",") + "]"
        }.joined(separator: "\n")
        for (text, line, column) in [
            (bomb, 2, 10), ("sinks:\n  - <<: *base\n    name: erp\n", 2, 9), ("store: *s\n", 1, 8),
            ("sources:\n  - *one\n", 2, 5), ("x: {a: 1, b: *c}\n", 1, 14),
            // Found by a review: a flow collection over several lines, and `:` without a space in flow.
            ("b: &b [\n  0, *a, *a]\n", 2, 6), ("c: &c {\"k\":*b,\"l\":*b}\n", 1, 12), ("d: !!seq [*x]\n", 1, 11),
        ] {
            do {
                _ = try ConfigSection.parse(text, file: "deploy.yaml", environment: [:])
                Issue.record("accepted: \(text.prefix(40))")
            } catch {
                #expect(error.problem.contains("line \(line), column \(column): YAML aliases (`*name`) are not accepted"), "\(error.problem)")
            }
        }
        // A `*` that is not where a value starts, quoted, or in a comment is no alias.
        for text in ["url: http://erp/*/orders\n", "name: \"*starred\"\n", "name: '*x'\n", "a: 1 # see *note\n", "pattern: a*b\n", "note: first, *second\n",
                     "subject: Orders - *new*\n", "text: 'it''s *fine'\n", "multi: \"one\n  *two\"\n"] {
            #expect(throws: Never.self) { _ = try ConfigSection.parse(text, file: "deploy.yaml", environment: [:]) }
        }
    }
}
