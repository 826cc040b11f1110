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

/// A stored checkpoint this release cannot read.
public struct AmazonCheckpointError: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "the source's checkpoint cannot be read: \(reason)" }
}

/// One `searchOrders` search: its values, fixed when its first page is asked for, and where its
/// pages stand. Every page repeats the values exactly, as Amazon requires ("All other parameters
/// must be provided with the same values that were provided with the request that generated this
/// token", definition `Pagination`).
public struct SearchWindow: Codable, Hashable, Sendable {
    public var lastUpdatedAfter: Date
    public var lastUpdatedBefore: Date
    public var fulfillmentStatuses: [String]
    public var fulfilledBy: [String]
    public var marketplaceIds: [String]
    /// The next page's token; `nil` before the first page.
    public var token: String?
    /// Pages fetched so far.
    public var pages: Int = 0
    /// Orders seen so far.
    public var orders: Int = 0
    /// Whether Amazon refused a page of this window once already and it was started again.
    public var restarted: Bool = false
    public var started: Date

    /// A source's filters.
    public struct Filters: Hashable, Sendable {
        public var fulfillmentStatuses: [FulfillmentStatus]
        public var fulfilledBy: [FulfilledBy]
        public var marketplaceIds: [String]
        public init(fulfillmentStatuses: [FulfillmentStatus], fulfilledBy: [FulfilledBy], marketplaceIds: [String]) {
            self.fulfillmentStatuses = fulfillmentStatuses
            self.fulfilledBy = fulfilledBy
            self.marketplaceIds = marketplaceIds
        }
    }

    /// A window over `[after, before]` (whole seconds, as they are sent).
    public init(after: Date, before: Date, filters: Filters, started: Date) {
        let seconds = { (date: Date) in Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)) }
        self.lastUpdatedAfter = min(seconds(after), seconds(before))
        self.lastUpdatedBefore = seconds(before)
        self.fulfillmentStatuses = filters.fulfillmentStatuses.map(\.rawValue)
        self.fulfilledBy = filters.fulfilledBy.map(\.rawValue)
        self.marketplaceIds = filters.marketplaceIds
        self.started = started
    }

    /// The request for the window's next page.
    public func query(pageSize: Int) -> SearchOrdersQuery {
        SearchOrdersQuery(
            lastUpdatedAfter: lastUpdatedAfter, lastUpdatedBefore: lastUpdatedBefore,
            fulfillmentStatuses: fulfillmentStatuses.map(FulfillmentStatus.init(rawValue:)), marketplaceIds: marketplaceIds,
            fulfilledBy: fulfilledBy.compactMap(FulfilledBy.init(rawValue:)), maxResultsPerPage: pageSize, paginationToken: token)
    }

    /// Safe to log.
    var summary: String {
        "\(SPAPIJSON.formatDate(lastUpdatedAfter))…\(SPAPIJSON.formatDate(lastUpdatedBefore)), page \(pages + 1)"
    }
}
