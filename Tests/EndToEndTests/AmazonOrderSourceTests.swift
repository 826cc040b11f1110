import AmazonChannel
import AmazonSandbox
import AmazonSellingPartner
import AsyncHTTPClient
import Foundation
import SalesChannel
import Testing

/// The Amazon source's windows against the sandbox: checkpoints, overlap and reconciliation sweeps.
struct AmazonOrderSourceTests {
    @Test func windowsContinueFromTheCheckpointAndSweepsReachBack() async throws {
        var configuration = SandboxConfiguration()
        configuration.orders = 300
        configuration.existingShare = 1
        configuration.rateLimits = false
        configuration.beforeLag = 1
        let settings = configuration
        try await AmazonSandbox.withRunning(settings) { endpoint in
            let http = AmazonSourceFactory.http
            let tokens = LWATokenProvider(
                credentials: .init(clientID: settings.clientID, clientSecret: settings.clientSecret, grant: .refreshToken(settings.refreshToken)),
                endpoint: endpoint.tokenURL, http: http)
            let client = SellingPartnerClient(
                configuration: .init(region: .northAmerica, endpoint: endpoint.baseURL, sellingPartnerID: settings.sellerID, minimumBeforeLag: 2),
                tokens: tokens, http: http, limiter: .disabled())
            var source = AmazonOrderSource(
                id: "test", client: client, sellerID: SellerID(settings.sellerID), marketplaceIDs: [settings.marketplaceID],
                fulfilledBy: "MERCHANT", overlap: 600, initialLookback: 4 * 86400)
            source.sweepInterval = nil  // no sweep until the test asks for one
            source.pageSize = 50

            // The backfill: pages until caught up, each carrying its checkpoint.
            var checkpoint: SyncCheckpoint?
            var backfill: Set<String> = []
            var more = true
            while more {
                let page = try await source.changes(after: checkpoint)
                backfill.formUnion(page.orders.map(\.amazonOrderID.rawValue))
                #expect(page.orders.allSatisfy { $0.fulfillmentChannel == .merchant })
                checkpoint = page.checkpoint
                more = page.hasMore
            }
            #expect(backfill.count > 100)

            // The next window starts where Amazon confirmed the last one, minus the overlap: few orders.
            let next = try await source.changes(after: checkpoint)
            #expect(next.orders.count < backfill.count / 2)
            checkpoint = next.checkpoint

            // When a sweep is due, the next window reaches back over the last 24 hours again.
            source.sweepInterval = 0
            var swept: Set<String> = []
            more = true
            while more {
                let page = try await source.changes(after: checkpoint)
                swept.formUnion(page.orders.map(\.amazonOrderID.rawValue))
                checkpoint = page.checkpoint
                more = page.hasMore
            }
            let cutoff = Date().addingTimeInterval(-86400)
            let recent = try await client.searchOrders(SearchOrdersQuery(
                lastUpdatedAfter: cutoff, marketplaceIds: [settings.marketplaceID], fulfilledBy: "MERCHANT"))
            #expect(swept.count > next.orders.count)
            #expect(swept.count >= recent.orders.count)
            #expect(swept.isSubset(of: backfill))
        }
    }
}
