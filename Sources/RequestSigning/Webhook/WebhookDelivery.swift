import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// POSTs JSON to a receiver with a ``WebhookSigner`` signature and an idempotency key, and sorts
/// the answer into delivered, worth retrying, or refused.
///
/// Headers sent: `Content-Type: application/json`, `SalesChannel-Signature` (see
/// docs/webhook-signatures.md), `Idempotency-Key` (the same on every retry of one delivery) and
/// `SalesChannel-Event` (what the body is). A 2xx answer is delivered; 408, 429, 5xx, timeouts and
/// connection failures are worth retrying; any other answer is a refusal, kept with the first
/// 1,000 characters of the receiver's body. The URL's query is never repeated in errors (it may
/// carry a token).
public struct WebhookDelivery: Sendable {
    public let url: URL
    public let signer: WebhookSigner
    public var timeout: TimeInterval
    public let http: HTTPClient

    /// The HTTP client webhook deliveries share unless given another. It never follows a
    /// redirect: the signed body (a buyer's address among it) goes to the configured URL or
    /// nowhere, and a 3xx answer is a refusal naming where it pointed.
    public static let sharedHTTPClient = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    public init(url: URL, signer: WebhookSigner, timeout: TimeInterval = 30, http: HTTPClient = WebhookDelivery.sharedHTTPClient) {
        self.url = url
        self.signer = signer
        self.timeout = timeout
        self.http = http
    }

    /// What a receiver said to a delivered request.
    public struct Answer: Sendable {
        public var status: Int
        public var body: String
    }

    /// Delivers `body`. - Returns: the receiver's 2xx answer. - Throws: ``WebhookDeliveryError``.
    /// - Parameter replay: the generation of a replayed delivery (2, 3, …), sent as
    ///   `SalesChannel-Replay`; `nil` for the first.
    public func post(_ body: [UInt8], idempotencyKey: String, event: String, replay: Int? = nil, at date: Date = Date()) async throws -> Answer {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "SalesChannel/1.0 (Language=Swift)")
        request.headers.add(name: WebhookSignature.headerName, value: signer.headerValue(for: body, at: date))
        request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        request.headers.add(name: "SalesChannel-Event", value: event)
        if let replay { request.headers.add(name: "SalesChannel-Replay", value: String(replay)) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let target = "\(url.scheme ?? "http")://\(url.host ?? "?")\(url.port.map { ":\($0)" } ?? "")\(url.path)"
        let response: HTTPClientResponse
        let text: String
        do {
            response = try await http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let buffer = try await response.body.collect(upTo: 64 * 1024)
            text = String(buffer: buffer)
        } catch {
            throw WebhookDeliveryError(kind: .unavailable, status: nil, body: "", target: target, cause: Self.describe(error))
        }
        let status = Int(response.status.code)
        switch status {
        case 200..<300:
            return Answer(status: status, body: text)
        case 408, 429, 500..<600:
            throw WebhookDeliveryError(kind: .unavailable, status: status, body: String(text.prefix(1_000)), target: target, cause: nil)
        case 300..<400:
            // Not followed: the receiver must be configured where it is.
            let location = response.headers.first(name: "Location").map { Self.withoutQuery($0) } ?? "(no Location)"
            throw WebhookDeliveryError(kind: .refused, status: status, body: "redirects to \(location), which is not followed; configure that URL if it is the receiver",
                                       target: target, cause: nil)
        default:
            throw WebhookDeliveryError(kind: .refused, status: status, body: String(text.prefix(1_000)), target: target, cause: nil)
        }
    }
}

extension WebhookDelivery {
    /// A URL as errors show it: no query (it may carry a token), no user info.
    static func withoutQuery(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return "(unreadable)" }
        components.query = nil
        components.user = nil
        components.password = nil
        return components.string ?? "(unreadable)"
    }

    /// A connection failure in a few words (NIO's descriptions of refused connections are long and nested).
    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") { return "no answer in time" }
        if text.contains("Connection refused") || text.contains("connectionRefused") { return "connection refused" }
        if text.contains("remoteConnectionClosed") { return "the connection was closed before an answer" }
        if let error = error as? HTTPClientError { return "\(error)" }
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}

/// A webhook delivery that did not succeed.
public struct WebhookDeliveryError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// Timeouts, connection failures, 408, 429 and 5xx: try again later.
        case unavailable
        /// Any other non-2xx answer: the receiver will not take this body as it is.
        case refused
    }

    public var kind: Kind
    public var status: Int?
    /// The start of the receiver's answer.
    public var body: String
    /// Scheme, host, port and path of the receiver (no query).
    public var target: String
    public var cause: String?

    public var isRetryable: Bool { kind == .unavailable }

    public var description: String {
        let answer = status.map { "answered \($0)" } ?? "could not be reached (\(cause ?? "no answer"))"
        let said = body.isEmpty ? "" : ": \(body)"
        return "\(target) \(answer)\(said)"
    }
}
