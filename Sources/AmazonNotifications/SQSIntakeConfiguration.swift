import AWSServices
import AsyncHTTPClient
import Foundation
import RequestSigning
import SalesChannel

/// The settings of an `amazon-sqs` intake, read from its section of the deployment file
/// (every key is described in ``SQSOrderChangeIntake/descriptor``).
public struct SQSIntakeConfiguration: Sendable {
    /// The queue Amazon's notification destination points at.
    public var queueURL: String
    /// The queue's region (from an AWS queue URL when not set).
    public var region: String?
    /// Where SQS calls go when not the queue URL's own host (LocalStack, moto).
    public var endpoint: String?
    public var credentials: CredentialSettings = CredentialSettings()
    /// Seconds one `ReceiveMessage` waits for messages (a long poll, 1…20).
    public var waitSeconds = 20
    /// Messages per `ReceiveMessage` (1…10).
    public var maxMessages = 10
    /// Seconds a received message stays hidden from other consumers; extended while its work runs.
    public var visibilitySeconds = 60
    /// Notices for one order within this many seconds share one `getOrder`.
    public var coalesceSeconds = 2.0
    /// Receipts of a message whose refresh keeps failing before it is quarantined and deleted.
    public var maxReceives = 5
    /// Orders refreshed at once, per receiver.
    public var concurrency = 4
    /// Long polls in flight at once: while one batch's orders refresh, the next is received.
    public var receivers = 2
    /// While notices flow, each source they serve is polled this often (a safety net).
    public var pollWhileFlowing: TimeInterval = 900
    /// Polling returns to its normal interval when no notice arrived for this long.
    public var quietPeriod: TimeInterval = 600

    public init(queueURL: String) { self.queueURL = queueURL }

    /// How the AWS credentials are found.
    public struct CredentialSettings: Sendable {
        /// A profile of the shared credentials file; without one, the environment's
        /// `AWS_ACCESS_KEY_ID`… when set, else the file's `AWS_PROFILE` or `default`.
        public var profile: String?
        /// The shared credentials file (`~/.aws/credentials` or `AWS_SHARED_CREDENTIALS_FILE`).
        public var file: String?
        /// A role to assume with STS, signed with the credentials above.
        public var roleARN: String?
        public var externalID: String?
        public var sessionName = "saleschannel"
        public var durationSeconds = 3600
        /// STS endpoint when not `https://sts.<region>.amazonaws.com/`.
        public var stsEndpoint: String?
        public init() {}
    }

    /// The queue's name, the last segment of its URL.
    public var queueName: String { queueURL.split(separator: "/").last.map(String.init) ?? queueURL }

    /// Reads a section; problems name the file, the key and what is allowed.
    public init(section: ConfigSection) throws(DeploymentError) {
        guard let url = try section.url("queueUrl") else {
            throw DeploymentError(file: section.file, key: section.keyPath("queueUrl"), problem: "the SQS queue's URL is required (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)")
        }
        queueURL = url.absoluteString
        region = try section.string("region")
        endpoint = try section.url("endpoint")?.absoluteString
        if region == nil, SQSClient.region(ofQueueURL: queueURL) == nil {
            throw DeploymentError(file: section.file, key: section.keyPath("region"), problem: "the region cannot be told from `\(queueURL)`; set `region`")
        }
        waitSeconds = try section.int("waitSeconds", default: 20, in: 1...20)
        maxMessages = try section.int("maxMessages", default: 10, in: 1...10)
        visibilitySeconds = try section.int("visibilitySeconds", default: 60, in: 10...43_200)
        coalesceSeconds = try section.double("coalesceSeconds", default: 2, in: 0...60)
        maxReceives = try section.int("maxReceives", default: 5, in: 1...1000)
        concurrency = try section.int("concurrency", default: 4, in: 1...64)
        receivers = try section.int("receivers", default: 2, in: 1...16)
        pollWhileFlowing = try section.double("pollWhileFlowingMinutes", default: 15, in: 0.001...1440) * 60
        quietPeriod = try section.double("quietMinutes", default: 10, in: 0.001...1440) * 60
        let aws = try section.section("credentials")
        credentials.profile = try aws.string("profile")
        credentials.file = try aws.string("file")
        credentials.roleARN = try aws.string("roleArn")
        if let role = credentials.roleARN, !role.hasPrefix("arn:") {
            throw DeploymentError(file: section.file, key: aws.keyPath("roleArn"), problem: "`\(role)` is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
        }
        credentials.externalID = try aws.secret("externalId")?.value
        credentials.sessionName = try aws.string("sessionName") ?? "saleschannel"
        credentials.durationSeconds = try aws.int("durationSeconds", default: 3600, in: 900...43_200)
        credentials.stsEndpoint = try aws.url("stsEndpoint")?.absoluteString
        try aws.checkNoUnknownKeys()
    }

    /// The credential provider these settings describe.
    public func credentialProvider(environment: [String: String], http: HTTPClient, clock: any SalesChannelClock) -> any AWSCredentialProvider {
        let base: any AWSCredentialProvider
        let environmentProvider = EnvironmentCredentialProvider(environment: { environment })
        if credentials.profile == nil, credentials.file == nil, environmentProvider.isConfigured {
            base = environmentProvider
        } else {
            let standard = SharedCredentialsFileProvider.standard(environment: environment)
            base = SharedCredentialsFileProvider(path: credentials.file ?? standard.path, profile: credentials.profile ?? standard.profile)
        }
        guard let roleARN = credentials.roleARN else { return base }
        let signingRegion = region ?? SQSClient.region(ofQueueURL: queueURL) ?? "us-east-1"
        let sts = STSClient(region: signingRegion, endpoint: credentials.stsEndpoint, credentials: base, http: http,
                            now: { clock.now() }, sleep: { try await clock.sleep(seconds: $0) })
        return AssumeRoleCredentialProvider(
            roleARN: roleARN, sessionName: credentials.sessionName, externalID: credentials.externalID,
            durationSeconds: credentials.durationSeconds, sts: sts, now: { clock.now() })
    }
}
