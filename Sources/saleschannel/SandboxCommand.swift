import AWSServices
import AmazonSandbox
import ArgumentParser
import Foundation
import Logging

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a local Amazon SP-API (orders, shipments, Login with Amazon) until Ctrl-C.",
        discussion: """
            Serves searchOrders and getOrder (Orders v2026-01-01), confirmShipment (Orders v0) and the \
            LWA token endpoint, with Amazon's rate limits, a seeded scenario of orders moving through \
            their statuses, the models' static examples (TEST_CASE_400 and the like), injected faults \
            and GET /_sandbox/orders, the ground truth.
            """)

    @Option(help: "Port to listen on (0: any free port).") var port: Int = 0
    @Option(help: "Orders in the scenario.") var orders: Int = 200
    @Option(help: "Seed of the scenario.") var seed: UInt64 = 1
    @Option(name: .customLong("time-scale"), help: "How much faster than real time this Amazon runs (60: an hour per minute): the orders' timelines, the rate limits, the two-minute rule and the 24-hour pagination tokens.")
    var timeScale: Double = 1
    @Option(help: "Faults, e.g. 'http500=0.05,http503=0.02,throttle=0.05,slow=0.01:2s,drop=0.01,malformed=0.005'.") var faults: String = ""
    @Flag(name: .customLong("no-rate-limits"), help: "Do not enforce Amazon's rate limits.") var noRateLimits = false
    @Option(name: .customLong("before-lag"), help: "Seconds a *Before filter must lie in the past (default: Amazon's 120 divided by --time-scale).") var beforeLag: Double?
    @Option(name: .customLong("existing-share"), help: "Share of the orders that exist at start, from 0 to 1 (the rest arrive over four hours of this Amazon's time).")
    var existingShare: Double = 0.6
    @Option(name: .customLong("notify-queue-url"), help: "Publish an ORDER_CHANGE notification to this SQS queue for every change of an order (AWS credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN or the shared credentials file).")
    var notifyQueueURL: String?
    @Option(name: .customLong("notify-endpoint"), help: "Where SQS calls go when not the queue URL's host (moto, LocalStack).") var notifyEndpoint: String?
    @Option(name: .customLong("notify-region"), help: "The queue's region (default: from the queue URL, else us-east-1).") var notifyRegion: String?
    @Option(name: .customLong("notify-max-delay"), help: "Real seconds a notification may wait before it is sent (uniform from 0; reorders them).") var notifyMaxDelay: Double = 0
    @Option(name: .customLong("notify-duplicates"), help: "Share of notifications sent twice, from 0 to 1.") var notifyDuplicates: Double = 0
    @Option(name: .customLong("notify-drops"), help: "Share of notifications never sent, from 0 to 1.") var notifyDrops: Double = 0

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a port; allowed: 1 to 65535, or 0 for any free port") }
        guard timeScale > 0, timeScale.isFinite else { throw ValidationError("--time-scale must be a positive number") }
        if let beforeLag, !(beforeLag >= 0 && beforeLag.isFinite) { throw ValidationError("--before-lag must be a number of seconds, 0 or more") }
        guard (0...1).contains(existingShare) else { throw ValidationError("--existing-share must be from 0 to 1") }
        guard (0...1_000_000).contains(orders) else { throw ValidationError("--orders must be from 0 to 1000000") }
        do { _ = try FaultSpec(parsing: faults) } catch { throw ValidationError("--faults: \(error)") }
        guard (0...1).contains(notifyDuplicates), (0...1).contains(notifyDrops) else { throw ValidationError("--notify-duplicates and --notify-drops must be from 0 to 1") }
        guard (0...900).contains(notifyMaxDelay) else { throw ValidationError("--notify-max-delay must be from 0 to 900 seconds") }
        if let notifyQueueURL, URL(string: notifyQueueURL)?.host == nil { throw ValidationError("--notify-queue-url `\(notifyQueueURL)` is not a URL") }
    }

    func run() async throws {
        var configuration = SandboxConfiguration()
        configuration.port = port
        configuration.orders = orders
        configuration.seed = seed
        configuration.timeScale = timeScale
        configuration.rateLimits = !noRateLimits
        configuration.existingShare = existingShare
        configuration.faults = try FaultSpec(parsing: faults)
        if let beforeLag { configuration.beforeLag = beforeLag }
        if let notifyQueueURL {
            var notifications = SandboxNotificationSettings(
                queueURL: notifyQueueURL, credentials: try defaultAWSCredentials(environment: ProcessInfo.processInfo.environment))
            notifications.region = notifyRegion
            notifications.endpoint = notifyEndpoint
            notifications.maxDelay = notifyMaxDelay
            notifications.duplicates = notifyDuplicates
            notifications.drops = notifyDrops
            notifications.seed = seed
            configuration.notifications = notifications
        }
        let sandbox = try AmazonSandbox(configuration: configuration)
        let settings = configuration
        let (orders, seed, timeScale, noRateLimits) = (orders, seed, timeScale, noRateLimits)
        try await sandbox.run { endpoint in
            let configuration = settings
            let banner = """
                Amazon sandbox listening on \(endpoint.baseURL)
                  SP-API endpoint:   \(endpoint.baseURL)
                  LWA token URL:     \(endpoint.tokenURL)
                  client id:         \(configuration.clientID)
                  client secret:     \(configuration.clientSecret)
                  refresh token:     \(configuration.refreshToken)
                  seller / market:   \(configuration.sellerID) / \(configuration.marketplaceID)
                  ground truth:      \(endpoint.baseURL)/_sandbox/orders
                \(configuration.notifications.map { "  notifications:     \($0.queueURL) (\($0.endpoint ?? "AWS")), log at \(endpoint.baseURL)/_sandbox/notifications\n" } ?? "")                \(orders) orders, seed \(seed), time scale \(timeScale)x, rate limits \(noRateLimits ? "off" : "on")\(configuration.faults.isEmpty ? "" : ", faults \(configuration.faults)")
                Ctrl-C stops it.

                """
            FileHandle.standardOutput.write(Data(banner.utf8))
        }
    }
}
