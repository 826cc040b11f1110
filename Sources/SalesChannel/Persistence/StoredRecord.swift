import Foundation

/// The stored form of an ``OrderRecord``: `{"v":1,"record":{…}}`. The version says which
/// release's shape the record has, so that a release can read (or migrate) every earlier shape
/// and refuses, with that reason, a record written by a newer one instead of misreading it.
/// Records stored before versioned forms (the bare record) are read as version 0.
public enum StoredRecord {
    /// The version this release writes, and the newest it reads.
    public static let currentVersion = 1

    struct Envelope<Record: Codable>: Codable {
        var v: Int
        var record: Record
    }

    struct Probe: Decodable { var v: Int? }

    /// The stored bytes of `record`, with `encoder` (each store keeps its own date format).
    public static func encode(_ record: OrderRecord, with encoder: JSONEncoder) throws -> Data {
        try encoder.encode(Envelope(v: currentVersion, record: record))
    }

    /// Reads a record of this release or an earlier one.
    /// - Throws: ``StoredFormError`` for a record of a newer release; `DecodingError` for one
    ///   that is damaged.
    public static func decode(_ data: Data, with decoder: JSONDecoder) throws -> OrderRecord {
        let version = (try? decoder.decode(Probe.self, from: data))?.v
        switch version {
        case nil:
            return try decoder.decode(OrderRecord.self, from: data)
        case let version? where version > currentVersion:
            throw StoredFormError("the order record was written by a newer release (form version \(version); this release reads up to \(currentVersion))")
        default:
            return try decoder.decode(Envelope<OrderRecord>.self, from: data).record
        }
    }
}
