import Foundation
import Logging
import PostgresNIO
import SalesChannel
import SalesChannelPostgres
import SalesChannelTesting
import Testing

/// What several processes sharing one PostgreSQL store rely on, each process played by a store
/// with its own connection pool.
@Suite(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.skipReason)))
struct PostgresSharingTests {
    static let settings = OrderSettings(sinkNames: ["erp"])

    static func orders(_ count: Int, prefix: String) -> OrderPage {
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        let orders = (0..<count).map { index in
            ChannelOrder(
                sellerID: "SELLER", marketplaceID: "ATVPDKIKX0DER", amazonOrderID: AmazonOrderID("\(prefix)-\(index)"), fulfillmentChannel: .merchant,
                status: .unshipped, purchaseDate: start, lastUpdateDate: start,
                lines: [ChannelOrderLine(orderItemID: OrderItemID("I\(index)"), sku: "SKU", asin: "B000000001", title: "Item", quantityOrdered: 1,
                                         itemPrice: Money(10, "USD"))])
        }
        return OrderPage(orders: orders, checkpoint: SyncCheckpoint("1"), hasMore: false)
    }

    static func workflow(_ stored: OrderRecord?, _ snapshot: ChannelOrder) -> WorkflowDecision {
        Workflow.apply(snapshot: snapshot, to: stored, sourceID: "test", settings: settings, now: Date())
    }

    /// Runs SQL behind the store's back, in its schema.
    static func sql(_ schema: String, _ statement: String) async throws {
        let client = try Fresh.client()
        let task = Task { await client.run() }
        defer { task.cancel() }
        try await client.withConnection { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "SET search_path TO \(schema)"), logger: Logger(label: "test"))
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Logger(label: "test"))
        }
    }

    @Test func aSkewedProcessClockCanNeitherTakeALeasedJobNorKeepADeadOne() async throws {
        let schema = Fresh.schema()
        let holder = PostgresChannelStore(database: try Fresh.database(schema: schema, leaseClock: .server))
        _ = try await holder.commit(Self.orders(3, prefix: "S"), from: "test", decide: Self.workflow)
        let claimed = try await holder.claimJobs(limit: 100, now: Date(), lease: 60)
        #expect(!claimed.isEmpty)
        // A process whose clock runs an hour ahead: the leases are the server's, still running.
        let skewed = PostgresChannelStore(database: try Fresh.database(schema: schema, leaseClock: .server))
        let early = try await skewed.claimJobs(limit: 100, now: Date().addingTimeInterval(3600), lease: 60)
        #expect(Set(early.map(\.id)).isDisjoint(with: claimed.map(\.id)), "a skewed clock took over leased jobs")
        // The holder died an hour ago (by the server's clock): its jobs are taken over, even by
        // a process whose clock runs an hour behind.
        try await Self.sql(schema, "UPDATE jobs SET lease_until = lease_until - 7200 WHERE status = 'running'")
        let late = try await skewed.claimJobs(limit: 100, now: Date().addingTimeInterval(-3600), lease: 60)
        #expect(Set(late.map(\.id)).isSuperset(of: claimed.map(\.id)), "a run-out lease was not taken over")
        #expect(late.allSatisfy { $0.attempts == 2 })
        // The former holder's renewal and settle are refused (fenced).
        #expect(try await holder.renewLeases(claimed, until: Date().addingTimeInterval(60)).sorted() == claimed.map(\.id).sorted())
        await #expect(throws: LeaseLost.self) {
            try await holder.finish(claimed[0], outcome: .notified, now: Date()) { .unchanged($0) }
        }
        await holder.close()
        await skewed.close()
    }

    @Test func fourClaimersNeverShareAJob() async throws {
        let schema = Fresh.schema()
        let stores = try (0..<4).map { _ in PostgresChannelStore(database: try Fresh.database(schema: schema, leaseClock: .server)) }
        _ = try await stores[0].commit(Self.orders(120, prefix: "C"), from: "test", decide: Self.workflow)
        let total = try await stores[0].jobs(statuses: [.pending]).count
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for store in stores {
                group.addTask {
                    var mine: [Int64] = []
                    while case let jobs = try await store.claimJobs(limit: 7, now: Date(), lease: 600), !jobs.isEmpty {
                        for job in jobs {
                            mine.append(job.id)
                            try await store.finish(job, outcome: .notified, now: Date()) { .unchanged($0) }
                        }
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [[Int64]]()) { $0.append($1) }
        }
        let all = claims.flatMap { $0 }
        #expect(Set(all).count == all.count, "a job was handed to two claimers")
        // Ordered effects become runnable as earlier ones finish; every job ran once in the end.
        #expect(try await stores[0].jobs(statuses: [.pending, .running]).isEmpty)
        #expect(all.count == (try await stores[0].jobs(statuses: [.done]).count))
        #expect(all.count >= total)
        #expect(claims.filter { !$0.isEmpty }.count >= 2, "one claimer did all the work: \(claims.map(\.count))")
        for store in stores { await store.close() }
    }

    @Test func processesStartingTogetherMigrateOnce() async throws {
        let schema = Fresh.schema()
        let stores = try (0..<4).map { _ in PostgresChannelStore(database: try Fresh.database(schema: schema)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores { group.addTask { _ = try await store.statistics() } }
            try await group.waitForAll()
        }
        let client = try Fresh.client()
        let task = Task { await client.run() }
        defer { task.cancel() }
        let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT COUNT(*)::int8 FROM \(schema).schema_migrations")).collect()
        #expect(try rows.first?.decode(Int.self) == 1)
        for store in stores { await store.close() }
    }

    @Test func aSchemaFromANewerReleaseIsRefusedAndLeftAlone() async throws {
        let schema = Fresh.schema()
        let first = PostgresChannelStore(database: try Fresh.database(schema: schema))
        _ = try await first.commit(Self.orders(1, prefix: "N"), from: "test", decide: Self.workflow)
        await first.close()
        try await Self.sql(schema, "INSERT INTO schema_migrations(version, name) VALUES (99, 'from the future')")
        let later = PostgresChannelStore(database: try Fresh.database(schema: schema))
        do {
            _ = try await later.statistics()
            Issue.record("a newer schema was opened")
        } catch let error as StoreError {
            #expect(error.code == .schemaTooNew)
            #expect(error.message.contains("schema \(schema)") && error.message.contains("version 99"))
        }
        await later.close()
    }

    @Test func readOnlyFindsNoStoreAndWritesNothing() async throws {
        let schema = Fresh.schema()
        let missing = PostgresChannelStore(database: try Fresh.database(schema: schema, access: .readOnly))
        await #expect { _ = try await missing.statistics() } throws: { ($0 as? StoreError)?.code == .missing }
        await missing.close()
        let writer = PostgresChannelStore(database: try Fresh.database(schema: schema))
        _ = try await writer.commit(Self.orders(2, prefix: "R"), from: "test", decide: Self.workflow)
        await writer.close()
        let reader = PostgresChannelStore(database: try Fresh.database(schema: schema, access: .readOnly))
        #expect(try await reader.statistics().orders == 2)
        await #expect(throws: (any Error).self) {
            try await reader.commit(Self.orders(1, prefix: "W"), from: "test", decide: Self.workflow)
        }
        #expect(try await reader.statistics().orders == 2)
        await reader.close()
    }

    @Test func oneCustomerAndOneCommerceOrderPerBuyerAcrossProcesses() async throws {
        let schema = Fresh.schema()
        let backends = try (0..<4).map { _ in PostgresCommerceBackend(database: try Fresh.database(schema: schema)) }
        let customers = try await withThrowingTaskGroup(of: CustomerID.self) { group in
            for (index, backend) in backends.enumerated() {
                for _ in 0..<3 {
                    let email = index % 2 == 0 ? "Buyer@Marketplace.Amazon.com" : "buyer@marketplace.amazon.com"
                    group.addTask { try await backend.createCustomer(CustomerDraft(email: email, name: "B", marketplaceID: "M")).id }
                }
            }
            return try await group.reduce(into: Set<CustomerID>()) { $0.insert($1) }
        }
        #expect(customers.count == 1)
        let draft = CommerceOrderDraft(
            amazonOrderID: "111-0000000-0000001", requestedNumber: nil, status: .pending, lines: [], subtotal: Money(0, "USD"),
            tax: Money(0, "USD"), grandTotal: Money(0, "USD"), charges: CommerceCharges(shipping: Money(0, "USD"), shippingTax: Money(0, "USD"), giftWrap: Money(0, "USD"), codFee: Money(0, "USD"),
                                     other: Money(0, "USD"), discount: Money(0, "USD")), customer: .guest,
            affectsInventory: true, shippingAddress: nil)
        let numbers = try await withThrowingTaskGroup(of: CommerceOrderNumber.self) { group in
            for backend in backends { for _ in 0..<3 { group.addTask { try await backend.createOrder(draft).number } } }
            return try await group.reduce(into: Set<CommerceOrderNumber>()) { $0.insert($1) }
        }
        #expect(numbers.count == 1)
        #expect(try await backends[0].orders().count == 1)
        #expect(try await backends[0].customers().count == 1)
    }

    @Test func theDeploymentKeysAreCheckedAndNamed() throws {
        func configuration(_ yaml: String, environment: [String: String] = [:]) throws -> PostgresStoreConfiguration {
            let root = try ConfigSection.parse(yaml, file: "deploy.yaml", environment: environment)
            var registry = PluginRegistry()
            PostgresStoreDatabase.register(in: &registry)
            let plugin = try registry.store(from: root, context: PluginContext(
                directory: URL(fileURLWithPath: "/tmp"), environment: environment, logger: Logger(label: "test"), isCheckOnly: true))
            return (plugin.store as! PostgresChannelStore).database.configuration
        }
        func problem(_ yaml: String, environment: [String: String] = [:]) -> String {
            do { _ = try configuration(yaml, environment: environment); return "" } catch { return "\(error)" }
        }
        let parsed = try configuration("""
            store: { plugin: postgres, url: "postgres://sc@db.internal:6432/commerce?sslmode=verify-full", schema: shop_1, poolSize: 3 }
            """)
        #expect(parsed.host == "db.internal" && parsed.port == 6432 && parsed.database == "commerce" && parsed.user == "sc")
        #expect(parsed.tls == .verifyFull && parsed.schema == "shop_1" && parsed.poolSize == 3 && parsed.leaseClock == .server)
        let secret = try configuration("store: { plugin: postgres, url: '${DATABASE_URL}' }",
                                       environment: ["DATABASE_URL": "postgres://sc:s%40cret@db:5432/commerce"])
        #expect(secret.password == "s@cret")
        #expect(!"\(secret)".contains("s@cret"))
        let written = problem("store: { plugin: postgres, url: 'postgres://sc:hunter2@db/commerce' }")
        #expect(written.contains("store.url") && written.contains("${DATABASE_URL}") && !written.contains("hunter2"))
        #expect(problem("store: { plugin: postgres }").contains("store.url"))
        #expect(problem("store: { plugin: postgres, url: 'mysql://db/x' }").contains("is not a postgres:// URL"))
        #expect(problem("store: { plugin: postgres, url: 'postgres://sc@db' }").contains("names no database"))
        #expect(problem("store: { plugin: postgres, url: 'postgres://sc@db/x?sslmode=maybe' }").contains("sslmode=maybe"))
        #expect(problem("store: { plugin: postgres, url: 'postgres://sc@db/x', schema: 'Drop Table' }").contains("store.schema"))
        #expect(problem("store: { plugin: postgres, url: 'postgres://sc@db/x', tls: sometimes }").contains("verify-full"))
        #expect(problem("store: { plugin: postgres, url: 'postgres://sc@db/x', poolSize: 0 }").contains("store.poolSize"))
    }
}
