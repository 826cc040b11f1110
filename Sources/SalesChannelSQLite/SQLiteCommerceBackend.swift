import Foundation
import GRDB
import SalesChannel

/// The embedded ``CommerceBackend``: a ledger of commerce orders and customers in the same
/// SQLite file as the store, for merchants without a commerce system of their own yet and for
/// the default run. Numbers are nine-digit increments (`000000001`), as Adobe Commerce's are.
public struct SQLiteCommerceBackend: CommerceBackend {
    public let database: SQLiteDatabase
    var pool: DatabasePool { database.pool }

    public init(database: SQLiteDatabase) { self.database = database }

    public func createOrder(_ draft: CommerceOrderDraft) async throws -> CommerceOrder {
        try await database.write { db in
            if let existing = try Self.order(amazonOrderID: draft.amazonOrderID, db) { return existing }
            let number: CommerceOrderNumber
            if let requested = draft.requestedNumber {
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM commerce_orders WHERE number = ?", arguments: [requested.rawValue]) == true {
                    throw CommerceError("commerce order number \(requested) is already used by another order")
                }
                number = requested
            } else {
                number = CommerceOrderNumber(String(format: "%09d", try SQLiteDatabase.next("commerce-order", in: db)))
            }
            let order = CommerceOrder(number: number, draft: draft, createdAt: Date())
            try db.execute(
                sql: """
                    INSERT INTO commerce_orders(number, amazon_order_id, status, customer_id, affects_inventory, document, created_at)
                    VALUES (?,?,?,?,?,?,?)
                    """,
                arguments: [number.rawValue, draft.amazonOrderID.rawValue, draft.status.rawValue, draft.customer.customerID?.rawValue,
                            draft.affectsInventory, try StoredJSON.encode(order), order.createdAt.timeIntervalSince1970])
            return order
        }
    }

    public func order(for amazonOrderID: AmazonOrderID) async throws -> CommerceOrder? {
        try await pool.read { db in try Self.order(amazonOrderID: amazonOrderID, db) }
    }

    /// Every commerce order, oldest first.
    public func orders() async throws -> [CommerceOrder] {
        try await pool.read { db in
            try Data.fetchAll(db, sql: "SELECT document FROM commerce_orders ORDER BY created_at, number")
                .map { try StoredJSON.decode(CommerceOrder.self, $0) }
        }
    }

    public func setStatus(_ status: CommerceOrderStatus, of number: CommerceOrderNumber) async throws {
        try await modify(number) { $0.status = status }
    }

    public func recordShipment(_ shipmentID: ShipmentID, quantities: [OrderItemID: Int], on number: CommerceOrderNumber) async throws {
        try await database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO commerce_shipments(shipment_id, number) VALUES (?,?)",
                           arguments: [shipmentID.rawValue, number.rawValue])
            guard db.changesCount == 1 else { return }  // recorded before
            var order = try Self.order(number: number, db)
            for index in order.lines.indices {
                order.lines[index].quantityShipped = min(
                    order.lines[index].quantity, order.lines[index].quantityShipped + (quantities[order.lines[index].orderItemID] ?? 0))
            }
            try Self.save(order, db)
        }
    }

    public func customer(withEmail email: String) async throws -> Customer? {
        try await pool.read { db in try Self.customer(email: email, db) }
    }

    public func createCustomer(_ draft: CustomerDraft) async throws -> Customer {
        try await database.write { db in
            if let existing = try Self.customer(email: draft.email, db) { return existing }
            let id = CustomerID("C\(String(format: "%07d", try SQLiteDatabase.next("customer", in: db)))")
            let customer = Customer(id: id, email: draft.email, name: draft.name, createdAt: Date())
            try db.execute(
                sql: "INSERT INTO customers(id, email_normalized, email, name, marketplace_id, created_at) VALUES (?,?,?,?,?,?)",
                arguments: [id.rawValue, Customer.normalizedEmail(draft.email), draft.email, draft.name,
                            draft.marketplaceID.rawValue, customer.createdAt.timeIntervalSince1970])
            return customer
        }
    }

    /// Every customer, oldest first.
    public func customers() async throws -> [Customer] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM customers ORDER BY created_at, id").map(Self.customer)
        }
    }

    private func modify(_ number: CommerceOrderNumber, _ change: @escaping @Sendable (inout CommerceOrder) -> Void) async throws {
        try await database.write { db in
            var order = try Self.order(number: number, db)
            change(&order)
            try Self.save(order, db)
        }
    }

    static func order(amazonOrderID: AmazonOrderID, _ db: Database) throws -> CommerceOrder? {
        try Data.fetchOne(db, sql: "SELECT document FROM commerce_orders WHERE amazon_order_id = ?", arguments: [amazonOrderID.rawValue])
            .map { try StoredJSON.decode(CommerceOrder.self, $0) }
    }

    static func order(number: CommerceOrderNumber, _ db: Database) throws -> CommerceOrder {
        guard let data = try Data.fetchOne(db, sql: "SELECT document FROM commerce_orders WHERE number = ?", arguments: [number.rawValue]) else {
            throw CommerceError("no commerce order \(number)")
        }
        return try StoredJSON.decode(CommerceOrder.self, data)
    }

    static func save(_ order: CommerceOrder, _ db: Database) throws {
        try db.execute(sql: "UPDATE commerce_orders SET status = ?, document = ? WHERE number = ?",
                       arguments: [order.status.rawValue, try StoredJSON.encode(order), order.number.rawValue])
    }

    static func customer(email: String, _ db: Database) throws -> Customer? {
        try Row.fetchOne(db, sql: "SELECT * FROM customers WHERE email_normalized = ?", arguments: [Customer.normalizedEmail(email)])
            .map(customer)
    }

    static func customer(_ row: Row) -> Customer {
        Customer(id: CustomerID(row["id"] as String), email: row["email"], name: row["name"],
                 createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}

/// The embedded commerce ledger refused a change.
public struct CommerceError: Error, Hashable, Sendable, CustomStringConvertible, PermanentFailure {
    public var description: String
    public init(_ description: String) { self.description = description }
}
