import AWSServices
import Foundation
import Logging
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
    let counters = Counters()

    public init(configuration: SQSIntakeConfiguration, sqs: SQSClient, id: String? = nil, clock: any SalesChannelClock = SystemClock(), logger: Logger) {
        self.id = id ?? "amazon-sqs/\(configuration.queueName)"
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
        func remove(_ done: [String]) { handles.withLock { $0.subtract(done) } }
        var current: [String] { handles.withLock { Array($0) } }
    }

    final class Counters: Sendable {
        let value = Mutex(Statistics())
        func update(_ change: (inout Statistics) -> Void) { value.withLock { change(&$0) } }
    }

    // MARK: Running

    public func run(engine: ChannelEngine) async throws {
        let router = NotificationRouter(sources: engine.composition.sources)
        logger.info("push intake started", metadata: ["intake": "\(id)", "sources": "\(router.routes.map(\.sourceID))"])
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
        logger.info("push intake stopped", metadata: ["intake": "\(id)"])
    }

    /// The work for one order in a batch.
    struct OrderWork: Sendable {
        var orderID: AmazonOrderID
        var sourceID: String
        var messages: [SQSMessage] = []
        var notificationIDs: [String] = []
    }

    /// How one order's work ended.
    enum Settlement: Sendable {
        case done(OrderWork)
        case quarantine(OrderWork, reason: String)
        case later(OrderWork)
    }

    /// Acts on one batch; answers when its messages are deleted or left to come back.
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
                kept.append((quarantined(message, orderID: notice.change.amazonOrderID, reason: "a \(notice.notificationType) notification; this intake reads ORDER_CHANGE", at: now), message))
                continue
            }
            let notificationID = notice.metadata.notificationID
            if await memory.wasHandled(notificationID) || !seenHere.insert(notificationID).inserted {
                counters.update { $0.duplicates += 1 }
                settled.append(message)
                continue
            }
            switch router.route(notice.change) {
            case .failure(let unserved):
                kept.append((quarantined(message, orderID: notice.change.amazonOrderID, reason: unserved.reason, at: now), message))
            case .success(let sourceID):
                engine.notePushedChange(for: sourceID, slowPollInterval: configuration.pollWhileFlowing, quietPeriod: configuration.quietPeriod)
                let orderID = AmazonOrderID(notice.change.amazonOrderID)
                work[orderID, default: OrderWork(orderID: orderID, sourceID: sourceID)].messages.append(message)
                work[orderID]?.notificationIDs.append(notificationID)
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

        let outstanding = Outstanding(work.values.flatMap { $0.messages.map(\.receiptHandle) })
        let settlements = await withTaskGroup(of: [Settlement].self) { group in
            group.addTask { await keepHidden(outstanding); return [] }
            var results: [Settlement] = []
            var queue = Array(work.values)
            var running = 0
            func startNext() {
                guard let next = queue.popLast() else { return }
                running += 1
                group.addTask {
                    let settlement = await refresh(next, engine: engine)
                    let handles = next.messages.map(\.receiptHandle)
                    outstanding.remove(handles)
                    return [settlement]
                }
            }
            for _ in 0..<configuration.concurrency { startNext() }
            while running > 0, let finished = await group.next() {
                if !finished.isEmpty { running -= 1; results += finished; startNext() }
            }
            group.cancelAll()
            return results
        }

        var late: [QuarantinedOrder] = []
        var lateMessages: [SQSMessage] = []
        for settlement in settlements {
            switch settlement {
            case .done(let order):
                settled += order.messages
            case .quarantine(let order, let reason):
                for message in order.messages {
                    late.append(quarantined(message, orderID: order.orderID.rawValue, reason: reason, at: clock.now()))
                    lateMessages.append(message)
                }
            case .later:
                counters.update { $0.retried += 1 }
            }
        }
        if !late.isEmpty {
            do {
                try await engine.quarantine(late)
                settled += lateMessages
                counters.update { $0.quarantined += late.count }
            } catch {
                logger.error("could not quarantine notifications; they come back later", metadata: ["intake": "\(id)", "error": "\(error)"])
            }
        }
        await delete(settled)
    }

    /// Refreshes one order unless an earlier refresh already read the notices' change.
    func refresh(_ order: OrderWork, engine: ChannelEngine) async -> Settlement {
        let id = order.orderID.rawValue
        let window = configuration.coalesceSeconds
        if let last = await memory.lastRefresh(of: id) {
            // Sent a second or more before the last refresh began: that refresh read the change.
            let reflected = order.messages.allSatisfy { message in message.sentAt.map { $0.addingTimeInterval(1) <= last } ?? false }
            if reflected {
                counters.update { $0.coalesced += order.messages.count }
                await memory.markHandled(order.notificationIDs, at: clock.now())
                return .done(order)
            }
            let wait = last.addingTimeInterval(window).timeIntervalSince(clock.now())
            if wait > 0 { try? await clock.sleep(seconds: wait) }
        }
        let started = clock.now()
        do {
            _ = try await engine.refresh(order.orderID, preferring: order.sourceID)
            await memory.noteRefresh(of: id, startedAt: started)
            await memory.markHandled(order.notificationIDs, at: clock.now())
            counters.update {
                $0.refreshed += 1
                $0.coalesced += order.messages.count - 1
            }
            return .done(order)
        } catch {
            let receipts = order.messages.compactMap(\.receiveCount).max() ?? 1
            if receipts >= configuration.maxReceives {
                logger.error("an order named by notifications could not be refreshed; quarantining them", metadata: [
                    "intake": "\(self.id)", "order": "\(id)", "receipts": "\(receipts)", "error": "\(error)",
                ])
                return .quarantine(order, reason: "the order could not be refreshed after \(receipts) receipts: \(error)")
            }
            logger.warning("an order named by notifications could not be refreshed; its notices come back", metadata: [
                "intake": "\(self.id)", "order": "\(id)", "receipts": "\(receipts)", "error": "\(error)",
            ])
            return .later(order)
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

    func quarantined(_ message: SQSMessage, orderID: String?, reason: String, at now: Date) -> QuarantinedOrder {
        QuarantinedOrder(sourceID: id, amazonOrderID: orderID.map { AmazonOrderID($0) }, reason: reason, payload: message.body, at: now)
    }

    /// The `AmazonOrderId` of a message that does not parse as a whole, when it can be found.
    static func orderID(in body: String) -> String? {
        guard let range = body.range(of: #""AmazonOrderId"\s*:\s*"([0-9A-Za-z-]{1,40})""#, options: .regularExpression) else { return nil }
        return body[range].split(separator: "\"").dropFirst(2).first { !$0.contains(":") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init)
    }
}
