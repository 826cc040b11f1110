import AmazonChannel
import AmazonSellingPartner
import Logging
import SalesChannel

/// The `amazon-mfn` source: merchant-fulfilled Amazon orders in every status (Pending kept hidden
/// until Amazon verifies them), following the reference workflow's MFN steps 1-5.
public enum AmazonMFN {
    public static let descriptor = PluginDescriptor(
        name: "amazon-mfn", kind: .source, summary: "Merchant-fulfilled Amazon orders (SP-API Orders v2026-01-01)",
        keys: AmazonSourceFactory.keys)

    public static func register(in registry: inout PluginRegistry, sandbox: AmazonSourceFactory.SandboxLink? = nil) {
        AmazonSourceFactory.register(descriptor, fulfilledBy: .merchant, in: &registry, sandbox: sandbox)
    }

    /// A source composed in code (a host app's alternative to a deployment file).
    public static func source(_ account: AmazonAccount, id: String? = nil, logger: Logger) -> AmazonOrderSource {
        AmazonSourceFactory.source(account, plugin: descriptor.name, fulfilledBy: .merchant, id: id, logger: logger)
    }
}
