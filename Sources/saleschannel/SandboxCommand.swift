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

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a port; allowed: 1 to 65535, or 0 for any free port") }
        guard timeScale > 0, timeScale.isFinite else { throw ValidationError("--time-scale must be a positive number") }
        if let beforeLag, !(beforeLag >= 0 && beforeLag.isFinite) { throw ValidationError("--before-lag must be a number of seconds, 0 or more") }
        guard (0...1).contains(existingShare) else { throw ValidationError("--existing-share must be from 0 to 1") }
        guard (0...1_000_000).contains(orders) else { throw ValidationError("--orders must be from 0 to 1000000") }
        do { _ = try FaultSpec(parsing: faults) } catch { throw ValidationError("--faults: \(error)") }
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
                \(orders) orders, seed \(seed), time scale \(timeScale)x, rate limits \(noRateLimits ? "off" : "on")\(configuration.faults.isEmpty ? "" : ", faults \(configuration.faults)")
                Ctrl-C stops it.

                """
            FileHandle.standardOutput.write(Data(banner.utf8))
        }
    }
}
