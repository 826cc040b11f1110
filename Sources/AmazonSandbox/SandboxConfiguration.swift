import Foundation

/// How a sandbox behaves: its credentials, its scenario, its clock, its limits and its faults.
public struct SandboxConfiguration: Sendable {
    /// 0: any free port.
    public var port: Int = 0
    public var host: String = "127.0.0.1"
    /// Orders in the scenario.
    public var orders: Int = 200
    public var seed: UInt64 = 1
    /// How much faster than real time orders move through their timelines (60: an hour in a minute).
    public var timeScale: Double = 1
    /// Share of orders that already exist at start (the rest arrive over `arrivalWindow`).
    public var existingShare: Double = 0.6
    /// Virtual seconds over which the remaining orders arrive.
    public var arrivalWindow: TimeInterval = 4 * 3600
    /// Enforce Amazon's per-operation token buckets.
    public var rateLimits: Bool = true
    /// Multiplies the documented rates (tests speed the buckets up with it).
    public var rateScale: Double = 1
    public var faults: FaultSpec = FaultSpec()
    /// Amazon's rule: `*Before` at least this many seconds in the past.
    public var beforeLag: TimeInterval = 120
    public var paginationTokenLifetime: TimeInterval = 24 * 3600
    public var tokenLifetime: Int = 3600
    public var clientID = "amzn1.application-oa2-client.sandbox"
    public var clientSecret = "sandbox-client-secret"
    public var refreshToken = "Atzr|sandbox-refresh-token"
    public var sellerID = "A1SANDBOXSELLER"
    public var marketplaceID = "ATVPDKIKX0DER"
    /// The scenario's time zero (default: when the sandbox starts). Keeping it across restarts keeps
    /// the orders' timestamps the same.
    public var start: Date?

    public init() {}
}

/// Faults to inject, each a probability per request: `http500=0.05,http503=0.02,throttle=0.05,slow=0.01:2s,drop=0.01,malformed=0.005`.
public struct FaultSpec: Sendable, Hashable, CustomStringConvertible {
    public var http500 = 0.0
    public var http503 = 0.0
    public var throttle = 0.0
    public var slow = 0.0
    public var slowDuration: TimeInterval = 2
    public var drop = 0.0
    public var malformed = 0.0

    public init() {}

    /// Parses the `--faults` syntax. - Throws: ``SandboxError`` naming the part it cannot read.
    public init(parsing text: String) throws {
        self.init()
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { throw SandboxError("fault `\(part)` is not NAME=PROBABILITY") }
            let valueParts = pair[1].split(separator: ":", maxSplits: 1).map(String.init)
            guard let probability = Double(valueParts[0]), (0...1).contains(probability) else {
                throw SandboxError("fault `\(part)`: the probability must be a number from 0 to 1")
            }
            switch pair[0] {
            case "http500": http500 = probability
            case "http503": http503 = probability
            case "throttle": throttle = probability
            case "drop": drop = probability
            case "malformed": malformed = probability
            case "slow":
                slow = probability
                if valueParts.count == 2 {
                    let text = valueParts[1]
                    let number = text.hasSuffix("ms") ? Double(text.dropLast(2)).map { $0 / 1000 } : Double(text.hasSuffix("s") ? String(text.dropLast()) : text)
                    guard let number, number >= 0 else { throw SandboxError("fault `\(part)`: the delay must look like 2s or 500ms") }
                    slowDuration = number
                }
            default:
                throw SandboxError("unknown fault `\(pair[0])`; known: http500, http503, throttle, slow, drop, malformed")
            }
        }
    }

    public var isEmpty: Bool { http500 + http503 + throttle + slow + drop + malformed == 0 }

    public var description: String {
        "http500=\(http500),http503=\(http503),throttle=\(throttle),slow=\(slow):\(slowDuration)s,drop=\(drop),malformed=\(malformed)"
    }
}

/// The sandbox was set up wrongly.
public struct SandboxError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
