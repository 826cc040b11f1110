import AmazonChannel
import AmazonFBA
import AmazonMFN
import AmazonSandbox
import AmazonSellingPartner
import CustomerPolicies
import ERPHandoff
import Foundation
import Logging
import SalesChannel
import SalesChannelSQLite

/// How the host app wires SalesChannel together, in code instead of a deployment file.
public enum ShopImport {
    /// Imports from the seller account into `shop` once: every order Amazon has, every effect run.
    /// SalesChannel's own state (records, outbox, checkpoints) lives in `folder/saleschannel.sqlite`;
    /// merchant-fulfilled orders are handed to the warehouse as files in `folder/warehouse`.
    public static func importOnce(account: AmazonAccount, into shop: ShopBackend, folder: URL, logger: Logger) async throws -> RunStatistics.Counters {
        let database = try SQLiteDatabase(path: folder.appendingPathComponent("saleschannel.sqlite").path)
        let composition = Composition(
            store: SQLiteChannelStore(database: database),
            backend: shop,
            sources: [AmazonMFN.source(account, logger: logger), AmazonFBA.source(account, logger: logger)],
            customerPolicy: CreateCustomerPolicy(),
            sinks: ["warehouse": try FileDropSink(directory: folder.appendingPathComponent("warehouse"))],
            notifiers: [LogNotifier(logger: logger)],
            settings: OrderSettings())
        try await composition.runOnce(logger: logger)
        return composition.statistics.snapshot
    }

    /// The account of a sandbox started in this process.
    public static func sandboxAccount(_ endpoint: AmazonSandbox.Endpoint, _ sandbox: SandboxConfiguration) -> AmazonAccount {
        var account = AmazonAccount(
            sellerID: sandbox.sellerID, marketplaceIDs: [sandbox.marketplaceID],
            credentials: LWACredentials(clientID: sandbox.clientID, clientSecret: sandbox.clientSecret, grant: .refreshToken(sandbox.refreshToken)),
            region: .northAmerica, endpoint: endpoint.baseURL, lwaEndpoint: endpoint.tokenURL)
        account.timeScale = sandbox.timeScale
        return account
    }
}
