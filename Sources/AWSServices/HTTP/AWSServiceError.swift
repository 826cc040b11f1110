import Foundation

/// An AWS service refused a call, or could not be reached.
///
/// The description names the service, the action, AWS's error code and request id: never the
/// request's body, keys or tokens.
public struct AWSServiceError: Error, Sendable, CustomStringConvertible {
    /// `sqs`, `sts`.
    public var service: String
    /// The action called (`ReceiveMessage`, `AssumeRole`).
    public var action: String
    /// The HTTP status; `0` when no answer arrived.
    public var status: Int
    /// AWS's error code (`AWS.SimpleQueueService.NonExistentQueue`, `ExpiredToken`,
    /// `SignatureDoesNotMatch`), or `Transport` when no answer arrived.
    public var code: String
    public var message: String
    public var requestID: String?

    public init(service: String, action: String, status: Int, code: String, message: String, requestID: String? = nil) {
        self.service = service
        self.action = action
        self.status = status
        self.code = code
        self.message = Self.redacted(message)
        self.requestID = requestID
    }

    /// A service's message without what must not reach a log: a signature refusal may echo the
    /// canonical request and string to sign, with the session token among the headers. Kept:
    /// the first line, up to any echo, at most 300 characters, token headers blanked.
    static func redacted(_ message: String) -> String {
        var text = Substring(message)
        for marker in ["The Canonical String", "The String-to-Sign", "Canonical String for this request"] {
            if let range = text.range(of: marker) { text = text[..<range.lowerBound] }
        }
        if let newline = text.firstIndex(where: \.isNewline) { text = text[..<newline] }
        let result = String(text.prefix(300)).trimmingCharacters(in: .whitespaces)
        guard let token = try? Regex(#"(?i)x-amz-security-token\s*[:=]\s*[^\s'",;]*"#) else { return result }
        return result.replacing(token, with: "x-amz-security-token:<redacted>")
    }

    /// Throttling, a server error or no answer: worth repeating after a pause.
    public var isRetryable: Bool {
        status == 0 || status >= 500 || status == 429 || Self.throttlingCodes.contains(code)
    }

    /// The temporary credentials the call was signed with have expired: fetch new ones and
    /// repeat.
    public var isExpiredCredentials: Bool {
        Self.expiredCodes.contains(code)
    }

    /// The credentials or the signature are wrong, or the identity may not do this: repeating
    /// will not help until someone changes the deployment or the policy.
    public var isAccessProblem: Bool {
        status == 403 || Self.accessCodes.contains(code)
    }

    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException", "KmsThrottled", "ServiceUnavailable", "InternalError", "InternalFailure", "RequestTimeout",
    ]
    /// `RequestExpired` is not here: it means the signing clock is off, not the credentials.
    static let expiredCodes: Set<String> = ["ExpiredToken", "ExpiredTokenException"]
    static let accessCodes: Set<String> = [
        "SignatureDoesNotMatch", "InvalidClientTokenId", "UnrecognizedClientException", "AccessDenied",
        "AccessDeniedException", "MissingAuthenticationToken", "IncompleteSignature", "InvalidSignatureException",
    ]

    public var description: String {
        var text = "\(service) \(action) failed: "
        text += status == 0 ? "no answer (\(message))" : "HTTP \(status) \(code): \(message)"
        if let requestID { text += " (request id \(requestID))" }
        return text
    }
}
