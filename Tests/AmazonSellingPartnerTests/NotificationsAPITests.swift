import AmazonSandbox
import AmazonSellingPartner
import AsyncHTTPClient
import Foundation
import Testing

/// The Notifications API client against the sandbox, which holds it to `notifications.json`:
/// grantless operations with the application's token only, seller operations with the seller's,
/// one destination per queue ARN, one subscription per notification type.
@Suite struct NotificationsAPITests {
    static let arn = "arn:aws:sqs:us-east-1:123456789012:saleschannel-orders"

    @Test func aDestinationAndASubscriptionAreCreatedFoundAndRemoved() async throws {
        let configuration = Harness.configuration { $0.orders = 5 }
        try await Harness.withHTTP { http in
            try await AmazonSandbox.withRunning(configuration) { endpoint in
                let seller = Harness.client(endpoint, configuration, http: http)
                let grantless = seller.grantless()
                #expect(try await grantless.destinations().isEmpty)
                let destination = try await grantless.createDestination(name: "saleschannel-orders", sqsARN: Self.arn)
                #expect(destination.resource.sqs?.arn == Self.arn)
                #expect(try await grantless.destinations().map(\.destinationId) == [destination.destinationId])
                #expect(try await grantless.destination(destination.destinationId)?.name == "saleschannel-orders")

                #expect(try await seller.subscription(to: "ORDER_CHANGE") == nil)
                let filter = EventFilter(eventFilterType: "ORDER_CHANGE", marketplaceIds: ["ATVPDKIKX0DER"], orderChangeTypes: ["OrderStatusChange"])
                let subscription = try await seller.createSubscription(
                    to: "ORDER_CHANGE", destinationID: destination.destinationId, processingDirective: ProcessingDirective(eventFilter: filter))
                #expect(subscription.payloadVersion == "1.0")
                let found = try await seller.subscription(to: "ORDER_CHANGE", payloadVersion: "1.0")
                #expect(found?.subscriptionId == subscription.subscriptionId)
                #expect(found?.processingDirective?.eventFilter == filter)
                #expect(try await grantless.subscription(subscription.subscriptionId, to: "ORDER_CHANGE")?.destinationId == destination.destinationId)

                // A destination with a subscription cannot go first.
                await #expect(throws: SellingPartnerError.self) { try await grantless.deleteDestination(destination.destinationId) }
                try await grantless.deleteSubscription(subscription.subscriptionId, to: "ORDER_CHANGE")
                #expect(try await seller.subscription(to: "ORDER_CHANGE") == nil)
                try await grantless.deleteDestination(destination.destinationId)
                #expect(try await grantless.destination(destination.destinationId) == nil)
            }
        }
    }

    @Test func theSandboxRefusesWhatAmazonRefuses() async throws {
        let configuration = Harness.configuration { $0.orders = 5 }
        try await Harness.withHTTP { http in
            try await AmazonSandbox.withRunning(configuration) { endpoint in
                let seller = Harness.client(endpoint, configuration, http: http)
                let grantless = seller.grantless()
                // Grantless operations take the application's token, not a seller's; and back.
                let wrongToken = await #expect(throws: SellingPartnerError.self) { try await seller.destinations() }
                #expect(wrongToken?.status == 403)
                let wrongTokenBack = await #expect(throws: SellingPartnerError.self) { try await grantless.subscription(to: "ORDER_CHANGE") }
                #expect(wrongTokenBack?.status == 403)

                // An ARN that is not an SQS queue's.
                let badARN = await #expect(throws: SellingPartnerError.self) { try await grantless.createDestination(name: "x", sqsARN: "arn:aws:sns:us-east-1:1:topic") }
                #expect(badARN?.status == 400)
                let destination = try await grantless.createDestination(name: "first", sqsARN: Self.arn)
                // A second destination for the same queue: a conflict.
                let twice = await #expect(throws: SellingPartnerError.self) { try await grantless.createDestination(name: "second", sqsARN: Self.arn) }
                #expect(twice?.status == 409)

                // A subscription to a destination that does not exist, or with a filter the model rules out.
                let noDestination = await #expect(throws: SellingPartnerError.self) {
                    try await seller.createSubscription(to: "ORDER_CHANGE", destinationID: "no-such-destination")
                }
                #expect(noDestination?.status == 400)
                let both = ProcessingDirective(eventFilter: EventFilter(eventFilterType: "ORDER_CHANGE"), filterExpression: "true")
                let exclusive = await #expect(throws: SellingPartnerError.self) {
                    try await seller.createSubscription(to: "ORDER_CHANGE", destinationID: destination.destinationId, processingDirective: both)
                }
                #expect(exclusive?.status == 400)
                let unknownChange = ProcessingDirective(eventFilter: EventFilter(eventFilterType: "ORDER_CHANGE", orderChangeTypes: ["PriceChange"]))
                let badChange = await #expect(throws: SellingPartnerError.self) {
                    try await seller.createSubscription(to: "ORDER_CHANGE", destinationID: destination.destinationId, processingDirective: unknownChange)
                }
                #expect(badChange?.status == 400)

                // Without a processing directive, as users met Amazon's refusal.
                let bare = await #expect(throws: SellingPartnerError.self) {
                    try await seller.createSubscription(to: "ORDER_CHANGE", destinationID: destination.destinationId)
                }
                #expect(bare?.status == 400)

                // One subscription per notification type.
                let directive = ProcessingDirective(eventFilter: EventFilter(eventFilterType: "ORDER_CHANGE"))
                _ = try await seller.createSubscription(to: "ORDER_CHANGE", destinationID: destination.destinationId, processingDirective: directive)
                let second = await #expect(throws: SellingPartnerError.self) {
                    try await seller.createSubscription(to: "ORDER_CHANGE", destinationID: destination.destinationId, processingDirective: directive)
                }
                #expect(second?.status == 409)
            }
        }
    }
}
