import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import RequestSigning

/// Sends calls to one AWS service endpoint, each signed with SigV4 by `RequestSigning` at the
/// moment it is sent, and repeats those refused for a passing reason.
///
/// - Throttling, 5xx and no answer are repeated per ``AWSRetryPolicy`` (exponential back-off
///   with jitter, on the injected `sleep`).
/// - An answer saying the credentials have expired makes the provider drop them and the call
///   is repeated once with fresh ones.
/// - Anything else is thrown as ``AWSServiceError`` at once.
public struct AWSCaller: Sendable {
    /// The signing name (`sqs`, `sts`).
    public let service: String
    public let region: String
    /// Where calls are posted: `https://sqs.us-east-1.amazonaws.com/`, or a local server's.
    public let endpoint: String
    let credentials: any AWSCredentialProvider
    let http: HTTPClient
    let retry: AWSRetryPolicy
    let now: @Sendable () -> Date
    let sleep: @Sendable (TimeInterval) async throws -> Void

    /// An answer: status, headers and body.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: Data
    }

    /// How a service spells its errors: code, message and request id from an answer.
    typealias ErrorReader = @Sendable (Answer) -> (code: String, message: String, requestID: String?)

    public init(
        service: String, region: String, endpoint: String, credentials: any AWSCredentialProvider, http: HTTPClient,
        retry: AWSRetryPolicy = AWSRetryPolicy(),
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }
    ) {
        self.service = service
        self.region = region
        self.endpoint = endpoint
        self.credentials = credentials
        self.http = http
        self.retry = retry
        self.now = now
        self.sleep = sleep
    }

    /// Posts `body` with `headers`, signed; answers the first 2xx.
    /// - Parameter timeout: how long one attempt may take (a long poll's wait plus a margin).
    func post(
        action: String, headers: [(String, String)], body: [UInt8], timeout: TimeInterval, readError: ErrorReader
    ) async throws -> Answer {
        var random = SystemRandomNumberGenerator()
        var refreshedCredentials = false
        var attempt = 1
        while true {
            let failure: AWSServiceError
            var signedWith: String?
            do {
                let credentials = try await credentials.credentials()
                signedWith = credentials.accessKeyID
                let answer = try await postOnce(credentials, headers: headers, body: body, timeout: timeout)
                if (200..<300).contains(answer.status) { return answer }
                let (code, message, requestID) = readError(answer)
                failure = AWSServiceError(service: service, action: action, status: answer.status, code: code, message: message, requestID: requestID)
            } catch let error as AWSServiceError {
                throw error
            } catch let error as AWSCredentialsError {
                throw error
            } catch {
                try Task.checkCancellation()
                failure = AWSServiceError(service: service, action: action, status: 0, code: "Transport", message: String(describing: error))
            }
            if failure.isExpiredCredentials, !refreshedCredentials, let signedWith {
                refreshedCredentials = true
                await credentials.invalidate(accessKeyID: signedWith)
                continue
            }
            guard failure.isRetryable, attempt < retry.maxAttempts else { throw failure }
            try await sleep(retry.delay(after: attempt, using: &random))
            attempt += 1
        }
    }

    private func postOnce(_ credentials: AWSCredentials, headers: [(String, String)], body: [UInt8], timeout: TimeInterval) async throws -> Answer {
        let signer = SigV4Signer(credentials: credentials, region: region, service: service)
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        try request.signV4(with: signer, body: body, date: now())
        let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Data(buffer: bytes))
    }
}

extension String {
    /// The endpoint (`scheme://host[:port]/`) a URL such as a queue URL is served from.
    var endpointRoot: String? {
        guard let components = URLComponents(string: self), let scheme = components.scheme, let host = components.host else { return nil }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")/"
    }
}
