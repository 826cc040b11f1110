import AWSServices
import Foundation
import Logging
import Metrics
import SalesChannel
import ServiceLifecycle
import Synchronization

/// Reads Amazon's `ORDER_CHANGE` notifications from the seller's SQS queue and has the engine
/// refresh each order they name (`getOrder`, within the source's budget, shared with `recover`).
///
/// Per batch of up to ten messages (a long poll of `waitSeconds`):
/// 1. each message is parsed per `OrderChangeNotification.json`; one that does not parse, that
///    is not an `ORDER_CHANGE`, or that names a seller, marketplace or fulfilment channel no
///    source serves is quarantined with its reason and deleted;
/// 2. a notice already acted on (same `NotificationId`) is deleted without a `getOrder`;
/// 3. notices for one order share one refresh, and one sent before the order's last refresh
///    began is already reflected in it; a further refresh of an order waits out `coalesceSeconds`
///    after the previous one;
/// 4. messages are deleted only after their order's refresh has committed; while refreshes run,
///    the batch's messages are kept hidden (`ChangeMessageVisibilityBatch`); a refresh that
///    fails leaves its messages to come back, up to `maxReceives` receipts, then they are
///    quarantined with the error and deleted.
///
/// Out-of-order notices are harmless: the refresh reads the order as Amazon has it now, and the
/// workflow ignores a snapshot older than the stored one.
public struct SQSOrderChangeIntake: ChangeIntake {
    public let id: String
    public let configuration: SQSIntakeConfiguration
    let sqs: SQSClient
    let clock: any SalesChannelClock
    let logger: Logger
    let memory = IntakeMemory()
    let counters: Counters

    public init(configuration: SQSIntakeConfiguration, sqs: SQSClient, id: String? = nil, clock: any SalesChannelClock = SystemClock(), logger: Logger) {
        self.id = id ?? "amazon-sqs/\(configuration.queueName)"
        counters = Counters(intake: self.id)
        self.configuration = configuration
        self.sqs = sqs
        self.clock = clock
        self.logger = logger
    }

    /// The queue's attributes (`ApproximateNumberOfMessages`, …), for `notifications status`.
    public func queueAttributes() async throws -> [String: String] {
        try await sqs.queueAttributes(queueURL: configuration.queueURL)
    }

    /// What the intake has done since it started, for status lines and tests.
    public var statistics: Statistics { counters.value.withLock { $0 } }

    public struct Statistics: Sendable, Hashable {
        public var received = 0
        public var refreshed = 0
        /// Notices dropped because their `NotificationId` was acted on already.
        public var duplicates = 0
        /// Notices whose change an earlier refresh had already read.
        public var coalesced = 0
        public var quarantined = 0
        /// Refreshes that failed and were left for a later receipt.
        public var retried = 0
    }

    /// The receipt handles of a batch whose orders are still being refreshed.
    final class Outstanding: Sendable {
        private let handles: Mutex<Set<String>>
        init(_ handles: [String]) { self.handles = Mutex(Set(handles)) }
        var current: [String] { handles.withLock { Array($0) } }
    }

    /// The statistics, and the metric `saleschannel_notifications_total{intake, outcome}` for
    /// each change to them.
    final class Counters: Sendable {
        let value = Mutex(Statistics())
        let intake: String
        init(intake: String) { self.intake = intake }

        func update(_ change: (inout Statistics) -> Void) {
            let (before, after) = value.withLock { statistics -> (Statistics, Statistics) in
                let before = statistics
                change(&statistics)
                return (before, statistics)
            }
            let outcomes: [(String, Int)] = [
                ("received", after.received - before.received), ("refreshed", after.refreshed - before.refreshed),
                ("duplicate", after.duplicates - before.duplicates), ("coalesced", after.coalesced - before.coalesced),
                ("quarantined", after.quarantined - before.quarantined), ("retried", after.retried - before.retried),
            ]
            for (outcome, count) in outcomes where count > 0 {
                Counter(label: "saleschannel_notifications_total", dimensions: [("intake", intake), ("outcome", outcome)]).increment(by: count)
            }
        }
    }

    // MARK: Running

    public func run(engine: ChannelEngine) async throws {
        let router = NotificationRouter(sources: engine.composition.sources)
        logger.info("push intake started", metadata: [
            "intake": "\(id)", "sources": "\(router.routes.map(\.sourceID))", "receivers": "\(configuration.receivers)",
        ])
        // Several long polls at once: while one batch's orders refresh, the next is received.
        await withDiscardingTaskGroup { group in
            for _ in 0..<configuration.receivers {
                group.addTask { await receive(engine: engine, router: router) }
            }
        }
        logger.info("push intake stopped", metadata: ["intake": "\(id)"])
    }

    /// One receiver: long polls and handles batches until graceful shutdown or cancellation.
    func receive(engine: ChannelEngine, router: NotificationRouter) async {
        var failures = 0
        var random = SystemRandomNumberGenerator()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let messages: [SQSMessage]
            do {
                messages = try await cancelWhenGracefulShutdown {
                    try await sqs.receiveMessages(
                        queueURL: configuration.queueURL, maxMessages: configuration.maxMessages,
                        waitSeconds: configuration.waitSeconds, visibilitySeconds: configuration.visibilitySeconds)
                }
                failures = 0
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                failures += 1
                let wait = AWSRetryPolicy(maxAttempts: 100, baseDelay: 1, maxDelay: 300).delay(after: failures, using: &random)
                logger.error("could not receive notifications; polling goes on, retrying", metadata: [
                    "intake": "\(id)", "error": "\(error)", "retryIn": "\(Int(wait))s",
                ])
                try? await cancelWhenGracefulShutdown { try await clock.sleep(seconds: wait) }
                continue
            }
            guard !messages.isEmpty else { continue }
            // A batch under way is finished at shutdown: its messages are deleted only once
            // their orders are committed, so stopping half-way would only repeat work.
            await handle(messages, engine: engine, router: router)
        }
    }

    /// The work for one order in a batch.
    struct OrderWork: Sendable {
        var orderID: AmazonOrderID
        var sourceID: String
        var messages: [SQSMessage] = []
        var notificationIDs: [String] = []
        /// The latest change the notices name (Amazon's time), when they say.
        var changedAt: Date?
        /// Every notice said when its change happened (else none can be known reflected).
        var everyChangeDated = true
    }

    /// How one order's work ended.
    enum Settlement: Sendable {
        case done(OrderWork)
        case quarantine(OrderWork, reason: String)
        /// Left for the messages to come back; `backoff` lengthens their hiding first.
        case later(OrderWork, backoff: Bool)
    }

    /// Acts on one batch; answers when its messages are deleted or left to come back.
    ///
    /// Duplicates and quarantined messages are deleted first; the others are kept hidden while
    /// their orders refresh, and deleted together (one call) once every refresh has committed.
    func handle(_ messages: [SQSMessage], engine: ChannelEngine, router: NotificationRouter) async {
        counters.update { $0.received += messages.count }
        let now = clock.now()
        var settled: [SQSMessage] = []
        var kept: [(QuarantinedOrder, SQSMessage)] = []
        var work: [AmazonOrderID: OrderWork] = [:]
        var seenHere: Set<String> = []
        for message in messages {
            let notice: OrderChangeNotification
            do {
                notice = try OrderChangeNotification.parse(message.body)
            } catch {
                kept.append((quarantined(message, orderID: Self.orderID(in: message.body), reason: error.description, at: now), message))
                continue
            }
            guard notice.notificationType == "ORDER_CHANGE" else {
                kept.append((quarantined(message, orderID: notice.amazonOrderID, reason: "a \(notice.notificationType) notification; this intake reads ORDER_CHANGE", at: now), message))
                continue
            }
            if !notice.deviations.isEmpty {
                logger.notice("a notification departs from OrderChangeNotification.json; acted on all the same", metadata: [
                    "intake": "\(id)", "order": "\(notice.amazonOrderID)", "deviations": "\(notice.deviations)",
                ])
            }
            if await memory.wasHandled(notice.notificationID) || !seenHere.insert(notice.notificationID).inserted {
                counters.update { $0.duplicates += 1 }
                settled.append(message)
                continue
            }
            switch router.route(notice) {
            case .failure(let unserved):
                kept.append((quarantined(message, orderID: notice.amazonOrderID, reason: unserved.reason, at: now), message))
            case .success(let sourceID):
                let orderID = AmazonOrderID(notice.amazonOrderID)
                var order = work[orderID] ?? OrderWork(orderID: orderID, sourceID: sourceID)
                order.messages.append(message)
                order.notificationIDs.append(notice.notificationID)
                if let changed = notice.changedAt {
                    order.changedAt = max(order.changedAt ?? changed, changed)
                } else {
                    order.everyChangeDated = false
                }
                work[orderID] = order
            }
        }
        if !kept.isEmpty {
            do {
                try await engine.quarantine(kept.map(\.0))
                settled += kept.map(\.1)
                counters.update { $0.quarantined += kept.count }
                logger.warning("notifications quarantined", metadata: ["intake": "\(id)", "count": "\(kept.count)", "reasons": "\(Set(kept.map(\.0.reason)).sorted())"])
            } catch {
                logger.error("could not quarantine notifications; they come back later", metadata: ["intake": "\(id)", "error": "\(error)"])
            }
        }
        await delete(settled)

        let outstanding = Outstanding(work.values.flatMap { $0.messages.map(\.receiptHandle) })
        let settlements = await withTaskGroup(of: Settlement?.self) { group in
            group.addTask { await keepHidden(outstanding); return nil }
            var results: [Settlement] = []
            var queue = Array(work.values)
            var running = 0
            func startNext() {
                guard let next = queue.popLast() else { return }
                running += 1
                group.addTask { await refresh(next, engine: engine) }
            }
            for _ in 0..<configuration.concurrency { startNext() }
            while running > 0, let finished = await group.next() {
                guard let settlement = finished else { continue }
                running -= 1
                results.append(settlement)
                startNext()
            }
            group.cancelAll()
            return results
        }

        var done: [SQSMessage] = []
        var late: [(QuarantinedOrder, SQSMessage)] = []
        for settlement in settlements {
            switch settlement {
            case .done(let order):
                engine.notePushedChange(for: order.sourceID, slowPollInterval: configuration.pollWhileFlowing, quietPeriod: configuration.quietPeriod)
                done += order.messages
            case .quarantine(let order, let reason):
                late += order.messages.map { (quarantined($0, orderID: order.orderID.rawValue, reason: reason, at: clock.now()), $0) }
            case .later(let order, let backoff):
                counters.update { $0.retried += 1 }
                if backoff { await hideLonger(order.messages) }
            }
        }
        if !late.isEmpty {
            do {
                try await engine.quarantine(late.map(\.0))
                counters.update { $0.quarantined += late.count }
                done += late.map(\.1)
            } catch {
                logger.error("could not quarantine notifications; they come back later", metadata: ["intake": "\(id)", "error": "\(error)"])
            }
        }
        await delete(done)
    }

    /// After a passing failure (Amazon throttling, a busy store), each receipt of a message
    /// waits twice as long as the one before, so an outage of hours is ridden out, not
    /// quarantined; polling meanwhile goes on at its normal pace.
    func hideLonger(_ messages: [SQSMessage]) async {
        let receipts = messages.compactMap(\.receiveCount).max() ?? 1
        let hidden = min(43_200, configuration.visibilitySeconds << min(10, receipts))
        for start in stride(from: 0, to: messages.count, by: 10) {
            let chunk = messages[start..<min(start + 10, messages.count)].map(\.receiptHandle)
            do {
                _ = try await sqs.changeVisibility(queueURL: configuration.queueURL, receiptHandles: chunk, seconds: hidden)
            } catch {
                logger.warning("could not hide notifications for longer; they come back sooner", metadata: ["intake": "\(id)", "error": "\(error)"])
            }
        }
    }

    /// Refreshes one order unless its stored snapshot already shows the notices' changes.
    ///
    /// Two of Amazon's times are compared, never this machine's clock with Amazon's: the change
    /// time the notices give and the last update time of the snapshot fetched before.
    func refresh(_ order: OrderWork, engine: ChannelEngine) async -> Settlement {
        let id = order.orderID.rawValue
        if order.everyChangeDated, let changedAt = order.changedAt, let seen = await memory.lastUpdate(of: id), changedAt < seen {
            counters.update { $0.coalesced += order.messages.count }
            await memory.markHandled(order.notificationIDs, at: clock.now())
            return .done(order)
        }
        // One getOrder per order per window: a second refresh of an order waits out the first's.
        if let last = await memory.lastRefresh(of: id) {
            let wait = last.addingTimeInterval(configuration.coalesceSeconds).timeIntervalSince(clock.now())
            if wait > 0 { try? await clock.sleep(seconds: wait) }
        }
        let receipts = order.messages.compactMap(\.receiveCount).max() ?? 1
        do {
            await memory.noteRefresh(of: id, startedAt: clock.now())
            let outcome = try await engine.refresh(order.orderID, preferring: order.sourceID)
            let fetched: Date? = if case .stored(let record, _) = outcome { record.order.lastUpdateDate } else { nil }
            if let fetched { await memory.noteUpdate(of: id, lastUpdate: fetched) }
            // Amazon may answer getOrder with the order as it was just before the change it
            // notified: the notices come back once, and are then taken as read. (The order's
            // last update time has whole seconds, the notice's change time milliseconds.)
            if let fetched, let changedAt = order.changedAt, fetched.addingTimeInterval(1) <= changedAt, receipts < 2 {
                return .later(order, backoff: false)
            }
            await memory.markHandled(order.notificationIDs, at: clock.now())
            counters.update {
                $0.refreshed += 1
                $0.coalesced += order.messages.count - 1
            }
            return .done(order)
        } catch is CancellationError {
            return .later(order, backoff: false)
        } catch let error as EngineError where error.code == .notFound {
            // Amazon does not know the order (yet): a few receipts, then a person looks.
            guard receipts >= configuration.maxReceives else { return .later(order, backoff: true) }
            return .quarantine(order, reason: "Amazon did not know the order after \(receipts) receipts: \(error)")
        } catch {
            logger.warning("an order named by notifications could not be refreshed; its notices come back", metadata: [
                "intake": "\(self.id)", "order": "\(id)", "receipts": "\(receipts)", "error": "\(error)",
            ])
            return .later(order, backoff: true)
        }
    }

    /// Extends the hiding of messages whose work is still under way, every half visibility
    /// period, until cancelled.
    func keepHidden(_ outstanding: Outstanding) async {
        let period = Double(configuration.visibilitySeconds) / 2
        while !Task.isCancelled {
            do { try await clock.sleep(seconds: period) } catch { return }
            let handles = outstanding.current
            guard !handles.isEmpty else { continue }
            for chunk in stride(from: 0, to: handles.count, by: 10).map({ Array(handles[$0..<min($0 + 10, handles.count)]) }) {
                do {
                    _ = try await sqs.changeVisibility(queueURL: configuration.queueURL, receiptHandles: chunk, seconds: configuration.visibilitySeconds)
                } catch {
                    logger.warning("could not keep notifications hidden while their orders refresh", metadata: ["intake": "\(id)", "error": "\(error)"])
                }
            }
        }
    }

    /// Deletes settled messages, ten at a time. A message that could not be deleted comes
    /// back and is recognised by its `NotificationId`.
    func delete(_ messages: [SQSMessage]) async {
        let handles = messages.map(\.receiptHandle)
        for start in stride(from: 0, to: handles.count, by: 10) {
            let chunk = Array(handles[start..<min(start + 10, handles.count)])
            do {
                let result = try await sqs.deleteMessages(queueURL: configuration.queueURL, receiptHandles: chunk)
                if !result.failed.isEmpty {
                    logger.warning("SQS kept some notifications; they come back and are recognised", metadata: [
                        "intake": "\(id)", "failed": "\(result.failed.count)", "codes": "\(Set(result.failed.map(\.code)).sorted())",
                    ])
                }
            } catch {
                logger.warning("could not delete notifications; they come back and are recognised", metadata: ["intake": "\(id)", "error": "\(error)"])
            }
        }
    }

    /// A message kept for a person; the SQS message id keeps two unreadable messages with the
    /// same reason apart.
    func quarantined(_ message: SQSMessage, orderID: String?, reason: String, at now: Date) -> QuarantinedOrder {
        QuarantinedOrder(sourceID: id, amazonOrderID: orderID.map { AmazonOrderID($0) }, reason: "\(reason) (SQS message \(message.messageID))",
                         payload: message.body, at: now)
    }

    /// The `AmazonOrderId` of a message that does not parse as a whole, when it can be found.
    static func orderID(in body: String) -> String? {
        guard let range = body.range(of: #""AmazonOrderId"\s*:\s*"([0-9A-Za-z-]{1,40})""#, options: .regularExpression) else { return nil }
        return body[range].split(separator: "\"").dropFirst(2).first { !$0.contains(":") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init)
    }
}
