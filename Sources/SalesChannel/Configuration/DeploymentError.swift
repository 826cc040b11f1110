/// A deployment file that cannot be used, naming the file, the key and what is allowed.
///
/// Printed before anything runs. Secret values never appear in it.
public struct DeploymentError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// Dotted key path, for example `orderSettings.orderNumberSource` or `sinks[0].path`.
    public var key: String
    public var problem: String
    /// The allowed values or keys, when there is a fixed set.
    public var allowed: [String]

    public init(file: String, key: String, problem: String, allowed: [String] = []) {
        self.file = file
        self.key = key
        self.problem = problem
        self.allowed = allowed
    }

    public var description: String {
        var text = "\(file): \(key.isEmpty ? "(top level)" : key): \(problem)"
        if !allowed.isEmpty { text += "; allowed: \(allowed.joined(separator: ", "))" }
        return text
    }
}

/// Every problem of a deployment file, found in one pass (`config check` prints each on its own line).
public struct DeploymentErrors: Error, Hashable, Sendable, CustomStringConvertible {
    public var errors: [DeploymentError]
    public init(_ errors: [DeploymentError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
