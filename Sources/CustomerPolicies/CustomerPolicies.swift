import Foundation
import SalesChannel

/// The shipped customer policies, by the names a deployment file uses.
public enum CustomerPolicies {
    /// Registers `guest`, `create-customer`, `match-existing` and `predefined-customer`.
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
        registry.registerCustomerPolicy(PluginDescriptor(
            name: "match-existing", kind: .customerPolicy,
            summary: "Attach orders to an existing customer with the buyer's email, else guest; creates nothing")) { _, _ in
            MatchExistingPolicy()
        }
        registry.registerCustomerPolicy(PluginDescriptor(
            name: "predefined-customer", kind: .customerPolicy,
            summary: "Every order to one predefined customer account",
            keys: [.init("customerID", "string", "The commerce system's id of the customer every order is booked to")])) { section, _ in
            let id = try section.requiredString("customerID")
            guard !id.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw DeploymentError(file: section.file, key: section.keyPath("customerID"), problem: "must not be empty")
            }
            return PredefinedCustomerPolicy(customerID: CustomerID(id))
        }
    }
}
