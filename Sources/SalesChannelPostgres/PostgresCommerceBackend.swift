import Foundation
import Logging
import PostgresNIO
import SalesChannel

/// The commerce ledger (orders and customers) in the same PostgreSQL schema as the store, for
/// merchants without a commerce system of their own and for scale-out trials. Several processes
/// may create at once: one commerce order per Amazon order and one customer per normalised
/// e-mail are unique keys, and numbers come from sequences (nine digits, as Adobe Commerce's).
public struct PostgresCommerceBackend: CommerceBackend {
    public let database: PostgresStoreDatabase

    public init(database: PostgresStoreDatabase) { self.database = database }

    public func createOrder(_ draft: CommerceOrderDraft) async throws -> CommerceOrder {
        try await database.transaction { connection in
            if let existing = try await Self.order(amazonOrderID: draft.amazonOrderID, connection) { return existing }
            let number: CommerceOrderNumber
            if let requested = draft.requestedNumber {
                let used = try await connection.query("SELECT 1 FROM commerce_orders WHERE number = \(requested.rawValue)", logger: database.logger).collect()
                guard used.isEmpty else { throw CommerceLedgerError("commerce order number \(requested) is already used by another order") }
                number = requested
            } else {
                let next = try await connection.query("SELECT lpad(n::text, greatest(9, length(n::text)), '0') FROM nextval('commerce_order_numbers') AS n", logger: database.logger).collect()
                number = CommerceOrderNumber(try next.first?.decode(String.self) ?? "")
            }
            let order = CommerceOrder(number: number, draft: draft, createdAt: Date())
            // Another process creating the same Amazon order at this moment: its insert wins,
            // this one inserts nothing and returns that order.
            let inserted = try await connection.query("""
                INSERT INTO commerce_orders(number, amazon_order_id, status, customer_id, affects_inventory, document, created_at)
                VALUES (\(number.rawValue), \(draft.amazonOrderID.rawValue), \(draft.status.rawValue), \(draft.customer.customerID?.rawValue),
                        \(draft.affectsInventory), \(try Self.encode(order)), \(order.createdAt.timeIntervalSince1970))
                ON CONFLICT (amazon_order_id) DO NOTHING
                RETURNING number
                """, logger: database.logger).collect()
            if inserted.isEmpty, let existing = try await Self.order(amazonOrderID: draft.amazonOrderID, connection) { return existing }
            return order
        }
    }

    public func order(for amazonOrderID: AmazonOrderID) async throws -> CommerceOrder? {
        try await database.query("SELECT document FROM commerce_orders WHERE amazon_order_id = \(amazonOrderID.rawValue)")
            .first.map { try Self.decode(CommerceOrder.self, try $0.decode(String.self)) }
    }

    /// Every commerce order, oldest first.
    public func orders() async throws -> [CommerceOrder] {
        try await database.query("SELECT document FROM commerce_orders ORDER BY created_at, number")
            .map { try Self.decode(CommerceOrder.self, try $0.decode(String.self)) }
    }

    public func setStatus(_ status: CommerceOrderStatus, of number: CommerceOrderNumber) async throws {
        try await database.transaction { connection in
            var order = try await Self.lockOrder(number, connection)
            order.status = status
            try await save(order, connection)
        }
    }

    public func recordShipment(_ shipmentID: ShipmentID, quantities: [OrderItemID: Int], on number: CommerceOrderNumber) async throws {
        try await database.transaction { connection in
            var order = try await Self.lockOrder(number, connection)
            let recorded = try await connection.query("""
                INSERT INTO commerce_shipments(number, shipment_id) VALUES (\(number.rawValue), \(shipmentID.rawValue))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: database.logger).collect()
            guard !recorded.isEmpty else { return }  // recorded before
            for index in order.lines.indices {
                order.lines[index].quantityShipped = min(
                    order.lines[index].quantity, order.lines[index].quantityShipped + (quantities[order.lines[index].orderItemID] ?? 0))
            }
            try await save(order, connection)
        }
    }

    public func customer(withEmail email: String) async throws -> Customer? {
        try await database.query("""
            SELECT id, email, name, created_at FROM customers WHERE email_normalized = \(Customer.normalizedEmail(email))
            """).first.map(Self.customer)
    }

    public func createCustomer(_ draft: CustomerDraft) async throws -> Customer {
        try await database.transaction { connection in
            let normalized = Customer.normalizedEmail(draft.email)
            // One statement: the unique key on the normalised address decides between processes
            // creating the same buyer at once; the loser reads the winner's customer.
            let created = try await connection.query("""
                INSERT INTO customers(id, email_normalized, email, name, marketplace_id, created_at)
                VALUES ((SELECT 'C' || lpad(n::text, greatest(7, length(n::text)), '0') FROM nextval('customer_numbers') AS n), \(normalized), \(draft.email), \(draft.name),
                        \(draft.marketplaceID.rawValue), \(Date().timeIntervalSince1970))
                ON CONFLICT (email_normalized) DO NOTHING
                RETURNING id, email, name, created_at
                """, logger: database.logger).collect()
            if let row = created.first { return try Self.customer(row) }
            let existing = try await connection.query(
                "SELECT id, email, name, created_at FROM customers WHERE email_normalized = \(normalized)", logger: database.logger).collect()
            guard let row = existing.first else { throw CommerceLedgerError("the customer for this address could be neither created nor found") }
            return try Self.customer(row)
        }
    }

    /// Every customer, oldest first.
    public func customers() async throws -> [Customer] {
        try await database.query("SELECT id, email, name, created_at FROM customers ORDER BY created_at, id").map(Self.customer)
    }

    // MARK: Rows

    static func order(amazonOrderID: AmazonOrderID, _ connection: PostgresConnection) async throws -> CommerceOrder? {
        try await connection.query("SELECT document FROM commerce_orders WHERE amazon_order_id = \(amazonOrderID.rawValue)", logger: .postgresQuiet)
            .collect().first.map { try decode(CommerceOrder.self, try $0.decode(String.self)) }
    }

    static func lockOrder(_ number: CommerceOrderNumber, _ connection: PostgresConnection) async throws -> CommerceOrder {
        let rows = try await connection.query("SELECT document FROM commerce_orders WHERE number = \(number.rawValue) FOR UPDATE", logger: .postgresQuiet).collect()
        guard let row = rows.first else { throw CommerceLedgerError("no commerce order \(number)") }
        return try decode(CommerceOrder.self, try row.decode(String.self))
    }

    func save(_ order: CommerceOrder, _ connection: PostgresConnection) async throws {
        try await connection.query("""
            UPDATE commerce_orders SET status = \(order.status.rawValue), document = \(try Self.encode(order)) WHERE number = \(order.number.rawValue)
            """, logger: database.logger)
    }

    static func customer(_ row: PostgresRow) throws -> Customer {
        let (id, email, name, created) = try row.decode((String, String, String?, Double).self)
        return Customer(id: CustomerID(id), email: email, name: name, createdAt: Date(timeIntervalSince1970: created))
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try StoredJSON.encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try StoredJSON.decoder.decode(type, from: Data(text.utf8))
    }
}

/// The PostgreSQL commerce ledger refused a change (a permanent failure: retrying repeats it).
public struct CommerceLedgerError: Error, Hashable, Sendable, CustomStringConvertible, PermanentFailure {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Logger {
    /// For statements whose logging adds nothing (reads inside a transaction already logged).
    static let postgresQuiet = Logger(label: "saleschannel.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
}
