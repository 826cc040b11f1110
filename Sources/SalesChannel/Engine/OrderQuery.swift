import Foundation

/// Which orders to list, in which order, one page at a time (the Orders page, `orders`,
/// `GET /orders`). Every filter left `nil` matches everything.
public struct OrderQuery: Hashable, Sendable {
    /// Pending orders are imported but hidden until Amazon verifies them.
    public var includeHidden = false
    public var fulfillmentChannel: FulfillmentChannel?
    public var amazonStatus: AmazonOrderStatus?
    public var commerceStatus: CommerceOrderStatus?
    public var marketplace: MarketplaceID?
    /// Purchased at or after.
    public var purchasedFrom: Date?
    /// Purchased before.
    public var purchasedBefore: Date?
    /// Only orders showing an error (`true`), only those without (`false`).
    public var hasError: Bool?
    /// Case-insensitive text in the order id or the buyer's name.
    public var text: String?
    public var sort = Sort.purchaseDateAscending
    /// At most this many per page; `nil`: all of them.
    public var limit: Int?
    /// Where the previous page ended (``OrderListing/nextCursor``).
    public var cursor: String?

    public init(includeHidden: Bool = false) { self.includeHidden = includeHidden }

    public enum Sort: String, Hashable, Sendable, CaseIterable {
        case purchaseDateAscending = "purchase-date"
        case purchaseDateDescending = "-purchase-date"
    }

    /// The part of the query a store answers from its columns.
    var scan: OrderScan {
        var scan = OrderScan()
        scan.includeHidden = includeHidden
        scan.fulfillmentChannel = fulfillmentChannel
        scan.amazonStatus = amazonStatus
        scan.marketplace = marketplace
        scan.purchasedFrom = purchasedFrom
        scan.purchasedBefore = purchasedBefore
        // An order id or buyer name is in the stored record as written (its JSON escapes
        // quotes, backslashes, slashes and control characters, which are left out of the hint);
        // the engine's own case-insensitive check decides.
        if let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty,
           text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && !"\"\\/".unicodeScalars.contains($0) }) {
            scan.contains = text
        }
        scan.descending = sort == .purchaseDateDescending
        return scan
    }

    func matches(_ record: OrderRecord) -> Bool {
        let order = record.order
        if !includeHidden && !record.visible { return false }
        if let fulfillmentChannel, order.fulfillmentChannel != fulfillmentChannel { return false }
        if let amazonStatus, order.status != amazonStatus { return false }
        if let commerceStatus, record.commerceStatus != commerceStatus { return false }
        if let marketplace, order.marketplaceID != marketplace { return false }
        if let purchasedFrom, order.purchaseDate < purchasedFrom { return false }
        if let purchasedBefore, order.purchaseDate >= purchasedBefore { return false }
        if let hasError, (record.lastError != nil || record.totalsHold != nil) != hasError { return false }
        if let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            let inID = order.amazonOrderID.rawValue.localizedCaseInsensitiveContains(text)
            let inName = order.buyer?.name?.localizedCaseInsensitiveContains(text) ?? false
            if !inID && !inName { return false }
        }
        return true
    }
}

/// One page of a listing.
public struct OrderListing: Sendable {
    public var orders: [OrderRecord]
    /// Give it as ``OrderQuery/cursor`` for the next page; `nil` on the last page.
    public var nextCursor: String?
}

/// A position in a listing: the purchase date and order id of the last order shown. Opaque to
/// callers; stable across pages while orders are added (keyset pagination, never an offset).
struct OrderCursor: Hashable {
    var purchaseDate: Date
    var amazonOrderID: AmazonOrderID

    var encoded: String {
        let text = "\(Int64((purchaseDate.timeIntervalSince1970 * 1000).rounded()))|\(amazonOrderID.rawValue)"
        return Data(text.utf8).base64EncodedString()
    }

    init(purchaseDate: Date, amazonOrderID: AmazonOrderID) {
        self.purchaseDate = purchaseDate
        self.amazonOrderID = amazonOrderID
    }

    init(decoding text: String) throws(OrderQueryError) {
        guard let data = Data(base64Encoded: text), let plain = String(data: data, encoding: .utf8),
              let bar = plain.firstIndex(of: "|"), let millis = Int64(plain[..<bar]), plain.index(after: bar) < plain.endIndex
        else { throw OrderQueryError("the cursor is not one this listing gave; start again without it") }
        purchaseDate = Date(timeIntervalSince1970: Double(millis) / 1000)
        amazonOrderID = AmazonOrderID(String(plain[plain.index(after: bar)...]))
    }

    /// Whether `record` comes after this position in `sort`.
    func precedes(_ record: OrderRecord, _ sort: OrderQuery.Sort) -> Bool {
        let millis = { (date: Date) in Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        let (mine, theirs) = (millis(purchaseDate), millis(record.order.purchaseDate))
        switch sort {
        case .purchaseDateAscending:
            return theirs > mine || (theirs == mine && record.amazonOrderID.rawValue > amazonOrderID.rawValue)
        case .purchaseDateDescending:
            return theirs < mine || (theirs == mine && record.amazonOrderID.rawValue < amazonOrderID.rawValue)
        }
    }
}

/// A query the engine cannot answer as asked.
public struct OrderQueryError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One order with everything known about it: the record, its history and its jobs.
public struct OrderDetail: Sendable {
    public var record: OrderRecord
    public var events: [OrderEvent]
    public var jobs: [OutboxJob]
}

/// The figures of a store and a running process, read together.
public struct EngineStatistics: Sendable {
    public var store: StoreStatistics
    public var run: RunStatistics.Counters
    public var usage: SourceUsage
}
