import Foundation

/// How a sandbox behaves: its credentials, its scenario, its clock, its limits and its faults.
public struct SandboxConfiguration: Sendable {
    /// 0: any free port.
    public var port: Int = 0
    /// Where `ORDER_CHANGE` notifications go, when the sandbox publishes them.
    public var notifications: SandboxNotificationSettings?
    public var host: String = "127.0.0.1"
    /// Orders in the scenario.
    public var orders: Int = 200
    public var seed: UInt64 = 1
    /// How much faster than real time this Amazon runs (60: an hour in a minute): the orders'
    /// timelines, and unless set otherwise the rate limits, the two-minute rule and the 24-hour
    /// pagination tokens. 1 is Amazon as it is.
    public var timeScale: Double = 1
    /// Share of orders that already exist at start (the rest arrive over `arrivalWindow`).
    public var existingShare: Double = 0.6
    /// How many of the existing orders were placed in the last minutes and still wait for payment
    /// verification (Pending) for 25 to 40 minutes after the start, so a newcomer sees Pending
    /// orders (hidden from the Orders page) at once.
    public var pendingAtStart: Int = 0
    /// Virtual seconds over which the remaining orders arrive.
    public var arrivalWindow: TimeInterval = 4 * 3600
    /// Enforce Amazon's per-operation token buckets.
    public var rateLimits: Bool = true
    /// Multiplies the documented rates (default: the time scale).
    public var rateScale: Double {
        get { explicitRateScale ?? timeScale }
        set { explicitRateScale = newValue }
    }
    public var faults: FaultSpec = FaultSpec()
    /// Amazon's rule: a `*Before` at least this many seconds before the request (default: two
    /// minutes of this Amazon's time).
    public var beforeLag: TimeInterval {
        get { explicitBeforeLag ?? 120 / timeScale }
        set { explicitBeforeLag = newValue }
    }
    /// "The token will expire after 24 hours" (default: 24 hours of this Amazon's time).
    public var paginationTokenLifetime: TimeInterval {
        get { explicitTokenLifetime ?? 24 * 3600 / timeScale }
        set { explicitTokenLifetime = newValue }
    }
    private var explicitRateScale: Double?
    private var explicitBeforeLag: TimeInterval?
    private var explicitTokenLifetime: TimeInterval?
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
///
/// `forbidden` answers an SP-API call with 403 whatever the token; `lwa500` and `lwa503` make the
/// token endpoint answer `server_error` (500) and `temporarily_unavailable` (503).
public struct FaultSpec: Sendable, Hashable, CustomStringConvertible {
    public var http500 = 0.0
    public var http503 = 0.0
    public var throttle = 0.0
    public var slow = 0.0
    public var slowDuration: TimeInterval = 2
    public var drop = 0.0
    public var malformed = 0.0
    public var forbidden = 0.0
    public var lwa500 = 0.0
    public var lwa503 = 0.0

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
            case "forbidden": forbidden = probability
            case "lwa500": lwa500 = probability
            case "lwa503": lwa503 = probability
            case "slow":
                slow = probability
                if valueParts.count == 2 {
                    let text = valueParts[1]
                    let number = text.hasSuffix("ms") ? Double(text.dropLast(2)).map { $0 / 1000 } : Double(text.hasSuffix("s") ? String(text.dropLast()) : text)
                    guard let number, number >= 0 else { throw SandboxError("fault `\(part)`: the delay must look like 2s or 500ms") }
                    slowDuration = number
                }
            default:
                throw SandboxError("unknown fault `\(pair[0])`; known: http500, http503, throttle, slow, drop, malformed, forbidden, lwa500, lwa503")
            }
        }
    }

    public var isEmpty: Bool { apiFaults == 0 && lwa500 + lwa503 == 0 }

    /// The summed probability of the faults drawn for SP-API calls.
    var apiFaults: Double { http500 + http503 + throttle + slow + drop + malformed + forbidden }

    public var description: String {
        var text = "http500=\(http500),http503=\(http503),throttle=\(throttle),slow=\(slow):\(slowDuration)s,drop=\(drop),malformed=\(malformed)"
        if forbidden > 0 { text += ",forbidden=\(forbidden)" }
        if lwa500 > 0 { text += ",lwa500=\(lwa500)" }
        if lwa503 > 0 { text += ",lwa503=\(lwa503)" }
        return text
    }
}

/// The sandbox was set up wrongly.
public struct SandboxError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
