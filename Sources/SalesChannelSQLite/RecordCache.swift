import SalesChannel
import Synchronization

/// Decoded order records by revision, so that the outbox and the sync do not decode the same JSON
/// again and again.
///
/// Every write of a record gives it a fresh random revision, stored in `orders.revision`. A cached
/// record is used only when its revision is the one the database holds, so the cache can never
/// serve anything the database does not: a record cached by a write that was later rolled back
/// carries a revision that never reached the file, and a write from another process changes the
/// revision. The cache is bounded; when full it starts over.
final class RecordCache: Sendable {
    private let entries = Mutex<[AmazonOrderID: (revision: Int64, record: OrderRecord)]>([:])
    let capacity: Int

    init(capacity: Int = 20_000) { self.capacity = capacity }

    func record(_ id: AmazonOrderID, revision: Int64) -> OrderRecord? {
        entries.withLock { entries in
            guard let entry = entries[id], entry.revision == revision else { return nil }
            return entry.record
        }
    }

    func put(_ record: OrderRecord, revision: Int64) {
        entries.withLock { entries in
            if entries.count >= capacity, entries[record.amazonOrderID] == nil { entries.removeAll(keepingCapacity: true) }
            entries[record.amazonOrderID] = (revision, record)
        }
    }

    /// A revision no other write will draw (64 random bits, never 0, which marks rows written
    /// before revisions existed).
    static func newRevision() -> Int64 {
        var revision: Int64 = 0
        while revision == 0 { revision = Int64.random(in: .min ... .max) }
        return revision
    }
}
