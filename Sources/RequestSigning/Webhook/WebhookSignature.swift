import Foundation
import Synchronization

/// Signatures on webhook bodies, so a receiver can tell that a request came from SalesChannel,
/// unaltered and recently.
///
/// Header: `SalesChannel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. While
/// a secret is being rotated, one `v1` entry per secret is sent; a receiver accepts the request if
/// any of them verifies with a secret it holds. The scheme is documented, with verification code
/// in Swift and Python, in `docs/webhook-signatures.md`.
public enum WebhookSignature {
    /// The header that carries the signature.
    public static let headerName = "SalesChannel-Signature"

    /// The bytes that are signed: the timestamp, a dot, and the body exactly as sent.
    static func signedPayload(timestamp: Int64, body: some Sequence<UInt8>) -> [UInt8] {
        Array("\(timestamp).".utf8) + body
    }
}

/// Signs webhook bodies with one or more secrets (the first is current; the others are being
/// rotated in or out).
public struct WebhookSigner: Sendable {
    private let keys: [HMACSHA256]

    /// - Parameter secrets: the current secret first; every one yields a `v1` entry.
    public init(secrets: [String]) throws {
        precondition(!secrets.isEmpty, "a webhook signer needs at least one secret")
        keys = try secrets.map { try HMACSHA256(key: Array($0.utf8)) }
    }

    /// The `SalesChannel-Signature` header value for `body` sent at `date`.
    public func headerValue(for body: some Collection<UInt8>, at date: Date = Date()) -> String {
        let timestamp = Int64(date.timeIntervalSince1970.rounded(.down))
        let payload = WebhookSignature.signedPayload(timestamp: timestamp, body: body)
        return (["t=\(timestamp)"] + keys.map { "v1=" + Hex.encode($0.authenticationCode(for: payload)) }).joined(separator: ",")
    }
}

/// Verifies `SalesChannel-Signature` headers: a fresh timestamp, a matching `v1` (compared in
/// constant time), and, with a ``ReplayGuard``, never the same signature twice.
public struct WebhookVerifier: Sendable {
    private let keys: [HMACSHA256]
    /// How far the timestamp may be from the receiver's clock, either way, in seconds.
    public var tolerance: TimeInterval
    public var replayGuard: ReplayGuard?

    public init(secrets: [String], tolerance: TimeInterval = 300, replayGuard: ReplayGuard? = ReplayGuard()) throws {
        precondition(!secrets.isEmpty, "a webhook verifier needs at least one secret")
        keys = try secrets.map { try HMACSHA256(key: Array($0.utf8)) }
        self.tolerance = tolerance
        self.replayGuard = replayGuard
    }

    /// Throws unless `header` is a valid signature of `body`.
    public func verify(header: String?, body: some Collection<UInt8>, now: Date = Date()) throws(WebhookSignatureError) {
        guard let header, !header.isEmpty else { throw .missing }
        var timestamp: Int64?
        var candidates: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { throw .malformed }
            switch pair[0] {
            case "t": timestamp = Int64(pair[1])
            case "v1": if let bytes = Hex.decode(pair[1]), bytes.count == 32 { candidates.append(bytes) }
            default: continue  // later schemes may add entries
            }
        }
        guard let timestamp, !candidates.isEmpty else { throw .malformed }
        let age = now.timeIntervalSince1970 - TimeInterval(timestamp)
        guard abs(age) <= tolerance else { throw .outsideTolerance(seconds: Int(age)) }
        let payload = WebhookSignature.signedPayload(timestamp: timestamp, body: body)
        var matched: [UInt8]?
        for key in keys {
            let expected = key.authenticationCode(for: payload)
            for candidate in candidates where ConstantTime.equals(candidate, expected) { matched = candidate }
        }
        guard let matched else { throw .mismatch }
        if let replayGuard, !replayGuard.firstSighting(of: matched, expires: Date(timeIntervalSince1970: TimeInterval(timestamp) + tolerance), now: now) {
            throw .replayed
        }
    }
}

/// Remembers the signatures seen within the tolerance window, so a captured request cannot be
/// sent again. Share one per receiving endpoint.
public final class ReplayGuard: Sendable {
    private let seen = Mutex<[[UInt8]: Date]>([:])
    public init() {}

    /// Records a signature; false when it was seen before and has not expired.
    func firstSighting(of signature: [UInt8], expires: Date, now: Date) -> Bool {
        seen.withLock { seen in
            if seen.count > 10_000 { seen = seen.filter { $0.value > now } }
            if let until = seen[signature], until > now { return false }
            seen[signature] = expires
            return true
        }
    }
}

/// Why a webhook signature was refused. Says nothing about the secret.
public enum WebhookSignatureError: Error, Hashable, Sendable, CustomStringConvertible {
    case missing
    case malformed
    case outsideTolerance(seconds: Int)
    case mismatch
    case replayed

    public var description: String {
        switch self {
        case .missing: "no \(WebhookSignature.headerName) header"
        case .malformed: "the \(WebhookSignature.headerName) header is not `t=<seconds>,v1=<hex>`"
        case .outsideTolerance(let seconds): "the signature is \(seconds) s away from this clock, outside the tolerance"
        case .mismatch: "no v1 signature matches the body with a known secret"
        case .replayed: "this signature was already used"
        }
    }
}
