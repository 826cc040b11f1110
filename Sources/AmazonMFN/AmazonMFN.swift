import AmazonChannel
import Logging
import SalesChannel

/// The `amazon-mfn` source: merchant-fulfilled Amazon orders in every status (Pending kept hidden
/// until Amazon verifies them), following the reference workflow's MFN steps 1-5.
public enum AmazonMFN {
    public static let descriptor = PluginDescriptor(
        name: "amazon-mfn", kind: .source, summary: "Merchant-fulfilled Amazon orders (SP-API Orders v2026-01-01)",
        keys: AmazonSourceFactory.keys)

    public static func register(in registry: inout PluginRegistry, sandbox: AmazonSourceFactory.SandboxLink? = nil) {
        registry.registerSource(descriptor) { section, context in
            try AmazonSourceFactory.make(section, context: context, plugin: "amazon-mfn", fulfilledBy: "MERCHANT", sandbox: sandbox)
        }
    }

    /// A source composed in code (a host app's alternative to a deployment file).
    public static func source(_ account: AmazonAccount, id: String? = nil, logger: Logger) -> AmazonOrderSource {
        AmazonSourceFactory.source(
            account, fulfilledBy: "MERCHANT", id: id ?? "amazon-mfn/\(account.sellerID)/\(account.marketplaceIDs.joined(separator: ","))", logger: logger)
    }
}
