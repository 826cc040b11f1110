import RequestSigning

/// Where the AWS credentials that sign SQS and STS calls come from.
///
/// Contract: ``credentials()`` answers valid credentials, fetching or refreshing them as needed
/// (temporary ones before they expire); ``invalidate(accessKeyID:)`` is called when AWS
/// answered that the credentials a call was signed with have expired, and the next
/// ``credentials()`` must not answer those again. Neither logs a secret.
public protocol AWSCredentialProvider: Sendable {
    func credentials() async throws -> AWSCredentials
    /// AWS answered that the credentials with this access key have expired.
    func invalidate(accessKeyID: String) async
}

extension AWSCredentialProvider {
    public func invalidate(accessKeyID: String) async {}
}

/// The credentials AWS's tools would use without further settings: the environment's
/// `AWS_ACCESS_KEY_ID`… when set, else the shared credentials file's `AWS_PROFILE` (or
/// `default`) profile. Read once, for a process that signs with them as they are (the sandbox).
public func defaultAWSCredentials(environment: [String: String]) throws -> AWSCredentials {
    let variables = EnvironmentCredentialProvider(environment: { environment })
    return try variables.isConfigured ? variables.load() : SharedCredentialsFileProvider.standard(environment: environment).load()
}

/// Credentials given once (a test's, or a host app's own).
public struct StaticCredentialProvider: AWSCredentialProvider {
    let value: AWSCredentials
    public init(_ credentials: AWSCredentials) { value = credentials }
    public func credentials() async throws -> AWSCredentials { value }
}

/// No credentials could be found, or a source of them is malformed. The description says
/// where was looked and what is missing, never a secret.
public struct AWSCredentialsError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
