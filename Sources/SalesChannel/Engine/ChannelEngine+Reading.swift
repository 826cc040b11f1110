import Foundation
import Logging

extension ChannelEngine {
    /// An engine that only reads `store`: the listings, one order, jobs and statistics. It needs
    /// no commerce backend, source or secret (the read-only commands open the store alone);
    /// every effect or write it is asked for fails with ``EngineError/Code/readOnly``.
    public static func reading(_ store: any ChannelStore, logger: Logger = Logger(label: "saleschannel.engine")) -> ChannelEngine {
        ChannelEngine(Composition(store: store, backend: ReadOnlyParts(), sources: [], customerPolicy: ReadOnlyParts()), logger: logger)
    }
}

/// The plugins of a reading engine: every call is refused.
struct ReadOnlyParts: CommerceBackend, CustomerPolicy {
    func refuse() -> EngineError { EngineError(.readOnly, "this engine only reads the store") }
    func createOrder(_ draft: CommerceOrderDraft) async throws -> CommerceOrder { throw refuse() }
    func order(for amazonOrderID: AmazonOrderID) async throws -> CommerceOrder? { throw refuse() }
    func setStatus(_ status: CommerceOrderStatus, of number: CommerceOrderNumber) async throws { throw refuse() }
    func recordShipment(_ shipmentID: ShipmentID, quantities: [OrderItemID: Int], on number: CommerceOrderNumber) async throws { throw refuse() }
    func customer(withEmail email: String) async throws -> Customer? { throw refuse() }
    func createCustomer(_ draft: CustomerDraft) async throws -> Customer { throw refuse() }
    func customer(for order: ChannelOrder, in backend: any CommerceBackend) async throws -> CustomerAssignment { throw refuse() }
}

extension ChannelEngine {
    /// What adapters could not use (orders and notices that did not parse, or that no source
    /// serves), oldest first.
    public func quarantined() async throws -> [QuarantinedOrder] {
        try await store.quarantined()
    }

    /// Each configured source (and any stored under an id no source answers to): its checkpoint,
    /// orders, what this process saw of it (last page, stop, spending) and its push intake.
    public func sourceReports() async throws -> [SourceReport] {
        let stored = Dictionary(try await store.sources().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let run = composition.statistics.snapshot
        let usage = await composition.usageBySource()
        let now = clock.now()
        let ids = composition.sources.map(\.id) + stored.keys.filter { id in !composition.sources.contains { $0.id == id } }.sorted()
        return ids.map { id in
            SourceReport(
                id: id, configured: composition.source(for: id) != nil, checkpoint: stored[id]?.checkpoint?.value, orders: stored[id]?.orders ?? 0,
                lastPageAt: run.lastPageAt[id], stopped: run.stoppedSources[id], usage: usage[id],
                pushFlowing: composition.pushActivity.slowPollInterval(for: id, now: now) != nil,
                lastNoticeAt: composition.pushActivity.lastNotice(for: id))
        }
    }
}

/// One source as the HTTP API and the dashboard show it (``ChannelEngine/sourceReports()``).
public struct SourceReport: Sendable {
    public var id: String
    /// A source of this deployment (`false`: work stored under an id no source answers to).
    public var configured: Bool
    public var checkpoint: String?
    public var orders: Int
    /// When this process last committed a page of it (`nil`: not in this process's run).
    public var lastPageAt: Date?
    /// Why it stopped in this run, if it did.
    public var stopped: String?
    /// What it spent in this process (`nil` for a source that does not report it).
    public var usage: SourceUsage?
    /// Pushed notices keep it up to date; its polling is slowed.
    public var pushFlowing: Bool
    public var lastNoticeAt: Date?
}
