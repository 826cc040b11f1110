import AWSServices
import AWSServicesTesting
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Histogram
import NIOCore
import NIOFoundationCompat
import RequestSigning
import SalesChannel
import SalesChannelSQLite

/// `saleschannel benchmark push`: how long an order change takes from its `ORDER_CHANGE`
/// message being sent to SQS to the commerce order being created or updated.
struct PushBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Latency of push intake: ORDER_CHANGE sent to SQS (moto) → commerce order created or updated.",
        discussion: """
            Starts moto_server (pip install 'moto[server]') with signature checking, a sandbox process \
            publishing every change of its orders to a queue there (some lost, some twice), and one \
            `saleschannel run` with the amazon-sqs intake; polling runs as the safety net. Prints \
            HdrHistogram percentiles of the delivered changes' latency, and the delay of the lost \
            ones (caught by polling or by a later notice of the same order).
            """)

    @Option(help: "Order changes to publish.") var changes: Int = 2_000
    @Option(help: "Changes per second to aim at.") var rate: Double = 20
    @Option(help: "Share of notifications lost.") var drops: Double = 0.1
    @Option(help: "Share of notifications sent twice.") var duplicates: Double = 0.1
    @Option(name: .customLong("poll-while-flowing"), help: "Seconds between safety-net polls while notices flow.") var pollWhileFlowing: Double = 30

    func run() async throws {
        #if DEBUG
            print("note: this is a debug build; use `swift run -c release saleschannel benchmark push` for real figures")
        #endif
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saleschannel-push-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let http = HTTPClient.shared
        let moto = try ThrowawayMoto()
        defer { moto.stop() }
        try await moto.waitUntilReady(http: http)
        let user = try await moto.bootstrap(http: http)
        let sqs = try SQSClient(queueURL: moto.endpoint + "000000000000/setup", region: "us-east-1", credentials: StaticCredentialProvider(user), http: http)
        let queueURL = try await sqs.createQueue(named: "order-change")
        let aws = ["AWS_ACCESS_KEY_ID": user.accessKeyID, "AWS_SECRET_ACCESS_KEY": user.secretAccessKey]

        // About 2.2 changes per order; the orders arrive over four hours of the sandbox's time
        // and change for a while after (measured: the changes span about 1.85 times the arrival
        // window), so this time scale spreads `changes` over about changes / rate seconds.
        let orders = Int((Double(changes) / 2.2).rounded(.up))
        let seconds = Double(changes) / rate
        let timeScale = max(1, (1.85 * 4 * 3600 / seconds).rounded())
        let sandbox = try ScaleOutBenchmark.Worker.start(
            ["sandbox", "--port", "0", "--orders", String(orders), "--seed", "7", "--existing-share", "0", "--time-scale", String(Int(timeScale)),
             "--before-lag", "1", "--notify-queue-url", queueURL, "--notify-endpoint", moto.endpoint, "--notify-region", "us-east-1",
             "--notify-drops", String(drops), "--notify-duplicates", String(duplicates)],
            in: folder, name: "sandbox", environment: aws)
        defer { sandbox.stop(signal: SIGKILL) }
        let endpoint = try await sandbox.sandboxEndpoint()

        let source = { (plugin: String) in
            ScaleOutBenchmark.sandboxSource(plugin: plugin, endpoint: endpoint, settings: ["timeScale: \(Int(timeScale))", "initialLookbackHours: 1"])
        }
        try """
            store: { plugin: sqlite, path: push.sqlite }
            sources:
            \(source("amazon-mfn"))
            \(source("amazon-fba"))
            customerPolicy:
              plugin: create-customer
            sinks:
              - plugin: file-drop
                directory: erp
            intakes:
              - plugin: amazon-sqs
                queueUrl: \(queueURL)
                endpoint: \(moto.endpoint)
                region: us-east-1
                coalesceSeconds: 0.25
                pollWhileFlowingMinutes: \(pollWhileFlowing / 60)
            runner:
              pollIntervalSeconds: 5
            """.write(to: folder.appendingPathComponent("push.yaml"), atomically: true, encoding: .utf8)
        var environment = ["LWA_CLIENT_SECRET": "sandbox-client-secret", "LWA_REFRESH_TOKEN": "Atzr|sandbox-refresh-token"]
        environment.merge(aws) { $1 }
        // As at Amazon, nothing is published before the seller is subscribed.
        let subscribing = try ScaleOutBenchmark.Worker.start(["notifications", "setup", "--config", folder.appendingPathComponent("push.yaml").path],
                                                             in: folder, name: "setup", environment: environment)
        subscribing.wait()
        guard subscribing.output().contains("subscribed (") else { throw CommandFailure("notifications setup failed:\n\(subscribing.output())", status: 1) }
        let workerStarted = Date()
        let worker = try ScaleOutBenchmark.Worker.start(["run", "--config", folder.appendingPathComponent("push.yaml").path, "--quiet"],
                                                        in: folder, name: "worker", environment: environment)
        print("push: \(orders) orders arriving over \(Int(seconds)) s (sandbox \(Int(timeScale))× faster), \(Int(drops * 100))% of notices lost, \(Int(duplicates * 100))% twice; safety-net poll every \(Int(pollWhileFlowing)) s while notices flow")

        // Until enough changes were published, then a safety-net period for the lost ones.
        var log: [Record] = []
        let started = ContinuousClock.now
        while log.count < changes {
            try await Task.sleep(for: .seconds(1))
            if worker.hasExited { throw CommandFailure("the run ended early:\n\(worker.output().suffix(1500))", status: 1) }
            log = try await Self.notifications(endpoint)
            if ContinuousClock.now - started > .seconds(seconds * 4 + 120) { break }
        }
        let publishedFor = ContinuousClock.now - started
        try await Task.sleep(for: .seconds(pollWhileFlowing + 15))
        let usage = worker.stop(signal: SIGTERM)
        // Changes the workflow does not import (an Amazon-fulfilled order before it ships) have
        // nothing to reach.
        let measured = Array(log.prefix(changes)).filter { $0.fulfillmentType == "MFN" || $0.status == "Shipped" }

        let database = try SQLiteDatabase(path: folder.appendingPathComponent("push.sqlite").path, mode: .readOnly)
        let store = SQLiteChannelStore(database: database)
        var events: [String: [OrderEvent]] = [:]
        for id in Set(measured.map(\.orderId)) { events[id] = try await store.events(for: AmazonOrderID(id)) }

        var delivered = Histogram<UInt64>(highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: .three)
        var lost = Histogram<UInt64>(highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: .three)
        var unseen = 0
        var slowest: (milliseconds: UInt64, sent: Date)?
        for record in measured {
            let from = record.dropped ? record.noticedAt : (record.sentAt.min() ?? record.noticedAt)
            // The first event from then on that shows the change on the commerce side: the
            // commerce order created (an MFN order now Unshipped, an FBA order shipped) or
            // canceled; otherwise the order's own record changed (imported, a status change).
            let kinds = Self.reflecting(status: record.status, fulfillmentType: record.fulfillmentType)
            let after = events[record.orderId]?.filter { $0.at >= from.addingTimeInterval(-0.001) } ?? []
            guard let reached = (after.filter { kinds.contains($0.kind) }.map(\.at).min() ?? after.filter { Self.anyChange.contains($0.kind) }.map(\.at).min()) else {
                unseen += 1
                continue
            }
            let milliseconds = UInt64(max(0, reached.timeIntervalSince(from)) * 1000)
            if record.dropped {
                lost.record(milliseconds)
            } else {
                delivered.record(milliseconds)
                if milliseconds > slowest?.milliseconds ?? 0 { slowest = (milliseconds, from) }
            }
        }
        let rateSeen = Double(min(log.count, changes)) / (Double(publishedFor.components.seconds) + Double(publishedFor.components.attoseconds) / 1e18)
        print("published: \(min(log.count, changes)) changes at \(String(format: "%.1f", rateSeen))/s, of which \(measured.count) change what is imported (every MFN change, an FBA order's shipment); of those \(measured.filter(\.dropped).count) lost, \(measured.filter { $0.copies == 2 }.count) sent twice")
        func line(_ name: String, _ histogram: Histogram<UInt64>) -> String {
            "\(name): \(histogram.totalCount) changes; p50 \(histogram.valueAtPercentile(50)) ms, p90 \(histogram.valueAtPercentile(90)) ms, p99 \(histogram.valueAtPercentile(99)) ms, max \(histogram.max) ms"
        }
        print(line("sent → commerce order created or updated", delivered))
        print(line("lost notices, change → caught (polling or a later notice)", lost))
        if let slowest {
            print("slowest delivered change: \(slowest.milliseconds) ms, sent \(String(format: "%.1f", slowest.sent.timeIntervalSince(workerStarted))) s after the worker was started")
        }
        if unseen > 0 { print("not reflected in the store by the end: \(unseen) changes") }
        print("worker: \(String(format: "%.1f", usage.cpuSeconds)) s CPU, peak RSS \(usage.peakRSSMiB) MiB")
        if delivered.valueAtPercentile(99) > 1000 { print("goal missed: p99 above 1 s") }
    }

    /// The events that show a change reached the commerce side.
    static func reflecting(status: String, fulfillmentType: String) -> Set<OrderEvent.Kind> {
        switch (status, fulfillmentType) {
        case ("Unshipped", "MFN"), ("Shipped", "AFN"): [.commerceOrderCreated]
        case ("Canceled", _): [.canceled]
        default: anyChange
        }
    }

    /// Events that show the order's record changed.
    static let anyChange: Set<OrderEvent.Kind> = [.imported, .statusChanged, .buyerRequestedCancellation, .commerceOrderCompleted, .canceled, .commerceOrderCreated]

    struct Record: Decodable {
        var orderId: String
        var noticedAt: Date
        var sentAt: [Date]
        var dropped: Bool
        var copies: Int
        var status: String
        var fulfillmentType: String
    }

    static func notifications(_ endpoint: String) async throws -> [Record] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: endpoint + "/_sandbox/notifications"), timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode([Record].self, from: data)
    }
}
