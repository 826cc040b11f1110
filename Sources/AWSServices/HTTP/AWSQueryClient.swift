import AsyncHTTPClient
import NIOHTTP1
import Foundation

/// Calls to a service that speaks AWS's query protocol (STS, IAM): form-encoded POST bodies
/// with `Action` and `Version`, XML answers, errors as `<Error><Code>…</Code><Message>…`.
public struct AWSQueryClient: Sendable {
    let caller: AWSCaller
    /// The API version every call names (`2011-06-15` for STS, `2010-05-08` for IAM).
    public let version: String

    public init(
        service: String, version: String, region: String, endpoint: String, credentials: any AWSCredentialProvider, http: HTTPClient,
        retry: AWSRetryPolicy = AWSRetryPolicy(),
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }
    ) {
        self.version = version
        caller = AWSCaller(service: service, region: region, endpoint: endpoint, credentials: credentials, http: http, retry: retry, now: now, sleep: sleep)
    }

    /// Calls `action` with `fields`; answers the XML of a 2xx answer.
    /// - Throws: ``AWSServiceError`` with the service's code and message.
    public func call(_ action: String, _ fields: [(String, String)] = []) async throws -> String {
        let body = AWSFormEncoding.encode([("Action", action), ("Version", version)] + fields)
        let answer = try await caller.post(
            action: action, headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: Array(body.utf8), timeout: 30, readError: Self.readError)
        return String(decoding: answer.body, as: UTF8.self)
    }

    /// The first element `name` of an answer, its entities decoded.
    public static func value(of name: String, in xml: String) -> String? { AWSXML.value(of: name, in: xml) }

    /// `<ErrorResponse><Error><Code>…</Code><Message>…</Message></Error><RequestId>…`.
    static let readError: AWSCaller.ErrorReader = { answer in
        let xml = String(decoding: answer.body, as: UTF8.self)
        return (AWSXML.value(of: "Code", in: xml) ?? "HTTP\(answer.status)",
                AWSXML.value(of: "Message", in: xml) ?? String(xml.prefix(300)),
                AWSXML.value(of: "RequestId", in: xml) ?? answer.headers.first(name: "x-amzn-RequestId"))
    }
}
