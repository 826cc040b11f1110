/// A secret configuration value (a client secret, a token, a webhook key).
///
/// It prints as `<redacted>` in every description, dump and mirror, so it cannot reach a log
/// or an error message by accident; read ``value`` where it is used.
public struct Secret: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself. Never log it.
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
