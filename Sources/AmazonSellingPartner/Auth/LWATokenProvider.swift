import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Gets and caches Login with Amazon access tokens.
///
/// A token is refreshed 60 seconds before it expires (as Amazon's own clients do), and however
/// many requests wait for a token at once, only one refresh is in flight. LWA's answers become
/// distinct ``SellingPartnerError`` codes: `invalid_grant` (the seller must authorise the app
/// again), `invalid_client` (the client secret was rotated or is wrong), other refusals, and
/// `server_error`/`temporarily_unavailable`/5xx/429 (``SellingPartnerError/Code/tokenUnavailable``,
/// worth retrying).
public actor LWATokenProvider {
    public let credentials: LWACredentials
    public let endpoint: String
    private let http: HTTPClient
    private let clock: WallClock
    private var cached: (token: String, expires: Date)?
    private var refreshing: Task<(String, Date), any Error>?
    /// Token requests made, for tests and figures.
    public private(set) var refreshCount = 0

    /// - Parameter endpoint: `https://api.amazon.com/auth/o2/token`, or a sandbox's.
    public init(credentials: LWACredentials, endpoint: String = "https://api.amazon.com/auth/o2/token",
                http: HTTPClient, clock: WallClock = .system) {
        self.credentials = credentials
        self.endpoint = endpoint
        self.http = http
        self.clock = clock
    }

    /// A valid access token, refreshing it when it has less than 60 s left.
    public func accessToken() async throws -> String {
        if let cached, cached.expires.timeIntervalSince(clock.now()) > 60 { return cached.token }
        if let refreshing { return try await refreshing.value.0 }
        let task = Task { try await self.requestToken() }
        refreshing = task
        defer { refreshing = nil }
        let (token, expires) = try await task.value
        cached = (token, expires)
        return token
    }

    /// Forgets the cached token (after Amazon refused it).
    public func invalidate() { cached = nil }

    private func requestToken() async throws -> (String, Date) {
        refreshCount += 1
        var fields = [("client_id", credentials.clientID), ("client_secret", credentials.clientSecret)]
        switch credentials.grant {
        case .refreshToken(let token): fields += [("grant_type", "refresh_token"), ("refresh_token", token)]
        case .clientCredentials(let scope): fields += [("grant_type", "client_credentials"), ("scope", scope)]
        }
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded;charset=UTF-8")
        request.body = .bytes(ByteBuffer(string: fields.map { "\($0.0)=\(QueryEncoding.encode($0.1))" }.joined(separator: "&")))
        let started = clock.now()
        let response: HTTPClientResponse
        let body: Data
        do {
            response = try await http.execute(request, timeout: .seconds(30))
            body = Data(buffer: try await response.body.collect(upTo: 1 << 20))
        } catch {
            throw SellingPartnerError(code: .transport, message: "the token endpoint did not answer: \(error)", requestID: nil, status: nil)
        }
        let requestID = response.headers.first(name: "x-amzn-RequestId")
        struct Token: Decodable { var access_token: String; var expires_in: Int }
        struct Failure: Decodable { var error: String; var error_description: String? }
        if response.status == .ok, let token = try? JSONDecoder().decode(Token.self, from: body) {
            return (token.access_token, started.addingTimeInterval(TimeInterval(token.expires_in)))
        }
        let failure = try? JSONDecoder().decode(Failure.self, from: body)
        let code: SellingPartnerError.Code
        switch failure?.error {
        case "invalid_grant": code = .invalidGrant
        case "invalid_client": code = .invalidClient
        case "server_error", "temporarily_unavailable": code = .tokenUnavailable
        case nil where response.status.code >= 500 || response.status.code == 429 || response.status == .ok: code = .tokenUnavailable
        default: code = response.status.code >= 500 ? .tokenUnavailable : .tokenRefused
        }
        // LWA's own description only: it never repeats the secret or the refresh token.
        let described = [failure?.error, failure?.error_description].compactMap { $0 }.joined(separator: ": ")
        throw SellingPartnerError(code: code, message: "Login with Amazon: " + (described.isEmpty ? "HTTP \(response.status.code)" : described),
                                  requestID: requestID, status: Int(response.status.code))
    }
}
