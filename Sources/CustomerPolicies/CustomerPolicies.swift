import SalesChannel

/// The shipped customer policies, by the names a deployment file uses.
public enum CustomerPolicies {
    /// Registers `guest` and `create-customer`.
    public static func register(in registry: inout PluginRegistry) {
        registry.registerCustomerPolicy(PluginDescriptor(
            name: "guest", kind: .customerPolicy,
            summary: "No Customer Creation (guest), the default: orders follow guest checkout")) { _, _ in
            GuestCustomerPolicy()
        }
        registry.registerCustomerPolicy(PluginDescriptor(
            name: "create-customer", kind: .customerPolicy,
            summary: "Build New Customer Account: find the buyer by email or create an account")) { _, _ in
            CreateCustomerPolicy()
        }
    }
}
