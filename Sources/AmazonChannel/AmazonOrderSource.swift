import AmazonSellingPartner
import Foundation
import Logging
import SalesChannel

/// An ``OrderSource`` over one seller account and its marketplaces, for one fulfilment channel.
///
/// Incremental, in search windows Amazon accepts:
/// - A polling window searches `lastUpdatedAfter` = the previous window's end − ``overlap``,
///   `lastUpdatedBefore` = its start − ``beforeLag`` (Amazon: at least two minutes), with the
///   source's filters. The values are fixed when the window starts and stored in the checkpoint
///   with the page token, so every page repeats them exactly and a crash repeats at most one page.
/// - Windows start no more often than the seller's shared ``SearchBudget`` plans; the
///   reconciliation sweep (every ``sweepInterval`` over the last ``sweepSpan``) has a window and
///   a token of its own, takes pages only from the budget's slack and resumes where it stopped.
/// - A page token Amazon refuses is logged with Amazon's code, message and request id, and the
///   window starts over once; refused again, the source stops (``AmazonSourceStopped``), as it
///   does when Login with Amazon refuses the credentials.
/// - Orders that do not fit the model are quarantined, not dropped.
public struct AmazonOrderSource: OrderSource {
    public let id: String
    public let client: SellingPartnerClient
    public let sellerID: SellerID
    public let marketplaceIDs: [String]
    /// Merchant-fulfilled (MFN) or Amazon-fulfilled (FBA) orders.
    public let fulfilledBy: FulfilledBy
    /// The fulfilment statuses asked for; empty asks for every status. An FBA source asks only
    /// for `SHIPPED` orders (the only ones the workflow imports), so it never spends calls on
    /// orders Amazon has not shipped yet: they are fetched once, when they have shipped.
    public var fulfillmentStatuses: [FulfillmentStatus]
    /// How far each window reaches back over the previous one.
    public var overlap: TimeInterval
    /// How far back the first window reaches.
    public var initialLookback: TimeInterval
    /// How far behind the window's start its `lastUpdatedBefore` lies (Amazon requires two
    /// minutes; the default adds five seconds for clock skew).
    public var beforeLag: TimeInterval = 125
    /// Orders per `searchOrders` page (Amazon's maximum, 100, unless told otherwise).
    public var pageSize: Int = 100
    /// Reconciliation: every `sweepInterval` seconds a sweep re-reads the last `sweepSpan`
    /// seconds (default: every hour, the last 24 hours), from the budget's slack, so a change a
    /// window missed is still seen. Repeats are harmless: the workflow ignores snapshots it has
    /// already folded in.
    public var sweepInterval: TimeInterval? = 3600
    public var sweepSpan: TimeInterval = 86400
    /// The `searchOrders` budget of this seller and region, shared with its other sources.
    public let budget: SearchBudget
    public var logger: Logger

    public init(
        id: String, client: SellingPartnerClient, sellerID: SellerID, marketplaceIDs: [String], fulfilledBy: FulfilledBy,
        budget: SearchBudget? = nil, overlap: TimeInterval = 600, initialLookback: TimeInterval = 3 * 86400,
        logger: Logger = Logger(label: "saleschannel.amazon")
    ) {
        self.id = id
        self.client = client
        self.sellerID = sellerID
        self.marketplaceIDs = marketplaceIDs
        self.fulfilledBy = fulfilledBy
        self.fulfillmentStatuses = fulfilledBy == .amazon ? [.shipped] : []
        self.overlap = overlap
        self.initialLookback = initialLookback
        self.budget = budget ?? SearchBudget(limiter: client.limiter, key: client.rateLimitKey, clock: client.clock)
        self.logger = logger
        self.budget.register(id)
    }

    /// The filters every window of this source carries.
    public var filters: SearchWindow.Filters {
        .init(fulfillmentStatuses: fulfillmentStatuses, fulfilledBy: [fulfilledBy], marketplaceIds: marketplaceIDs)
    }

    /// The position a checkpoint holds (a fresh one for `nil`).
    public func position(_ checkpoint: SyncCheckpoint?) throws -> AmazonSyncPosition {
        let now = client.clock.now()
        guard let checkpoint else { return AmazonSyncPosition(nextAfter: now.addingTimeInterval(-initialLookback), lastSweepStart: now) }
        do {
            return try AmazonSyncPosition.decode(checkpoint, filters: filters)
        } catch {
            throw AmazonSourceStopped(
                sourceID: id, eventKind: .sourceStopped,
                operatorMessage: "\(error). A newer release may have written it; run that release, or remove this source's checkpoint to sync again from `initialLookbackHours` back.",
                error: SellingPartnerError(code: .malformedResponse, message: "\(error)", requestID: nil, status: nil))
        }
    }

    public func changes(after checkpoint: SyncCheckpoint?) async throws -> OrderPage {
        let now = client.clock.now()
        var position = try position(checkpoint)
        // Polling first: continue the window in progress, or start one when the budget plans it.
        var starting = false
        if position.poll == nil, await budget.pollDue(id, now: now) {
            position.poll = SearchWindow(after: position.nextAfter, before: now.addingTimeInterval(-beforeLag), filters: filters, started: now)
            starting = true
        }
        if position.poll != nil {
            let page = try await page(\.poll, of: position, now: now)!
            // Counted once its first page is in: a failed start is retried by the sync's backoff.
            if starting { budget.pollStarted(id, at: now) }
            return page
        }
        // The sweep, only from the budget's slack.
        if let interval = sweepInterval {
            if position.sweep == nil, now.timeIntervalSince(position.lastSweepStart ?? .distantPast) >= interval {
                position.sweep = SearchWindow(
                    after: now.addingTimeInterval(-sweepSpan), before: now.addingTimeInterval(-beforeLag), filters: filters, started: now)
                position.lastSweepStart = now
                logger.info("reconciliation sweep started", metadata: ["source": "\(id)", "window": "\(position.sweep!.summary)"])
            }
            if position.sweep != nil, let page = try await page(\.sweep, of: position, now: now, fromSlack: true) {
                return page
            }
        }
        // Nothing is due: no call.
        return OrderPage(orders: [], checkpoint: position.checkpoint, hasMore: false, apiCalls: 0)
    }

    /// Fetches the next page of the polling window or the sweep; `nil` when a sweep finds no slack.
    private func page(
        _ which: WritableKeyPath<AmazonSyncPosition, SearchWindow?>, of start: AmazonSyncPosition, now: Date, fromSlack: Bool = false
    ) async throws -> OrderPage? {
        var position = start
        var window = position[keyPath: which]!
        let query = window.query(pageSize: pageSize)
        let response: SearchOrdersResponse
        do {
            if fromSlack {
                guard let answer = try await client.searchOrdersIfSpare(query, keeping: budget.reserve) else { return nil }
                response = answer
            } else {
                response = try await client.searchOrders(query)
            }
            budget.spent(at: client.clock.now())
        } catch let error as SellingPartnerError where error.code == .invalidGrant || error.code == .invalidClient {
            throw AmazonSourceStopped.authorization(error, sourceID: id)
        } catch let error as SellingPartnerError where error.code == .invalidInput && window.token != nil {
            // Amazon refused the page token (expired, or values that differ from the first page's).
            budget.spent(at: client.clock.now())
            logger.warning("Amazon refused a search window's page token", metadata: [
                "source": "\(id)", "window": "\(window.summary)", "code": "\(error.errors.first?.code ?? "-")",
                "message": "\(error.message)", "requestId": "\(error.requestID ?? "-")",
                "action": "\(window.restarted ? "stopping the source" : "starting the window over")",
            ])
            guard !window.restarted else { throw AmazonSourceStopped.windowRefused(error, sourceID: id, window: window.summary) }
            position[keyPath: which] = restarted(window, now: now)
            return OrderPage(orders: [], checkpoint: position.checkpoint, hasMore: true, apiCalls: 1)
        } catch let violation as SearchOrdersRuleViolation where violation.rule == .tokenExpiry {
            // The client knows the token is past Amazon's 24 hours: the same as a refusal, with no call spent.
            logger.warning("a search window's page token expired before its page was asked for", metadata: [
                "source": "\(id)", "window": "\(window.summary)", "rule": "\(violation.rule.rawValue)",
                "action": "\(window.restarted ? "stopping the source" : "starting the window over")",
            ])
            guard !window.restarted else {
                throw AmazonSourceStopped.windowRefused(
                    SellingPartnerError(code: .invalidInput, message: violation.description, requestID: nil, status: nil), sourceID: id,
                    window: window.summary)
            }
            position[keyPath: which] = restarted(window, now: now)
            return OrderPage(orders: [], checkpoint: position.checkpoint, hasMore: true, apiCalls: 0)
        }
        window.pages += 1
        window.orders += response.orders.count + response.undecodable.count
        let orders = response.orders.map { AmazonOrderMapping.channelOrder($0, sellerID: sellerID) }
        let quarantined = response.undecodable.map {
            QuarantinedOrder(sourceID: id, amazonOrderID: $0.orderId.map(AmazonOrderID.init(rawValue:)), reason: $0.reason,
                             payload: "{\"orderId\":\"\($0.orderId ?? "")\"}", at: now)
        }
        var more: Bool
        if let token = response.pagination?.nextToken {
            window.token = token
            position[keyPath: which] = window
            more = true
        } else {
            position[keyPath: which] = nil
            if which == \AmazonSyncPosition.poll {
                // The next window starts a little before where this one ended.
                position.nextAfter = max(position.nextAfter, window.lastUpdatedBefore.addingTimeInterval(-overlap))
            } else {
                position.sweepsCompleted += 1
                position.lastSweepCompleted = now
                position.lastSweepPages = window.pages
                position.lastSweepOrders = window.orders
                logger.info("reconciliation sweep completed", metadata: [
                    "source": "\(id)", "pages": "\(window.pages)", "orders": "\(window.orders)",
                    "minutes": "\(Int(now.timeIntervalSince(window.started) / 60))",
                ])
            }
            more = false
        }
        if !more || fromSlack {
            // Go on with a sweep only while the budget has slack.
            let sweeping = sweepInterval.map { position.sweep != nil || now.timeIntervalSince(position.lastSweepStart ?? .distantPast) >= $0 } ?? false
            let spare = sweeping ? await budget.hasSpare() : false
            more = position.poll != nil || spare
        }
        return OrderPage(orders: orders, quarantined: quarantined, checkpoint: position.checkpoint, hasMore: more, apiCalls: 1)
    }

    /// The window started over from its first page, once: same start, a new end.
    private func restarted(_ window: SearchWindow, now: Date) -> SearchWindow {
        var fresh = SearchWindow(after: window.lastUpdatedAfter, before: now.addingTimeInterval(-beforeLag), filters: filters, started: now)
        fresh.restarted = true
        return fresh
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
                if let current = try? await client.getOrder(order.amazonOrderID.rawValue, includedData: [.packages]),
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
                           secondsWaitingOnRateLimits: await client.limiter.secondsWaited, budgets: [await budget.use()])
    }
}

/// Amazon refused a request for good (HTTP 400): recorded with Amazon's message and request id, not retried.
public struct AmazonRefusal: Error, PermanentFailure, CustomStringConvertible {
    public var error: SellingPartnerError
    public var description: String { error.description }
}
