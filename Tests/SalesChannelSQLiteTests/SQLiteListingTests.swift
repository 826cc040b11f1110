import Foundation
import Logging
import SalesChannel
import SalesChannelSQLite
import SalesChannelTesting
import Testing

/// Listings read the store a stretch at a time through its purchase-date index; every page
/// walk must give exactly what filtering and sorting every record gives, whatever the page size.
@Suite struct SQLiteListingTests {
    @Test func pagesThroughTheIndexAreTheFullScansPages() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saleschannel-listing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try SQLiteDatabase(path: folder.appendingPathComponent("store.sqlite").path)
        let store = SQLiteChannelStore(database: database)
        let source = ScriptedOrderSource(count: 700, seed: 11, pageSize: 100)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let engine = ChannelEngine(Composition(store: store, backend: SQLiteCommerceBackend(database: database), sources: [source], customerPolicy: FixedCustomerPolicy()), logger: logger)
        while try await engine.syncPage(source: source.id) {}
        let everything = try await store.records(includeHidden: true)
        #expect(everything.count > 600, "\(everything.count) orders imported")
        let middle = everything[everything.count / 2].order.purchaseDate

        struct Case { var name: String; var query: OrderQuery; var expected: (OrderRecord) -> Bool }
        func query(_ body: (inout OrderQuery) -> Void) -> OrderQuery { var query = OrderQuery(); body(&query); return query }
        let cases = [
            Case(name: "visible", query: OrderQuery(), expected: { $0.visible }),
            Case(name: "all", query: OrderQuery(includeHidden: true), expected: { _ in true }),
            Case(name: "unshipped MFN", query: query { $0.amazonStatus = .unshipped; $0.fulfillmentChannel = .merchant }, expected: {
                $0.visible && $0.order.status == .unshipped && $0.order.fulfillmentChannel == .merchant
            }),
            Case(name: "since the middle, newest first", query: query { $0.purchasedFrom = middle; $0.sort = .purchaseDateDescending }, expected: {
                $0.visible && $0.order.purchaseDate >= middle
            }),
            Case(name: "before the middle, hidden too", query: query { $0.includeHidden = true; $0.purchasedBefore = middle }, expected: { $0.order.purchaseDate < middle }),
            Case(name: "canceled without error (not columns)", query: query { $0.amazonStatus = .canceled; $0.hasError = false }, expected: {
                $0.visible && $0.order.status == .canceled && $0.lastError == nil && $0.totalsHold == nil
            }),
            Case(name: "text in the id", query: query { $0.text = "00003" }, expected: { $0.visible && $0.amazonOrderID.rawValue.contains("00003") }),
            Case(name: "text in the buyer's name, any case", query: query { $0.text = "BUYER 1"; $0.includeHidden = true }, expected: {
                ($0.order.buyer?.name ?? "").localizedCaseInsensitiveContains("buyer 1")
            }),
        ]
        for test in cases {
            let descending = test.query.sort == .purchaseDateDescending
            let key = { (record: OrderRecord) in (record.order.purchaseDate, record.amazonOrderID.rawValue) }
            let expected = everything.filter(test.expected).sorted { descending ? key($0) > key($1) : key($0) < key($1) }.map(\.amazonOrderID)
            #expect(!expected.isEmpty, "\(test.name): the script has such orders")
            for limit in [nil, 3, 49, 50, 51, 1000] {
                var query = test.query
                query.limit = limit
                var walked: [AmazonOrderID] = []
                var pages = 0
                repeat {
                    let page = try await engine.orders(query)
                    walked += page.orders.map(\.amazonOrderID)
                    query.cursor = page.nextCursor
                    pages += 1
                } while query.cursor != nil && pages < 1_000
                #expect(walked == expected, "\(test.name), pages of \(limit.map(String.init) ?? "all"): \(walked.count) walked, \(expected.count) expected")
            }
        }
    }
}
