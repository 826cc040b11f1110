/// A stored checkpoint this release cannot read.
public struct AmazonCheckpointError: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "the source's checkpoint cannot be read: \(reason)" }
}
