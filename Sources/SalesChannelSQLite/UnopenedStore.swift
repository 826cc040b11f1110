import Foundation
import SalesChannel

/// Stands in for the SQLite store while a deployment is only being checked: it never opens the
/// file, and any use of it is a programming error reported plainly.
struct UnopenedStore: ChannelStore, CommerceBackend {
    let path: String
    private func unavailable() -> StoreError { StoreError(.corrupt, "the store at \(path) was not opened (deployment check only)") }

    func checkpoint(for sourceID: String) async throws -> SyncCheckpoint? { throw unavailable() }
    func commit(_ page: OrderPage, from sourceID: String, decide: @escaping @Sendable (OrderRecord?, ChannelOrder) -> WorkflowDecision) async throws -> CommitSummary { throw unavailable() }
    func update(_ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord) throws -> WorkflowDecision) async throws -> OrderRecord { throw unavailable() }
    func upsert(_ id: AmazonOrderID, decide: @escaping @Sendable (OrderRecord?) throws -> WorkflowDecision) async throws -> OrderRecord? { throw unavailable() }
    func record(_ id: AmazonOrderID) async throws -> OrderRecord? { throw unavailable() }
    func records(includeHidden: Bool) async throws -> [OrderRecord] { throw unavailable() }
    func events(for id: AmazonOrderID) async throws -> [OrderEvent] { throw unavailable() }
    func quarantined() async throws -> [QuarantinedOrder] { throw unavailable() }
    func quarantine(_ items: [QuarantinedOrder]) async throws { throw unavailable() }
    func claimJobs(limit: Int, now: Date, lease: TimeInterval) async throws -> [OutboxJob] { throw unavailable() }
    func renewLeases(_ jobs: [OutboxJob], until: Date) async throws -> [Int64] { throw unavailable() }
    func finish(_ job: OutboxJob, outcome: EffectOutcome, now: Date, decide: @escaping @Sendable (OrderRecord) -> WorkflowDecision) async throws { throw unavailable() }
    func fail(_ job: OutboxJob, reason: String, retryAt: Date?, now: Date, decide: @escaping @Sendable (OrderRecord) -> WorkflowDecision) async throws { throw unavailable() }
    func jobs(statuses: Set<OutboxJob.Status>) async throws -> [OutboxJob] { throw unavailable() }
    func replayDeadJobs(_ ids: [Int64], now: Date) async throws -> Int { throw unavailable() }
    func replayJobs(_ ids: [Int64], now: Date) async throws -> [OutboxJob] { throw unavailable() }
    func jobs(for id: AmazonOrderID) async throws -> [OutboxJob] { throw unavailable() }
    func sources() async throws -> [StoredSource] { throw unavailable() }
    func pruneFinishedJobs(before cutoff: Date) async throws -> Int { throw unavailable() }
    func nextDueJob() async throws -> Date? { throw unavailable() }
    func statistics() async throws -> StoreStatistics { throw unavailable() }
    func createOrder(_ draft: CommerceOrderDraft) async throws -> CommerceOrder { throw unavailable() }
    func order(for amazonOrderID: AmazonOrderID) async throws -> CommerceOrder? { throw unavailable() }
    func setStatus(_ status: CommerceOrderStatus, of number: CommerceOrderNumber) async throws { throw unavailable() }
    func recordShipment(_ shipmentID: ShipmentID, quantities: [OrderItemID: Int], on number: CommerceOrderNumber) async throws { throw unavailable() }
    func customer(withEmail email: String) async throws -> Customer? { throw unavailable() }
    func createCustomer(_ draft: CustomerDraft) async throws -> Customer { throw unavailable() }
}
