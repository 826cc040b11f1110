import Foundation
import SalesChannel

/// Appends one CSV row per order line to a feed a warehouse imports, and one per line of a
/// canceled order with the action `cancel`. A key already in the feed is not written again.
public actor WarehouseCSVSink: ShipmentSink {
    public let feed: URL
    private var written: Set<String>?

    public init(feed: URL) { self.feed = feed }

    public func handOff(_ document: HandoffDocument, idempotencyKey: String) async throws -> String? {
        try append(document, action: "ship", key: idempotencyKey)
        return nil
    }

    public func cancel(_ document: HandoffDocument, idempotencyKey: String) async throws {
        try append(document, action: "cancel", key: idempotencyKey)
    }

    /// Deliveries in the feed for a key (rows that start an order).
    public func deliveries(forKey key: String) throws -> Int {
        try existingRows().filter { $0.count > 2 && $0[0] == key && $0[2] == "1" }.count
    }

    private func append(_ document: HandoffDocument, action: String, key: String) throws {
        var written = try self.written ?? Set(existingRows().compactMap(\.first))  // read once, then kept
        guard !written.contains(key) else { return }
        let address = document.shippingAddress
        var text = ""
        for (index, line) in document.lines.enumerated() {
            let fields = [key, action, String(index + 1), document.amazonOrderID.rawValue, document.commerceOrderNumber?.rawValue ?? "",
                          line.sku, String(line.quantity - line.quantityShipped),
                          address?.name ?? "", address?.addressLines.joined(separator: ", ") ?? "", address?.city ?? "",
                          address?.postalCode ?? "", address?.countryCode ?? ""]
            text += fields.map(Self.quoted).joined(separator: ",") + "\n"
        }
        let handle = try FileHandle(forWritingTo: try ensureFeed())
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
        written.insert(key)
        self.written = written
    }

    private func ensureFeed() throws -> URL {
        if !FileManager.default.fileExists(atPath: feed.path) {
            let header = "key,action,line,amazon_order_id,commerce_order,sku,quantity,name,address,city,postal_code,country\n"
            try Data(header.utf8).write(to: feed, options: .atomic)
        }
        return feed
    }

    private func existingRows() throws -> [[String]] {
        guard let text = try? String(contentsOf: feed, encoding: .utf8) else { return [] }
        // Only the first three fields are read back (key, action, line); none of them holds a comma.
        return text.split(separator: "\n").dropFirst().map { row in
            row.split(separator: ",", maxSplits: 3).prefix(3).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
    }

    static func quoted(_ field: String) -> String {
        "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
