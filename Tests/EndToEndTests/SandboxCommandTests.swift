import AmazonSellingPartner
import AsyncHTTPClient
import ChildProcesses
import Foundation
import Testing

/// `saleschannel sandbox` runs standalone and a client can use it like Amazon.
struct SandboxCommandTests {
    @Test func theSandboxRunsFromTheCommandLine() async throws {
        let cli = try CLI.inTemporaryFolder()
        let running = try cli.start(["sandbox", "--port", "0", "--orders", "120", "--seed", "7", "--time-scale", "60"])
        defer {
            kill(running.process.processIdentifier, SIGKILL)
            running.process.waitUntilExit()
        }
        var baseURL: String?
        for _ in 0..<100 where baseURL == nil {
            try await Task.sleep(for: .milliseconds(100))
            if let line = running.stdout().split(separator: "\n").first(where: { $0.hasPrefix("Amazon sandbox listening on ") }) {
                baseURL = String(line.dropFirst("Amazon sandbox listening on ".count))
            }
        }
        let url = try #require(baseURL, "no banner: \(running.stderr())")
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let tokens = LWATokenProvider(
                credentials: .init(clientID: "amzn1.application-oa2-client.sandbox", clientSecret: "sandbox-client-secret",
                                   grant: .refreshToken("Atzr|sandbox-refresh-token")),
                endpoint: url + "/auth/o2/token", http: http)
            let client = SellingPartnerClient(
                configuration: .init(region: .northAmerica, endpoint: url, sellingPartnerID: "A1SANDBOXSELLER"), tokens: tokens, http: http,
                limiter: RateLimiter(timeScale: 60))
            let page = try await client.searchOrders(SearchOrdersQuery(createdAfter: Date().addingTimeInterval(-4 * 86400), marketplaceIds: ["ATVPDKIKX0DER"]))
            #expect(!page.orders.isEmpty)
            #expect(page.orders.allSatisfy { $0.salesChannel.marketplaceId == "ATVPDKIKX0DER" && !$0.orderItems.isEmpty })
            let first = try #require(page.orders.first)
            #expect(try await client.getOrder(first.orderId)?.orderId == first.orderId)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }
}
