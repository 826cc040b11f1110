import AsyncHTTPClient
import Foundation
import RequestSigning

/// AWS Security Token Service over its query protocol, signed with SigV4 by `RequestSigning`.
public struct STSClient: Sendable {
    let query: AWSQueryClient

    /// - Parameter endpoint: `https://sts.<region>.amazonaws.com/` when `nil` (the regional
    ///   endpoint AWS recommends over the global one).
    public init(
        region: String, endpoint: String? = nil, credentials: any AWSCredentialProvider, http: HTTPClient,
        retry: AWSRetryPolicy = AWSRetryPolicy(),
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }
    ) {
        query = AWSQueryClient(
            service: "sts", version: "2011-06-15", region: region, endpoint: endpoint ?? "https://sts.\(region).amazonaws.com/",
            credentials: credentials, http: http, retry: retry, now: now, sleep: sleep)
    }

    /// Temporary credentials and when they expire.
    public struct TemporaryCredentials: Sendable {
        public var credentials: AWSCredentials
        public var expiration: Date
    }

    /// `AssumeRole`: temporary credentials for `roleARN`.
    /// - Parameters:
    ///   - sessionName: names the session in CloudTrail (2–64 of `[\w+=,.@-]`).
    ///   - externalID: the value the role's trust policy asks for, when it does.
    ///   - durationSeconds: 900…43,200 (the role's maximum applies).
    public func assumeRole(roleARN: String, sessionName: String, externalID: String? = nil, durationSeconds: Int = 3600) async throws -> TemporaryCredentials {
        var fields = [("RoleArn", roleARN), ("RoleSessionName", sessionName), ("DurationSeconds", String(durationSeconds))]
        if let externalID { fields.append(("ExternalId", externalID)) }
        let xml = try await query.call("AssumeRole", fields)
        guard let key = AWSXML.value(of: "AccessKeyId", in: xml), let secret = AWSXML.value(of: "SecretAccessKey", in: xml),
            let token = AWSXML.value(of: "SessionToken", in: xml), let expirationText = AWSXML.value(of: "Expiration", in: xml),
            let expiration = Self.date(expirationText)
        else {
            throw AWSServiceError(service: "sts", action: "AssumeRole", status: 200, code: "MalformedAnswer",
                                  message: "the answer has no complete Credentials element",
                                  requestID: AWSXML.value(of: "RequestId", in: xml))
        }
        return TemporaryCredentials(credentials: AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token), expiration: expiration)
    }

    /// ISO 8601 with or without fractional seconds (`2026-11-29T01:02:03Z`, `…03.123Z`).
    static func date(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
