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

    @Test func matchExistingAndPredefinedPoliciesConform() async throws {
        try await CustomerPolicyConformance(policy: MatchExistingPolicy()) { InMemoryCommerceBackend() }.run()
        try await CustomerPolicyConformance(policy: PredefinedCustomerPolicy(customerID: "C-AMAZON")) { InMemoryCommerceBackend() }.run()
    }

    @Test func matchExistingFindsTheAccountByNormalisedEmailAndOtherwiseStaysGuest() async throws {
        let backend = InMemoryCommerceBackend()
        let known = try await backend.createCustomer(
            CustomerDraft(email: "known@marketplace.amazon.com", name: "Known", marketplaceID: "ATVPDKIKX0DER"))
        var order = ChannelOrder(
            sellerID: "A1SELLER", marketplaceID: "ATVPDKIKX0DER", amazonOrderID: "900-0000001-0000001", fulfillmentChannel: .merchant,
            status: .unshipped, purchaseDate: Date(), lastUpdateDate: Date(),
            lines: [ChannelOrderLine(orderItemID: "1", sku: "SKU-1", asin: "B000000001", title: "Item", quantityOrdered: 1)])
        order.buyer = Buyer(name: "Known", email: "  Known@Marketplace.Amazon.com ")
        #expect(try await MatchExistingPolicy().customer(for: order, in: backend) == .account(known.id))
        order.buyer = Buyer(name: "New", email: "new@marketplace.amazon.com")
        #expect(try await MatchExistingPolicy().customer(for: order, in: backend) == .guest)
        order.buyer = nil
        #expect(try await MatchExistingPolicy().customer(for: order, in: backend) == .guest)
        #expect(try await backend.customer(withEmail: "new@marketplace.amazon.com") == nil)
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
