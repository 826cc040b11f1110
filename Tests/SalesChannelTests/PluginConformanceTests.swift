import CustomerPolicies
import Foundation
import SalesChannel
import SalesChannelTesting
import Testing

/// The shipped plugins and the test kit's doubles pass the conformance suites plugin authors use.
struct PluginConformanceTests {
    @Test func recordingSinkConforms() async throws {
        let sink = RecordingShipmentSink()
        try await ShipmentSinkConformance(sink: sink) { key in
            (sink.handoffs[key] != nil ? 1 : 0) + (sink.cancellations[key] != nil ? 1 : 0)
        }.run()
    }

    @Test func createCustomerPolicyConforms() async throws {
        try await CustomerPolicyConformance(policy: CreateCustomerPolicy()) { InMemoryCommerceBackend() }.run()
    }

    @Test func guestPolicyConforms() async throws {
        try await CustomerPolicyConformance(policy: GuestCustomerPolicy()) { InMemoryCommerceBackend() }.run()
    }

    @Test func scriptedSourceConforms() async throws {
        try await OrderSourceConformance(source: ScriptedOrderSource(count: 250, seed: 4, pageSize: 60)).run()
    }

    @Test func aSuiteFailsForABrokenPlugin() async throws {
        /// Creates a new customer on every call: the mistake the suite exists to catch.
        struct AlwaysNewCustomer: CustomerPolicy {
            func customer(for order: ChannelOrder, in backend: any CommerceBackend) async throws -> CustomerAssignment {
                .account(CustomerID(UUID().uuidString))
            }
        }
        await #expect(throws: ConformanceFailure.self) {
            try await CustomerPolicyConformance(policy: AlwaysNewCustomer()) { InMemoryCommerceBackend() }.run()
        }
    }
}
