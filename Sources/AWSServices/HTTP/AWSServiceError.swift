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
        self.message = message
        self.requestID = requestID
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
    static let expiredCodes: Set<String> = ["ExpiredToken", "ExpiredTokenException", "RequestExpired"]
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
