import AWSServices
import AWSServicesTesting
import AmazonChannel
import AmazonNotifications
import AmazonSandbox
import AmazonSellingPartner
import AsyncHTTPClient
import Foundation
import Logging
import RequestSigning
import SalesChannel
import SalesChannelTesting
import Testing

/// A burst of notices for one order costs one `getOrder`; a notice seen twice costs nothing;
/// every message is deleted once its order is stored.
@Suite(.enabled(if: ThrowawayMoto.isAvailable || ProcessInfo.processInfo.environment["CI"] != nil, Comment(rawValue: ThrowawayMoto.skipReason)))
struct IntakeCoalescingTests {
    @Test func aBurstForOneOrderIsOneGetOrderAndADuplicateIsNone() async throws {
        let moto = try ThrowawayMoto()
        defer { moto.stop() }
        let http = HTTPClient.shared
        try await moto.waitUntilReady(http: http)
        let user = try await moto.bootstrap(http: http)
        let sqs = try SQSClient(queueURL: moto.endpoint + "000000000000/x", region: "us-east-1", credentials: StaticCredentialProvider(user), http: http)
        let queueURL = try await sqs.createQueue(named: "burst")
        let example = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../AWSServicesTests/Fixtures/order-change-example.json").standardized, encoding: .utf8)

        try await VirtualAmazon.run({ $0.orders = 30; $0.existingShare = 1; $0.rateLimits = false }) { amazon in
            let source = amazon.source(.merchant)
            let truth = try await amazon.truth()
            let id = try #require(truth.first { $0["fulfillmentChannel"] as? String == "MFN" }?["orderId"] as? String)
            let store = InMemoryChannelStore()
            let engine = ChannelEngine(Composition(
                store: store, backend: InMemoryCommerceBackend(), sources: [source], customerPolicy: FixedCustomerPolicy()))

            // Five notices of one order (one of them twice), as a burst of changes would bring.
            let notices = (1...5).map { index in
                example.replacingOccurrences(of: "A3TH9S8BH6GOGM", with: "A1SANDBOXSELLER").replacingOccurrences(of: "903-8868176-2219830", with: id)
                    .replacingOccurrences(of: "d0e9e693-c3ad-4373-979f-ed4ec98dd746\"\n", with: "burst-\(index)\"\n")
            }
            let sent = try await sqs.sendMessages(queueURL: queueURL, (notices + [notices[0]]).map { ($0, 0) })
            #expect(sent.succeeded.count == 6)

            var configuration = SQSIntakeConfiguration(queueURL: queueURL)
            configuration.waitSeconds = 1
            configuration.coalesceSeconds = 5
            configuration.receivers = 1  // the burst arrives as one batch
            let intake = SQSOrderChangeIntake(
                configuration: configuration,
                sqs: try SQSClient(queueURL: queueURL, region: "us-east-1", credentials: StaticCredentialProvider(user), http: http),
                logger: VirtualAmazon.quiet)
            let running = Task { try await intake.run(engine: engine) }
            for _ in 0..<200 {
                let seen = intake.statistics
                if seen.refreshed + seen.duplicates + seen.coalesced >= 6 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            // The deletes follow the refresh: give them a moment, then stop.
            for _ in 0..<100 {
                let attributes = try await sqs.queueAttributes(queueURL: queueURL)
                if attributes["ApproximateNumberOfMessages"] == "0", attributes["ApproximateNumberOfMessagesNotVisible"] == "0" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            running.cancel()
            _ = try? await running.value

            let statistics = intake.statistics
            #expect(statistics.received == 6)
            #expect(statistics.refreshed == 1, "\(statistics)")
            #expect(statistics.duplicates == 1, "\(statistics)")
            #expect(statistics.coalesced == 4, "\(statistics)")
            #expect(source.client.statistics.byOperation["getOrder"] == 1)
            #expect(try await store.record(AmazonOrderID(id)) != nil)
            let attributes = try await sqs.queueAttributes(queueURL: queueURL)
            #expect(attributes["ApproximateNumberOfMessages"] == "0" && attributes["ApproximateNumberOfMessagesNotVisible"] == "0", "\(attributes)")
        }
    }
}
