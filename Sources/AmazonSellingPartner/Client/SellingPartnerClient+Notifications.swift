import AsyncHTTPClient
import Foundation
import NIOHTTP1

/// Notifications API v1: destinations and subscriptions, each operation within its documented
/// usage plan (1 request per second, burst 5).
///
/// The destination operations and the by-id subscription operations are grantless: call them
/// on a client from ``grantless(scope:)``. `getSubscription` and `createSubscription` act for a
/// selling partner and need the seller's own client.
extension SellingPartnerClient {
    /// This client with a token of the application itself (LWA `client_credentials` with
    /// `scope`), for grantless operations: the same endpoint, rate limiter and clock.
    public func grantless(scope: String = "sellingpartnerapi::notifications") -> SellingPartnerClient {
        let grantless = LWATokenProvider(
            credentials: LWACredentials(clientID: tokens.credentials.clientID, clientSecret: tokens.credentials.clientSecret, grant: .clientCredentials(scope: scope)),
            endpoint: tokens.endpoint, http: http, clock: clock)
        return SellingPartnerClient(configuration: configuration, tokens: grantless, http: http, limiter: limiter, logger: logger, clock: clock)
    }

    struct Wrapped<Payload: Decodable>: Decodable { var payload: Payload? }

    // MARK: Destinations (grantless)

    /// Every destination of the application (`getDestinations`).
    public func destinations() async throws -> [NotificationDestination] {
        try await send("getDestinations", method: .GET, path: "/notifications/v1/destinations", query: []) {
            try SPAPIJSON.decoder().decode(Wrapped<[NotificationDestination]>.self, from: $0).payload ?? []
        } ?? []
    }

    /// Creates a destination for an SQS queue (`createDestination`).
    public func createDestination(name: String, sqsARN: String) async throws -> NotificationDestination {
        struct Request: Encodable {
            var name: String
            var resourceSpecification: NotificationDestination.Resource
        }
        let body = try JSONEncoder().encode(Request(name: name, resourceSpecification: .init(sqs: .init(arn: sqsARN))))
        return try await payload("createDestination", method: .POST, path: "/notifications/v1/destinations", body: Array(body))
    }

    /// One destination by id (`getDestination`); `nil` when Amazon has none.
    public func destination(_ id: String) async throws -> NotificationDestination? {
        do {
            return try await payload("getDestination", method: .GET, path: "/notifications/v1/destinations/\(QueryEncoding.encode(id))")
        } catch let error as SellingPartnerError where error.code == .notFound { return nil }
    }

    /// Deletes a destination (`deleteDestination`).
    public func deleteDestination(_ id: String) async throws {
        _ = try await send("deleteDestination", method: .DELETE, path: "/notifications/v1/destinations/\(QueryEncoding.encode(id))", query: []) { _ in }
    }

    // MARK: Subscriptions

    /// The selling partner's subscription to `notificationType` (`getSubscription`, with the
    /// seller's token); `nil` when there is none.
    public func subscription(to notificationType: String, payloadVersion: String? = nil) async throws -> NotificationSubscription? {
        do {
            return try await payload(
                "getSubscription", method: .GET, path: "/notifications/v1/subscriptions/\(QueryEncoding.encode(notificationType))",
                query: payloadVersion.map { [("payloadVersion", $0)] } ?? [])
        } catch let error as SellingPartnerError where error.code == .notFound { return nil }
    }

    /// Subscribes the selling partner to `notificationType` (`createSubscription`, with the
    /// seller's token). Amazon refuses a second subscription to one type with a 409.
    public func createSubscription(
        to notificationType: String, payloadVersion: String = "1.0", destinationID: String, processingDirective: ProcessingDirective? = nil
    ) async throws -> NotificationSubscription {
        struct Request: Encodable {
            var payloadVersion: String
            var destinationId: String
            var processingDirective: ProcessingDirective?
        }
        let body = try JSONEncoder().encode(Request(payloadVersion: payloadVersion, destinationId: destinationID, processingDirective: processingDirective))
        return try await payload(
            "createSubscription", method: .POST, path: "/notifications/v1/subscriptions/\(QueryEncoding.encode(notificationType))", body: Array(body))
    }

    /// One subscription by id (`getSubscriptionById`, grantless); `nil` when Amazon has none.
    public func subscription(_ id: String, to notificationType: String) async throws -> NotificationSubscription? {
        do {
            return try await payload(
                "getSubscriptionById", method: .GET,
                path: "/notifications/v1/subscriptions/\(QueryEncoding.encode(notificationType))/\(QueryEncoding.encode(id))")
        } catch let error as SellingPartnerError where error.code == .notFound { return nil }
    }

    /// Ends a subscription (`deleteSubscriptionById`, grantless).
    public func deleteSubscription(_ id: String, to notificationType: String) async throws {
        _ = try await send(
            "deleteSubscriptionById", method: .DELETE,
            path: "/notifications/v1/subscriptions/\(QueryEncoding.encode(notificationType))/\(QueryEncoding.encode(id))", query: []) { _ in }
    }

    private func payload<T: Decodable>(
        _ operation: String, method: HTTPMethod, path: String, query: [(String, String)] = [], body: [UInt8]? = nil
    ) async throws -> T {
        let decoded = try await send(operation, method: method, path: path, query: query, body: body) { data -> T in
            guard let payload = try SPAPIJSON.decoder().decode(Wrapped<T>.self, from: data).payload else {
                throw SellingPartnerError(code: .malformedResponse, message: "\(operation) answered without a payload", requestID: nil, status: nil)
            }
            return payload
        }
        guard let decoded else {
            throw SellingPartnerError(code: .malformedResponse, message: "\(operation) gave no answer", requestID: nil, status: nil)
        }
        return decoded
    }
}
