import AmazonChannel
import AmazonSellingPartner
import Logging
import SalesChannel

/// The `amazon-fba` source: orders Amazon fulfils. Only those are asked for; the workflow creates
/// their commerce orders at Shipped, Complete, affecting no inventory and never handed off.
public enum AmazonFBA {
    public static let descriptor = PluginDescriptor(
        name: "amazon-fba", kind: .source, summary: "Fulfilled-by-Amazon orders (SP-API Orders v2026-01-01)",
        keys: AmazonSourceFactory.keys)

    public static func register(in registry: inout PluginRegistry, sandbox: AmazonSourceFactory.SandboxLink? = nil) {
        AmazonSourceFactory.register(descriptor, fulfilledBy: .amazon, in: &registry, sandbox: sandbox)
    }

    /// A source composed in code (a host app's alternative to a deployment file).
    public static func source(_ account: AmazonAccount, id: String? = nil, logger: Logger) -> AmazonOrderSource {
        AmazonSourceFactory.source(account, plugin: descriptor.name, fulfilledBy: .amazon, id: id, logger: logger)
    }
}
