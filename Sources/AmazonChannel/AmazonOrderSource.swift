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
    /// With the default id: the ids earlier releases gave this source, whose work it takes over.
    public var formerIDs: FormerIDs?

    /// `<prefix><marketplace ids, comma separated>`, each of them one of `marketplaces`.
    public struct FormerIDs: Hashable, Sendable {
        public var prefix: String
        public var marketplaces: Set<String>
        public init(prefix: String, marketplaces: Set<String>) {
            self.prefix = prefix
            self.marketplaces = marketplaces
        }
    }
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
    /// Sources of one seller must be given the same budget (``AmazonSourceFactory`` does).
    public let budget: SearchBudget
    public var logger: Logger
    /// When this source was made (its process's start, for what counts as "once per process").
    public let created: Date

    public func answers(to sourceID: String) -> Bool {
        if sourceID == id { return true }
        guard let formerIDs, sourceID.hasPrefix(formerIDs.prefix) else { return false }
        let marketplaces = sourceID.dropFirst(formerIDs.prefix.count).split(separator: ",", omittingEmptySubsequences: false)
        return !marketplaces.isEmpty && marketplaces.allSatisfy { formerIDs.marketplaces.contains(String($0)) }
    }

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
        self.created = client.clock.now()
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
        let calls = client.statistics.byOperation["searchOrders", default: 0]
        defer { budget.spent(client.statistics.byOperation["searchOrders", default: 0] - calls, at: client.clock.now()) }
        let response: SearchOrdersResponse
        do {
            if fromSlack {
                guard let answer = try await client.searchOrdersIfSpare(query, keeping: budget.reserve) else { return nil }
                response = answer
            } else {
                response = try await client.searchOrders(query)
            }
        } catch let error as SellingPartnerError where [.invalidGrant, .invalidClient, .tokenRefused].contains(error.code) {
            throw AmazonSourceStopped.authorization(error, sourceID: id)
        } catch let error as SellingPartnerError where error.code == .invalidInput {
            // Amazon refused the request: an expired token, values that differ from the first
            // page's, or a window it does not accept (a clock running ahead of Amazon's).
            return try refused(which, window, of: position, now: now, calls: 1, metadata: [
                "code": "\(error.errors.first?.code ?? "-")", "message": "\(error.message)", "requestId": "\(error.requestID ?? "-")",
            ]) { window in AmazonSourceStopped.windowRefused(error, sourceID: id, window: window.summary) }
        } catch let violation as SearchOrdersRuleViolation where violation.rule == .tokenExpiry {
            // The client knows the token is past Amazon's 24 hours: a refusal without a call.
            return try refused(which, window, of: position, now: now, calls: 0, metadata: ["rule": "\(violation.rule.rawValue)"]) { window in
                AmazonSourceStopped.windowRefused(
                    SellingPartnerError(code: .invalidInput, message: violation.description, requestID: nil, status: nil), sourceID: id,
                    window: window.summary)
            }
        } catch let violation as SearchOrdersRuleViolation {
            // A window Amazon would refuse (a setting such as `beforeLagSeconds` below the
            // two-minute rule): asking again would only loop.
            throw AmazonSourceStopped(
                sourceID: id, eventKind: .sourceStopped,
                operatorMessage: "the source's search breaks Amazon's rules and was not sent: \(violation). Check the source's settings.",
                error: SellingPartnerError(code: .invalidInput, message: violation.description, requestID: nil, status: nil))
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
            // A window an earlier process started (and this one only finished, after a crash
            // or on another worker) leaves the time since its end unsearched: this process's
            // first poll follows at once, so that catching up reaches the present.
            if !more, which == \AmazonSyncPosition.poll, budget.lastPollStart(id) == nil { more = true }
        }
        return OrderPage(orders: orders, quarantined: quarantined, checkpoint: position.checkpoint, hasMore: more, apiCalls: 1)
    }

    /// Answers a refused page. A polling window starts over from its first page (same start, a
    /// new end), once per process: refused again, the source stops rather than loop. A sweep is
    /// best effort: it starts over once, and is given up on (until the next one is due) after that.
    private func refused(
        _ which: WritableKeyPath<AmazonSyncPosition, SearchWindow?>, _ window: SearchWindow, of start: AmazonSyncPosition, now: Date,
        calls: Int, metadata: Logger.Metadata, stop: (SearchWindow) -> AmazonSourceStopped
    ) throws -> OrderPage {
        var position = start
        let sweep = which == \AmazonSyncPosition.sweep
        // Restarted by this process already (a restart by an earlier process does not count:
        // starting again after a stop must be able to make progress).
        let again = window.restartedAt.map { $0 >= created } ?? false
        let action = !again ? "starting the window over" : sweep ? "giving up this sweep" : "stopping the source"
        logger.warning("Amazon refused a page of a search window", metadata: metadata.merging([
            "source": "\(id)", "window": "\(window.summary)", "kind": "\(sweep ? "sweep" : "poll")", "action": "\(action)",
        ]) { $1 })
        if again {
            guard sweep else { throw stop(window) }
            position.sweep = nil
            return OrderPage(orders: [], checkpoint: position.checkpoint, hasMore: false, apiCalls: calls)
        }
        let after = sweep ? now.addingTimeInterval(-sweepSpan) : window.lastUpdatedAfter
        var fresh = SearchWindow(after: after, before: now.addingTimeInterval(-beforeLag), filters: filters, started: now)
        fresh.restartedAt = now
        position[keyPath: which] = fresh
        return OrderPage(orders: [], checkpoint: position.checkpoint, hasMore: true, apiCalls: calls)
    }

    public func order(_ id: AmazonOrderID) async throws -> ChannelOrder? {
        try await client.getOrder(id.rawValue).map { AmazonOrderMapping.channelOrder($0, sellerID: sellerID) }
    }

    /// Amazon's carrier codes, spelled as Amazon spells them (`ups` → `UPS`); an unknown code is
    /// refused with the nearest known ones, as Amazon would refuse it.
    public func prepare(_ shipment: Shipment, for order: ChannelOrder) throws(ShipmentRejection) -> Shipment {
        var prepared = shipment
        for index in prepared.packages.indices {
            let given = prepared.packages[index].carrierCode
            guard let code = CarrierCode.canonical(given) else {
                let near = CarrierCode.suggestions(for: given)
                throw ShipmentRejection(
                    order: order.amazonOrderID,
                    reason: "`\(given)` is not one of Amazon's carrier codes" + (near.isEmpty ? "" : "; did you mean \(near.joined(separator: ", "))?")
                        + " (another carrier: `--carrier Other --carrier-name NAME`)")
            }
            prepared.packages[index].carrierCode = code
        }
        return prepared
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
        var usage = SourceUsage(apiCalls: statistics.calls, throttled: statistics.throttled,
                                secondsWaitingOnRateLimits: await client.limiter.secondsWaited, budgets: [await budget.use()])
        for operation in Set(statistics.byOperation.keys).union(statistics.throttledByOperation.keys).union(statistics.retriesByOperation.keys) {
            usage.operations[operation] = SourceUsage.OperationUsage(
                calls: statistics.byOperation[operation] ?? 0, throttled: statistics.throttledByOperation[operation] ?? 0,
                retries: statistics.retriesByOperation[operation] ?? 0)
        }
        return usage
    }
}

/// Amazon refused a request for good (HTTP 400): recorded with Amazon's message and request id, not retried.
public struct AmazonRefusal: Error, PermanentFailure, CustomStringConvertible {
    public var error: SellingPartnerError
    public var description: String { error.description }
}
