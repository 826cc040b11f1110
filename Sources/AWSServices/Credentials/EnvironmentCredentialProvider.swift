import RequestSigning

/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, for temporary ones,
/// `AWS_SESSION_TOKEN` (AWS's standard variables). Read at each call, so a supervisor that
/// rotates them in the environment of a restarted process is followed.
public struct EnvironmentCredentialProvider: AWSCredentialProvider {
    let environment: @Sendable () -> [String: String]

    /// - Parameter environment: the variables to read (the process's by default).
    public init(environment: @escaping @Sendable () -> [String: String]) {
        self.environment = environment
    }

    /// Whether the variables are set at all (the default chain then uses them).
    public var isConfigured: Bool {
        let variables = environment()
        return variables["AWS_ACCESS_KEY_ID"].map { !$0.isEmpty } ?? false
    }

    public func credentials() async throws -> AWSCredentials { try load() }

    /// The credentials the variables hold now.
    public func load() throws -> AWSCredentials {
        let variables = environment()
        guard let key = variables["AWS_ACCESS_KEY_ID"], !key.isEmpty else {
            throw AWSCredentialsError("AWS_ACCESS_KEY_ID is not set")
        }
        guard let secret = variables["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw AWSCredentialsError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        }
        let token = variables["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token)
    }
}
