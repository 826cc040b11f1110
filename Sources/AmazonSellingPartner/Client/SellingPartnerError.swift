/// A failed SP-API call: what went wrong, Amazon's words, and the request id support asks for.
public struct SellingPartnerError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: Code
    public var message: String
    /// `x-amzn-RequestId`, when Amazon sent one.
    public var requestID: String?
    public var status: Int?
    /// Amazon's error list, when the body had one.
    public var errors: [ErrorList.APIError]

    public init(code: Code, message: String, requestID: String?, status: Int?, errors: [ErrorList.APIError] = []) {
        self.code = code
        self.message = message
        self.requestID = requestID
        self.status = status
        self.errors = errors
    }

    public enum Code: String, Hashable, Sendable {
        /// LWA `invalid_grant`: the refresh token is no longer valid; the seller must authorise the app again.
        case invalidGrant = "invalid-grant"
        /// LWA `invalid_client`: the client id or secret is wrong (a rotated or expired secret).
        case invalidClient = "invalid-client"
        /// Another LWA refusal (`invalid_request`, `unauthorized_client`, `invalid_scope`, …).
        case tokenRefused = "token-refused"
        /// LWA could not issue a token for now (`server_error`, `temporarily_unavailable`, 5xx, 429).
        case tokenUnavailable = "token-unavailable"
        /// 400: Amazon refused the request's content (not retried).
        case invalidInput = "invalid-input"
        case unauthorized
        case notFound = "not-found"
        /// 429 after every retry.
        case throttled
        /// 5xx after every retry.
        case serverError = "server-error"
        /// The connection failed after every retry.
        case transport
        /// The answer could not be read.
        case malformedResponse = "malformed-response"
    }

    /// Whether retrying later can help.
    public var isRetryable: Bool {
        switch code {
        case .throttled, .serverError, .transport, .malformedResponse, .tokenUnavailable: true
        default: false
        }
    }

    public var description: String {
        var text = "SP-API \(code.rawValue)"
        if let status { text += " (HTTP \(status))" }
        text += ": \(message)"
        if let requestID { text += " [request \(requestID)]" }
        return text
    }
}
