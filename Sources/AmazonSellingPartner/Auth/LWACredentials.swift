/// A Login with Amazon application's credentials and how to get tokens with them.
public struct LWACredentials: Sendable, CustomStringConvertible, CustomReflectable {
    public var clientID: String
    public var clientSecret: String
    public var grant: Grant

    public enum Grant: Sendable, Hashable {
        /// The seller's refresh token (from authorising the app): for seller operations.
        case refreshToken(String)
        /// Grantless operations, with a scope such as `sellingpartnerapi::notifications`.
        case clientCredentials(scope: String)
    }

    public init(clientID: String, clientSecret: String, grant: Grant) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.grant = grant
    }

    public var description: String { "LWACredentials(clientID: \(clientID), clientSecret: <redacted>, grant: <redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: ["clientID": clientID]) }
}
