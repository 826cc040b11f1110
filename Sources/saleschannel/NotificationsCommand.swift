import AWSServices
import AmazonChannel
import AmazonNotifications
import AmazonSandbox
import AmazonSellingPartner
import ArgumentParser
import Foundation
import SalesChannel

/// `saleschannel notifications setup|status|teardown`: the Notifications API side of push
/// intake (an SQS destination and each seller's `ORDER_CHANGE` subscription).
struct NotificationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "Set up, show or remove Amazon's ORDER_CHANGE notifications to the deployment's SQS queue.",
        discussion: """
            Uses the deployment's amazon-sqs intake (its queue) and Amazon sources (their sellers and \
            marketplaces). The destination is the application's (grantless calls); each seller gets one \
            ORDER_CHANGE subscription, filtered to its sources' marketplaces. See docs/notifications.md.
            """,
        subcommands: [Setup.self, Status.self, Teardown.self])

    static let notificationType = "ORDER_CHANGE"

    struct Options: ParsableArguments {
        @OptionGroup var deployment: DeploymentOptions
        @Option(name: .customLong("queue-arn"), help: "The queue's ARN, when it cannot be told from its URL.") var queueARN: String?
    }

    /// One seller in one region, with the marketplaces its sources serve.
    struct Account {
        var sellerID: String
        var client: SellingPartnerClient
        var marketplaces: [String]
    }

    /// What the commands work on: the intake's queue and the deployment's sellers.
    struct Plan {
        var intake: SQSOrderChangeIntake
        var arn: String
        var accounts: [Account]
    }

    static func withPlan<T: Sendable>(_ options: Options, _ body: @escaping @Sendable (Plan) async throws -> T) async throws -> T {
        try options.deployment.validate()
        let (root, directory) = try options.deployment.load()
        let work: @Sendable (AmazonSourceFactory.SandboxLink?) async throws -> T = { link in
            let composition = try options.deployment.composition(sandbox: link, storeUnopened: true)
            guard let intake = composition.intakes.compactMap({ $0 as? SQSOrderChangeIntake }).first else {
                throw CommandFailure("the deployment has no amazon-sqs intake; add one under `intakes:` (see docs/notifications.md)", status: 2)
            }
            let region = intake.configuration.region ?? SQSClient.region(ofQueueURL: intake.configuration.queueURL) ?? "us-east-1"
            guard let arn = options.queueARN ?? SQSClient.arn(ofQueueURL: intake.configuration.queueURL, region: region) else {
                throw CommandFailure("the queue's ARN cannot be told from `\(intake.configuration.queueURL)`; give --queue-arn", status: 2)
            }
            var accounts: [String: Account] = [:]
            for case let source as AmazonOrderSource in composition.sources {
                let key = source.client.rateLimitKey
                accounts[key, default: Account(sellerID: source.sellerID.rawValue, client: source.client, marketplaces: [])].marketplaces
                    .append(contentsOf: source.marketplaceIDs.filter { !(accounts[key]?.marketplaces.contains($0) ?? false) })
            }
            guard !accounts.isEmpty else { throw CommandFailure("the deployment has no Amazon source", status: 2) }
            return try await body(Plan(intake: intake, arn: arn, accounts: accounts.keys.sorted().compactMap { accounts[$0] }))
        }
        if let configuration = try options.deployment.sandboxConfiguration(root, directory: directory) {
            return try await AmazonSandbox.withRunning(configuration) { endpoint in try await work(DeploymentOptions.link(configuration, endpoint: endpoint.baseURL)) }
        }
        return try await work(nil)
    }

    static func describe(_ filter: EventFilter?) -> String {
        guard let filter else { return "every event" }
        return "marketplaces \(filter.marketplaceIds?.joined(separator: ",") ?? "all"), changes \(filter.orderChangeTypes?.joined(separator: ",") ?? "all")"
    }

    /// The filter a seller's subscription should have: its sources' marketplaces, the change
    /// types that matter to the workflow.
    static func filter(for account: Account) -> EventFilter {
        EventFilter(eventFilterType: notificationType, marketplaceIds: account.marketplaces, orderChangeTypes: ["OrderStatusChange", "BuyerRequestedChange"])
    }

    /// What an existing filter leaves out of what the deployment needs.
    static func gaps(in existing: EventFilter?, for account: Account) -> [String] {
        guard let existing else { return [] }  // no filter: every marketplace, every change
        var gaps: [String] = []
        if let marketplaces = existing.marketplaceIds {
            let missing = account.marketplaces.filter { !marketplaces.contains($0) }
            if !missing.isEmpty { gaps.append("marketplaces \(missing.joined(separator: ","))") }
        }
        if let types = existing.orderChangeTypes {
            let missing = ["OrderStatusChange", "BuyerRequestedChange"].filter { !types.contains($0) }
            if !missing.isEmpty { gaps.append("change types \(missing.joined(separator: ","))") }
        }
        return gaps
    }

    /// Destinations are the application's, per SP-API region: one lookup (or creation) per
    /// region the deployment's sellers are in.
    static func byRegion(_ accounts: [Account]) -> [(region: String, accounts: [Account])] {
        Dictionary(grouping: accounts) { $0.client.configuration.region.name + "|" + ($0.client.configuration.endpoint ?? "") }
            .sorted { $0.key < $1.key }.map { (String($0.key.prefix { $0 != "|" }), $0.value) }
    }

    struct Setup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the destination and each seller's subscription where missing.")
        @OptionGroup var options: Options

        func run() async throws {
            let conflicts = try await NotificationsCommand.withPlan(options) { plan in
                var conflicts = 0
                for (region, accounts) in NotificationsCommand.byRegion(plan.accounts) {
                    let grantless = accounts[0].client.grantless()
                    let destination: NotificationDestination
                    if let found = try await grantless.destinations().first(where: { $0.resource.sqs?.arn == plan.arn }) {
                        destination = found
                        print("destination \(found.destinationId) (\(found.name), region \(region)) already sends to \(plan.arn)")
                    } else {
                        destination = try await grantless.createDestination(name: "saleschannel-\(plan.intake.configuration.queueName)", sqsARN: plan.arn)
                        print("destination \(destination.destinationId) (region \(region)) created for \(plan.arn)")
                    }
                    for account in accounts {
                        if let existing = try await account.client.subscription(to: NotificationsCommand.notificationType, payloadVersion: "1.0") {
                            let gaps = NotificationsCommand.gaps(in: existing.processingDirective?.eventFilter, for: account)
                            if existing.destinationId != destination.destinationId {
                                conflicts += 1
                                print("seller \(account.sellerID): subscribed to another destination (\(existing.destinationId)); run `notifications teardown` for that one first")
                            } else if !gaps.isEmpty {
                                conflicts += 1
                                print("seller \(account.sellerID): subscribed (\(existing.subscriptionId)), but its filter leaves out \(gaps.joined(separator: " and ")); run `notifications teardown`, then `setup` again")
                            } else {
                                print("seller \(account.sellerID): subscribed already (\(existing.subscriptionId), \(NotificationsCommand.describe(existing.processingDirective?.eventFilter)))")
                            }
                            continue
                        }
                        let filter = NotificationsCommand.filter(for: account)
                        let subscription = try await account.client.createSubscription(
                            to: NotificationsCommand.notificationType, destinationID: destination.destinationId, processingDirective: ProcessingDirective(eventFilter: filter))
                        print("seller \(account.sellerID): subscribed (\(subscription.subscriptionId), \(NotificationsCommand.describe(filter)))")
                    }
                }
                return conflicts
            }
            if conflicts > 0 { throw ExitCode(3) }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the destination, each seller's subscription and the queue.")
        @OptionGroup var options: Options

        func run() async throws {
            try await NotificationsCommand.withPlan(options) { plan in
                print("queue:        \(plan.intake.configuration.queueURL) (\(plan.arn))")
                for (region, accounts) in NotificationsCommand.byRegion(plan.accounts) {
                    let destinations = try await accounts[0].client.grantless().destinations()
                    let ours = destinations.first { $0.resource.sqs?.arn == plan.arn }
                    print("destination:  \(ours.map { "\($0.destinationId) (\($0.name))" } ?? "none for this queue") in region \(region)"
                          + (destinations.count > (ours == nil ? 0 : 1) ? "; the application has \(destinations.count) there in all" : ""))
                    for account in accounts {
                        let subscription = try await account.client.subscription(to: NotificationsCommand.notificationType, payloadVersion: "1.0")
                        let state = subscription.map {
                            "\($0.subscriptionId) → \($0.destinationId == ours?.destinationId ? "this queue" : "another destination \($0.destinationId)"), \(NotificationsCommand.describe($0.processingDirective?.eventFilter))"
                        } ?? "not subscribed"
                        print("seller \(account.sellerID): \(state)")
                    }
                }
                do {
                    let attributes = try await plan.intake.queueAttributes()
                    print("queue depth:  \(attributes["ApproximateNumberOfMessages"] ?? "?") waiting, \(attributes["ApproximateNumberOfMessagesNotVisible"] ?? "?") being handled")
                } catch {
                    print("queue depth:  unknown (\(error))")
                }
            }
        }
    }

    struct Teardown: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove each seller's subscription to this queue, then the destination.")
        @OptionGroup var options: Options

        func run() async throws {
            try await NotificationsCommand.withPlan(options) { plan in
                for (region, accounts) in NotificationsCommand.byRegion(plan.accounts) {
                    let grantless = accounts[0].client.grantless()
                    let destination = try await grantless.destinations().first { $0.resource.sqs?.arn == plan.arn }
                    for account in accounts {
                        guard let subscription = try await account.client.subscription(to: NotificationsCommand.notificationType, payloadVersion: "1.0"),
                            subscription.destinationId == destination?.destinationId
                        else {
                            print("seller \(account.sellerID): no subscription to this queue")
                            continue
                        }
                        try await grantless.deleteSubscription(subscription.subscriptionId, to: NotificationsCommand.notificationType)
                        print("seller \(account.sellerID): subscription \(subscription.subscriptionId) removed")
                    }
                    if let destination {
                        try await grantless.deleteDestination(destination.destinationId)
                        print("destination \(destination.destinationId) (region \(region)) removed")
                    } else {
                        print("no destination in region \(region) sends to \(plan.arn)")
                    }
                }
            }
        }
    }
}
