import AWSServices
import AmazonSellingPartner
import AsyncHTTPClient
import Foundation
import Logging
import RequestSigning

/// Where and how the sandbox publishes `ORDER_CHANGE` notifications: to a real SQS queue, each
/// change of one of its orders, once an `ORDER_CHANGE` subscription names a destination for that
/// queue (as at Amazon: `notifications setup`), filtered by the subscription's marketplaces and
/// change types, with the imperfections of a real delivery: a random delay (which also
/// reorders), duplicates and losses.
public struct SandboxNotificationSettings: Sendable {
    public var queueURL: String
    /// The queue's region (from an AWS queue URL when `nil`, else `us-east-1`).
    public var region: String?
    /// Where SQS calls go (moto, LocalStack) when not the queue URL's host.
    public var endpoint: String?
    public var credentials: AWSCredentials
    /// Real seconds each message waits before it is sent, drawn uniformly from `0...maxDelay`.
    public var maxDelay: TimeInterval = 0
    /// Share of notifications sent twice (the same `NotificationId`).
    public var duplicates: Double = 0
    /// Share of notifications never sent.
    public var drops: Double = 0
    public var seed: UInt64 = 1

    public init(queueURL: String, credentials: AWSCredentials) {
        self.queueURL = queueURL
        self.credentials = credentials
    }
}

/// What the sandbox did with one notification, for `GET /_sandbox/notifications`.
struct NotificationRecord: Codable, Sendable {
    var notificationId: String
    var orderId: String
    /// When the change happened (the sandbox's, possibly time-scaled, clock).
    var changedAt: Date
    /// Wall time when the publisher saw the change (within 50 ms of it), sent or not.
    var noticedAt: Date
    /// Wall time of each copy's sending; empty when dropped or not sent yet.
    var sentAt: [Date]
    var dropped: Bool
    var copies: Int
    /// The order's status after the change (Orders v0 spelling) and who fulfils it (`MFN`, `AFN`).
    var status: String
    var fulfillmentType: String
}

/// Publishes the sandbox's order changes to SQS while the sandbox runs.
actor NotificationPublisher {
    let settings: SandboxNotificationSettings
    let sqs: SQSClient
    let logger: Logger
    /// The queue's ARN, as a destination names it.
    let queueARN: String
    private var random: SeededGenerator
    private var pending: [(due: ContinuousClock.Instant, notificationID: String, body: String)] = []
    private(set) var records: [String: NotificationRecord] = [:]
    private(set) var order: [String] = []

    init(settings: SandboxNotificationSettings, http: HTTPClient, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        random = SeededGenerator(seed: settings.seed &+ 0x5E0)
        let region = settings.region ?? SQSClient.region(ofQueueURL: settings.queueURL) ?? "us-east-1"
        guard let arn = SQSClient.arn(ofQueueURL: settings.queueURL, region: region) else {
            throw SandboxError("`\(settings.queueURL)` is not a queue URL (…/ACCOUNT/NAME)")
        }
        queueARN = arn
        sqs = try SQSClient(
            queueURL: settings.queueURL, region: settings.region ?? SQSClient.region(ofQueueURL: settings.queueURL) ?? "us-east-1",
            endpoint: settings.endpoint, credentials: StaticCredentialProvider(settings.credentials), http: http)
    }

    /// Watches the sandbox's orders until cancelled: every 50 ms, the changes since the last
    /// look become notifications, and those due are sent.
    func run(state: SandboxState, now: @Sendable () -> Date) async {
        var last = now()
        while !Task.isCancelled {
            let current = now()
            // Amazon sends nothing before a subscription names this queue's destination.
            guard let filter = await state.orderChangeFilter(queueARN: queueARN) else {
                last = current
                try? await Task.sleep(for: .milliseconds(50))
                continue
            }
            for change in await state.changes(after: last, through: current) {
                let id = UUID().uuidString.lowercased()
                let dropped = random.unit() < settings.drops
                let copies = dropped ? 0 : (random.unit() < settings.duplicates ? 2 : 1)
                guard let body = await state.orderChangeNotification(change.orderID, at: change.at, notificationID: id, publishedAt: current) else { continue }
                let summary = Self.summary(body)
                if let filter {
                    if let marketplaces = filter.marketplaceIds, !marketplaces.contains(summary.marketplace) { continue }
                    if let types = filter.orderChangeTypes, !types.contains(summary.changeType) { continue }
                }
                records[id] = NotificationRecord(
                    notificationId: id, orderId: change.orderID, changedAt: change.at, noticedAt: Date(), sentAt: [], dropped: dropped, copies: copies,
                    status: summary.status, fulfillmentType: summary.fulfillmentType)
                order.append(id)
                guard copies > 0 else { continue }
                for _ in 0..<copies {
                    pending.append((ContinuousClock.now + .milliseconds(Int(random.unit() * settings.maxDelay * 1000)), id, body))
                }
            }
            last = current
            await sendDue()
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    private func sendDue() async {
        let now = ContinuousClock.now
        let due = pending.filter { $0.due <= now }.sorted { $0.due < $1.due }
        guard !due.isEmpty else { return }
        pending.removeAll { $0.due <= now }
        for start in stride(from: 0, to: due.count, by: 10) {
            let chunk = Array(due[start..<min(start + 10, due.count)])
            do {
                let result = try await sqs.sendMessages(queueURL: settings.queueURL, chunk.map { ($0.body, 0) })
                let sentAt = Date()
                for index in result.succeeded.compactMap(Int.init) where index < chunk.count {
                    records[chunk[index].notificationID]?.sentAt.append(sentAt)
                }
                // Entries SQS refused are tried again at the next look.
                for failed in result.failed { if let index = Int(failed.id), index < chunk.count { pending.append(chunk[index]) } }
            } catch {
                logger.warning("could not send notifications to SQS; trying again", metadata: ["error": "\(error)"])
                pending += chunk
                return
            }
        }
    }

    /// The status, fulfilment type, marketplace and change type a notification states.
    static func summary(_ body: String) -> (status: String, fulfillmentType: String, marketplace: String, changeType: String) {
        let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let change = (object?["Payload"] as? [String: Any])?["OrderChangeNotification"] as? [String: Any]
        let summary = change?["Summary"] as? [String: Any]
        return (summary?["OrderStatus"] as? String ?? "", summary?["FulfillmentType"] as? String ?? "",
                summary?["MarketplaceId"] as? String ?? "", change?["OrderChangeType"] as? String ?? "")
    }

    /// Every notification so far, in the order of the changes.
    func log() -> [NotificationRecord] { order.compactMap { records[$0] } }
}
