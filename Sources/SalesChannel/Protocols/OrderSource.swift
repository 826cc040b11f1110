import Foundation

/// Where channel orders come from: an Amazon seller account and marketplaces, or a test script.
///
/// Contract:
/// - ``changes(after:)`` returns the orders changed since the checkpoint, in pages. The sync
///   stores the page's orders and the page's ``OrderPage/checkpoint`` in one transaction and
///   passes that checkpoint to the next call, so a checkpoint is only ever advanced past orders
///   that are stored. Repeating a page (after a crash) must be harmless: the workflow ignores
///   snapshots it has already seen.
/// - An order the source cannot read is returned in ``OrderPage/quarantined`` with its reason,
///   not thrown: the rest of the page goes on.
/// - ``id`` names the checkpoint; two sources with the same id would share one. It must stay
///   the same while the source's settings change (a marketplace added): the checkpoint and the
///   records' jobs are found under it. A source whose id changed answers to its former ids
///   (``answers(to:)``), so their checkpoint and jobs are taken over.
public protocol OrderSource: Sendable {
    /// Stable identity of this source (for example `amazon-mfn/A1SELLER`).
    var id: String { get }

    /// Whether work stored under `sourceID` (a checkpoint, records, their jobs) is this
    /// source's: its ``id``, or an id an earlier release gave it. The default: its id only.
    func answers(to sourceID: String) -> Bool

    /// The next page of changed orders after `checkpoint` (`nil`: from the start).
    func changes(after checkpoint: SyncCheckpoint?) async throws -> OrderPage

    /// One order by id, for recovery; `nil` when the channel does not know it.
    func order(_ id: AmazonOrderID) async throws -> ChannelOrder?

    /// Confirms a merchant's shipment to the channel (Amazon's `confirmShipment`).
    /// Throw a ``PermanentFailure`` when the channel refuses the shipment for good.
    func confirmShipment(_ shipment: Shipment, of order: ChannelOrder) async throws

    /// Checks a shipment against the channel's own rules before it is recorded, and puts it in
    /// the channel's spelling (Amazon's carrier codes). The default accepts it as it is.
    /// - Throws: ``ShipmentRejection`` saying what the channel would refuse.
    func prepare(_ shipment: Shipment, for order: ChannelOrder) throws(ShipmentRejection) -> Shipment
}

extension OrderSource {
    public func answers(to sourceID: String) -> Bool { sourceID == id }

    public func prepare(_ shipment: Shipment, for order: ChannelOrder) throws(ShipmentRejection) -> Shipment { shipment }
}

/// An opaque position in a source's stream of changes; only the source interprets it.
public struct SyncCheckpoint: Hashable, Codable, Sendable, CustomStringConvertible {
    public var value: String
    public init(_ value: String) { self.value = value }
    public var description: String { value }
}

/// One page of changed orders.
public struct OrderPage: Sendable {
    public var orders: [ChannelOrder]
    public var quarantined: [QuarantinedOrder]
    /// Where the next call continues; stored with the page's orders.
    public var checkpoint: SyncCheckpoint
    /// More changes are ready now; `false` means the source is caught up and the sync may wait.
    public var hasMore: Bool
    /// API calls this page took, for the progress line.
    public var apiCalls: Int

    public init(
        orders: [ChannelOrder], quarantined: [QuarantinedOrder] = [], checkpoint: SyncCheckpoint,
        hasMore: Bool, apiCalls: Int = 1
    ) {
        self.orders = orders
        self.quarantined = quarantined
        self.checkpoint = checkpoint
        self.hasMore = hasMore
        self.apiCalls = apiCalls
    }
}

/// An order a source could not read, kept with its reason instead of being dropped.
public struct QuarantinedOrder: Hashable, Codable, Sendable {
    public var sourceID: String
    /// The order id when it could be read at all.
    public var amazonOrderID: AmazonOrderID?
    public var reason: String
    /// The raw payload, for a person to inspect (may contain buyer data: never logged).
    public var payload: String
    public var at: Date

    public init(sourceID: String, amazonOrderID: AmazonOrderID?, reason: String, payload: String, at: Date) {
        self.sourceID = sourceID
        self.amazonOrderID = amazonOrderID
        self.reason = reason
        self.payload = payload
        self.at = at
    }
}
