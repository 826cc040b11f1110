import AmazonSellingPartner
import Foundation
import SalesChannel

/// Where an Amazon source stands: its polling window, its reconciliation sweep, where the next
/// window starts. Stored as the source's checkpoint (JSON, versioned: a release reads what an
/// older one wrote and refuses what a newer one wrote).
public struct AmazonSyncPosition: Codable, Hashable, Sendable {
    /// The format written by this release.
    public static let currentVersion = 2

    public var version: Int = AmazonSyncPosition.currentVersion
    /// Where the next polling window starts (the previous window's `before` − overlap).
    public var nextAfter: Date
    /// The polling window in progress.
    public var poll: SearchWindow?
    /// The reconciliation sweep in progress.
    public var sweep: SearchWindow?
    public var lastSweepStart: Date?
    public var lastSweepCompleted: Date?
    public var sweepsCompleted: Int = 0
    /// Pages and orders of the last completed sweep.
    public var lastSweepPages: Int?
    public var lastSweepOrders: Int?

    public init(nextAfter: Date, lastSweepStart: Date?) {
        self.nextAfter = nextAfter
        self.lastSweepStart = lastSweepStart
    }

    enum CodingKeys: String, CodingKey {
        case version, nextAfter, poll, sweep, lastSweepStart, lastSweepCompleted, sweepsCompleted, lastSweepPages, lastSweepOrders
    }

    /// The format of the first release: `after`, `confirmedBefore` (the window's end as Amazon
    /// echoed it), `token`, `lastSweep`.
    struct Legacy: Decodable {
        var after: Date
        var confirmedBefore: Date?
        var token: String?
        var lastSweep: Date?
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        guard version <= Self.currentVersion else {
            throw DecodingError.dataCorruptedError(forKey: .version, in: container, debugDescription: "written by a newer release (version \(version))")
        }
        nextAfter = try container.decode(Date.self, forKey: .nextAfter)
        poll = try container.decodeIfPresent(SearchWindow.self, forKey: .poll)
        sweep = try container.decodeIfPresent(SearchWindow.self, forKey: .sweep)
        lastSweepStart = try container.decodeIfPresent(Date.self, forKey: .lastSweepStart)
        lastSweepCompleted = try container.decodeIfPresent(Date.self, forKey: .lastSweepCompleted)
        sweepsCompleted = try container.decodeIfPresent(Int.self, forKey: .sweepsCompleted) ?? 0
        lastSweepPages = try container.decodeIfPresent(Int.self, forKey: .lastSweepPages)
        lastSweepOrders = try container.decodeIfPresent(Int.self, forKey: .lastSweepOrders)
    }

    /// Reads a checkpoint in this release's format or the first release's.
    /// - Parameter filters: the source's filters, for a first-release window in progress (it
    ///   did not store them; they are the source's settings).
    /// - Throws: ``AmazonCheckpointError`` for one this release cannot read.
    public static func decode(_ checkpoint: SyncCheckpoint, filters: SearchWindow.Filters) throws -> AmazonSyncPosition {
        let data = Data(checkpoint.value.utf8)
        let decoder = SPAPIJSON.decoder()
        struct Versioned: Decodable { var version: Int? }
        guard let versioned = try? decoder.decode(Versioned.self, from: data) else {
            throw AmazonCheckpointError(reason: "it is not JSON")
        }
        if versioned.version != nil {
            do { return try decoder.decode(AmazonSyncPosition.self, from: data) } catch {
                throw AmazonCheckpointError(reason: "\(error)")
            }
        }
        guard let legacy = try? decoder.decode(Legacy.self, from: data) else {
            throw AmazonCheckpointError(reason: "it has neither a version nor the first release's fields")
        }
        var position = AmazonSyncPosition(nextAfter: legacy.after, lastSweepStart: legacy.lastSweep)
        if let token = legacy.token, let before = legacy.confirmedBefore {
            // A window in progress: its first page was asked with this `lastUpdatedBefore`
            // (Amazon echoed it), so its next page can repeat the same values.
            position.poll = SearchWindow(after: legacy.after, before: before, filters: filters, started: before)
            position.poll?.token = token
        }
        return position
    }

    /// This position as a checkpoint.
    public var checkpoint: SyncCheckpoint {
        SyncCheckpoint(String(decoding: (try? SPAPIJSON.encoder().encode(self)) ?? Data(), as: UTF8.self))
    }
}
