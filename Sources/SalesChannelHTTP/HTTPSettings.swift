import Foundation
import RequestSigning
import SalesChannel

/// The deployment's `http:` and `auth:` sections.
///
/// ```yaml
/// http:
///   address: 127.0.0.1:8080        # host:port; loopback unless said otherwise
///   sessionMinutes: 480            # how long a dashboard login lasts
///   secureCookies: false           # true when a TLS proxy serves the dashboard
///   ready:
///     syncIntervals: 3             # a source not synced for 3 poll intervals: not ready
///     oldestJobSeconds: 900        # a runnable job waiting longer: not ready
/// auth:
///   tokens:
///     - name: warehouse
///       sha256: 5e88…              # SHA-256 of the token, in hex; the token is never stored
///       role: operator             # viewer | operator
/// ```
public struct HTTPSettings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var sessionLifetime: TimeInterval = 8 * 3600
    public var secureCookies = false
    public var readySyncIntervals = 3.0
    public var readyOldestJob: TimeInterval = 900
    public var tokens: [APIToken] = []

    public init() {}

    /// Reads the two sections (both optional).
    public init(root: ConfigSection) throws(DeploymentError) {
        let http = try root.section("http")
        if let address = try http.string("address") {
            guard let parsed = Self.address(address) else {
                throw DeploymentError(file: http.file, key: http.keyPath("address"), problem: "`\(address)` is not HOST:PORT (for example 127.0.0.1:8080, or 0.0.0.0:8080 to serve beyond this machine)")
            }
            (host, port) = parsed
        }
        sessionLifetime = try http.double("sessionMinutes", default: 480, in: 1...(60 * 24 * 30)) * 60
        secureCookies = try http.bool("secureCookies", default: false)
        let ready = try http.section("ready")
        readySyncIntervals = try ready.double("syncIntervals", default: 3, in: 1...1000)
        readyOldestJob = try ready.double("oldestJobSeconds", default: 900, in: 1...(86400 * 30))

        let auth = try root.section("auth")
        var names: Set<String> = []
        for section in try auth.list("tokens") {
            let name = try section.requiredString("name")
            guard names.insert(name).inserted else {
                try root.report(DeploymentError(file: section.file, key: section.keyPath("name"), problem: "a second token named `\(name)`; give each token its own name"))
                continue
            }
            let digest = try section.requiredString("sha256").lowercased()
            guard let bytes = Hex.decode(digest), bytes.count == 32 else {
                try root.report(DeploymentError(
                    file: section.file, key: section.keyPath("sha256"),
                    problem: "must be the token's SHA-256 in hex (64 characters; `printf %s TOKEN | sha256sum`), never the token itself"))
                continue
            }
            let role = try section.choice("role", default: APIToken.Role.viewer)
            tokens.append(APIToken(name: name, sha256: bytes, role: role))
        }
    }

    /// `host:port`, `[v6]:port` or `:port` (loopback).
    public static func address(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }
}

/// A token the deployment declares: its name, the SHA-256 of its value, and its role.
public struct APIToken: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, CaseIterable, Comparable {
        /// Reads everything.
        case viewer
        /// Also ships, refreshes, retries and replays.
        case `operator`

        public static func < (lhs: Role, rhs: Role) -> Bool { lhs == .viewer && rhs == .operator }
    }

    public var name: String
    public var sha256: [UInt8]
    public var role: Role

    public init(name: String, sha256: [UInt8], role: Role) {
        self.name = name
        self.sha256 = sha256
        self.role = role
    }

    /// A token for this run only, for a deployment that declares none (the embedded default):
    /// its value, to be shown once to the person who started the server.
    public static func ephemeral(role: Role = .operator) -> (token: APIToken, value: String) {
        var generator = SystemRandomNumberGenerator()
        let value = "sc_" + Hex.encode((0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return (APIToken(name: "this-run", sha256: SHA256.hash(Array(value.utf8)), role: role), value)
    }
}

/// The tokens, checked in constant time against a presented value.
struct TokenBook: Sendable {
    let tokens: [APIToken]

    /// The declared token whose digest is the presented value's, if any.
    func token(presented value: String) -> APIToken? {
        let digest = SHA256.hash(Array(value.utf8))
        var found: APIToken?
        // Every token is compared, so the time taken says nothing about which one matched.
        for token in tokens where ConstantTime.equals(token.sha256, digest) { found = token }
        return found
    }
}
