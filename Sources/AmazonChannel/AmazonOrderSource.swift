import AmazonSellingPartner
import Foundation
import SalesChannel

/// An ``OrderSource`` over one seller account and its marketplaces, for one fulfilment channel.
///
/// Incremental: each window asks `searchOrders` for orders updated after the previous window's
/// end minus an overlap (default 10 minutes) and before now − 2 minutes; the checkpoint is the
/// window Amazon confirmed (its `lastUpdatedBefore`) and the page token within it, so a crash
/// repeats at most one page. Orders that do not fit the model are quarantined, not dropped.
public struct AmazonOrderSource: OrderSource {
    public let id: String
    public let client: SellingPartnerClient
    public let sellerID: SellerID
    public let marketplaceIDs: [String]
    /// `MERCHANT` (MFN) or `AMAZON` (FBA).
    public let fulfilledBy: String
    /// The fulfilment statuses asked for; empty asks for every status. An FBA source asks only
    /// for `SHIPPED` orders (the only ones the workflow imports), so it never spends calls on
    /// orders Amazon has not shipped yet: they are fetched once, when they have shipped.
    public var fulfillmentStatuses: [FulfillmentStatus]
    public var overlap: TimeInterval
    /// How far back the first window reaches.
    public var initialLookback: TimeInterval
    /// Orders per `searchOrders` page (Amazon's maximum, 100, unless told otherwise).
    public var pageSize: Int = 100
    /// Reconciliation: every `sweepInterval` seconds a window starts `sweepSpan` seconds back
    /// (default: every hour, over the last 24 hours), so a change a window missed is still seen.
    /// Repeats are harmless: the workflow ignores snapshots it has already folded in.
    public var sweepInterval: TimeInterval? = 3600
    public var sweepSpan: TimeInterval = 86400

    public init(
        id: String, client: SellingPartnerClient, sellerID: SellerID, marketplaceIDs: [String], fulfilledBy: String,
        overlap: TimeInterval = 600, initialLookback: TimeInterval = 3 * 86400
    ) {
        self.id = id
        self.client = client
        self.sellerID = sellerID
        self.marketplaceIDs = marketplaceIDs
        self.fulfilledBy = fulfilledBy
        self.fulfillmentStatuses = fulfilledBy == "AMAZON" ? [.shipped] : []
        self.overlap = overlap
        self.initialLookback = initialLookback
    }

    /// Where the sync stands: the start of the current window, its confirmed end, and the page token.
    struct Position: Codable {
        var after: Date
        var confirmedBefore: Date?
        var token: String?
        /// When the last reconciliation sweep began.
        var lastSweep: Date?
    }

    public func changes(after checkpoint: SyncCheckpoint?) async throws -> OrderPage {
        var position = checkpoint.flatMap { try? SPAPIJSON.decoder().decode(Position.self, from: Data($0.value.utf8)) }
            ?? Position(after: Date().addingTimeInterval(-initialLookback), lastSweep: Date())
        if position.token == nil, let interval = sweepInterval, Date().timeIntervalSince(position.lastSweep ?? .distantPast) >= interval {
            // A reconciliation sweep: this window reaches back over the last sweepSpan.
            position.after = min(position.after, Date().addingTimeInterval(-sweepSpan))
            position.lastSweep = Date()
        }
        let response: SearchOrdersResponse
        do {
            response = try await client.searchOrders(SearchOrdersQuery(
                lastUpdatedAfter: position.after, lastUpdatedBefore: Date(), fulfillmentStatuses: fulfillmentStatuses,
                marketplaceIds: marketplaceIDs, fulfilledBy: fulfilledBy, maxResultsPerPage: pageSize,
                paginationToken: position.token))
        } catch let error as SellingPartnerError where error.code == .invalidInput && position.token != nil {
            // An expired page token (24 h): ask for the window again from its start.
            position.token = nil
            response = try await client.searchOrders(SearchOrdersQuery(
                lastUpdatedAfter: position.after, lastUpdatedBefore: Date(), fulfillmentStatuses: fulfillmentStatuses,
                marketplaceIds: marketplaceIDs, fulfilledBy: fulfilledBy, maxResultsPerPage: pageSize))
        }
        let orders = response.orders.map { AmazonOrderMapping.channelOrder($0, sellerID: sellerID) }
        let quarantined = response.undecodable.map {
            QuarantinedOrder(sourceID: id, amazonOrderID: $0.orderId.map(AmazonOrderID.init(rawValue:)), reason: $0.reason,
                             payload: "{\"orderId\":\"\($0.orderId ?? "")\"}", at: Date())
        }
        let confirmed = response.lastUpdatedBefore ?? position.confirmedBefore ?? Date().addingTimeInterval(-client.configuration.minimumBeforeLag)
        let next: Position
        let more: Bool
        if let token = response.pagination?.nextToken {
            next = Position(after: position.after, confirmedBefore: confirmed, token: token, lastSweep: position.lastSweep)
            more = true
        } else {
            // The window is complete: the next one starts a little before where Amazon confirmed this one.
            next = Position(after: max(position.after, confirmed.addingTimeInterval(-overlap)), confirmedBefore: nil, token: nil,
                            lastSweep: position.lastSweep)
            more = false
        }
        let encoded = String(decoding: try SPAPIJSON.encoder().encode(next), as: UTF8.self)
        return OrderPage(orders: orders, quarantined: quarantined, checkpoint: SyncCheckpoint(encoded), hasMore: more, apiCalls: 1)
    }

    public func order(_ id: AmazonOrderID) async throws -> ChannelOrder? {
        try await client.getOrder(id.rawValue).map { AmazonOrderMapping.channelOrder($0, sellerID: sellerID) }
    }

    public func confirmShipment(_ shipment: Shipment, of order: ChannelOrder) async throws {
        for request in AmazonOrderMapping.confirmations(for: shipment, of: order) {
            do {
                try await client.confirmShipment(orderID: order.amazonOrderID.rawValue, request)
            } catch let error as SellingPartnerError where error.code == .invalidInput {
                // A retry after a lost answer: Amazon already holds this package.
                if let current = try? await client.getOrder(order.amazonOrderID.rawValue),
                    current.packages?.contains(where: { $0.packageReferenceId == request.packageDetail.packageReferenceId }) == true
                {
                    continue
                }
                throw AmazonRefusal(error: error)
            }
        }
    }
}

extension AmazonOrderSource: ReportsUsage {
    public func usage() async -> SourceUsage {
        let statistics = client.statistics
        return SourceUsage(apiCalls: statistics.calls, throttled: statistics.throttled,
                           secondsWaitingOnRateLimits: await client.limiter.secondsWaited)
    }
}

/// Amazon refused a request for good (HTTP 400): recorded with Amazon's message and request id, not retried.
public struct AmazonRefusal: Error, PermanentFailure, CustomStringConvertible {
    public var error: SellingPartnerError
    public var description: String { error.description }
}
