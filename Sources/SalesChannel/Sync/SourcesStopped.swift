/// Sources `run --once` had to stop; thrown once every other source and the outbox are done.
public struct SourcesStopped: Error, CustomStringConvertible {
    /// Source id and the operator message, in the order they stopped.
    public var stops: [(sourceID: String, message: String)]

    public var description: String {
        stops.map { "source \($0.sourceID) stopped: \($0.message)" }.joined(separator: "\n")
    }
}
