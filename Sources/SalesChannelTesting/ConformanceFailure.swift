/// A conformance check that did not hold, naming the check and what was seen.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public var check: String
    public var message: String
    public var description: String { "\(check): \(message)" }
}

func require(_ condition: Bool, _ check: String, _ message: @autoclosure () -> String) throws {
    if !condition { throw ConformanceFailure(check: check, message: message()) }
}
