import AmazonSellingPartner
import SalesChannel

/// An Amazon source cannot go on without a person: its credentials were refused, or Amazon
/// refused the pages of a search window twice. See ``SourceStoppingError``.
public struct AmazonSourceStopped: SourceStoppingError, CustomStringConvertible {
    public var sourceID: String
    public var eventKind: MerchantEvent.Kind
    public var operatorMessage: String
    /// Amazon's answer (code, message, `x-amzn-RequestId`).
    public var error: SellingPartnerError

    /// Login with Amazon refused the credentials for good.
    static func authorization(_ error: SellingPartnerError, sourceID: String) -> AmazonSourceStopped {
        let what = switch error.code {
        case .invalidGrant:
            "Login with Amazon no longer accepts the seller's refresh token (invalid_grant): the seller must re-authorise the application in Seller Central, and the new refresh token must be set as this source's `refreshToken`."
        case .invalidClient:
            "Login with Amazon refused the application's credentials (invalid_client): the client secret was rotated or is wrong; set the current one as this source's `clientSecret` (and check `clientId`)."
        default:
            "Login with Amazon refused the credentials (\(error.message)); check `clientId`, `clientSecret` and `refreshToken`."
        }
        return AmazonSourceStopped(sourceID: sourceID, eventKind: .authorizationFailed, operatorMessage: what, error: error)
    }

    /// Amazon refused a window's page token, and again after the window was started over.
    static func windowRefused(_ error: SellingPartnerError, sourceID: String, window: String) -> AmazonSourceStopped {
        AmazonSourceStopped(
            sourceID: sourceID, eventKind: .sourceStopped,
            operatorMessage: "Amazon refused the next page of the search window \(window) twice, the second time after the window was started over (\(error.description)). The source stopped instead of asking again; its checkpoint is unchanged. Send this message with its request id to Amazon's developer support, then start it again.",
            error: error)
    }

    public var description: String { "source \(sourceID) stopped: \(operatorMessage)" }
}
