import AWSServices
import AmazonChannel
import AsyncHTTPClient
import SalesChannel

/// The `amazon-sqs` intake: Amazon's `ORDER_CHANGE` notifications read from the seller's own
/// SQS queue, each changed order refreshed with `getOrder` (see ``SQSOrderChangeIntake``).
public enum AmazonNotifications {
    public static let descriptor = PluginDescriptor(
        name: "amazon-sqs", kind: .intake, summary: "Amazon ORDER_CHANGE notifications from an SQS queue (SigV4 over OpenSSL)",
        keys: [
            .init("id", "string", default: "amazon-sqs/<queue name>", "Names the intake in logs and quarantined notices"),
            .init("queueUrl", "URL", "The SQS queue Amazon's notification destination points at"),
            .init("region", "string", default: "from the queue URL", "The queue's AWS region"),
            .init("endpoint", "URL", default: "the queue URL's host", "Where SQS calls go (LocalStack, moto)"),
            .init("credentials.profile", "string", default: "environment, else AWS_PROFILE or default", "A profile of the shared credentials file"),
            .init("credentials.file", "path", default: "~/.aws/credentials or AWS_SHARED_CREDENTIALS_FILE", "The shared credentials file"),
            .init("credentials.roleArn", "ARN", "A role to assume with STS (its temporary credentials are refreshed before they expire)"),
            .init("credentials.externalId", "secret", "The external id the role's trust policy asks for", secret: true),
            .init("credentials.sessionName", "string", default: "saleschannel", "The STS session name (shown in CloudTrail)"),
            .init("credentials.durationSeconds", "900…43200", default: "3600", "How long assumed-role credentials last"),
            .init("credentials.stsEndpoint", "URL", default: "https://sts.<region>.amazonaws.com/", "Where STS calls go"),
            .init("waitSeconds", "1…20", default: "20", "Long-poll wait of each ReceiveMessage"),
            .init("maxMessages", "1…10", default: "10", "Messages per ReceiveMessage"),
            .init("visibilitySeconds", "10…43200", default: "60", "How long a received message stays hidden; extended while its order refreshes"),
            .init("coalesceSeconds", "0…60", default: "2", "Notices for one order within this share one getOrder"),
            .init("maxReceives", "1…1000", default: "5", "Receipts of a notice whose order keeps failing to refresh before it is quarantined"),
            .init("concurrency", "1…64", default: "4", "Orders refreshed at once, per receiver"),
            .init("receivers", "1…16", default: "2", "Long polls in flight at once (while one batch refreshes, the next is received)"),
            .init("pollWhileFlowingMinutes", "number", default: "15", "While notices flow, the sources they serve are polled this often (the safety net)"),
            .init("quietMinutes", "number", default: "10", "Polling returns to its normal interval when no notice came for this long"),
        ])

    /// Registers the `amazon-sqs` intake.
    public static func register(in registry: inout PluginRegistry, http: HTTPClient = AmazonSourceFactory.http) {
        registry.registerIntake(descriptor) { section, context in
            let configuration = try SQSIntakeConfiguration(section: section)
            let id = try section.string("id")
            let clock = context.clock
            let credentials = configuration.credentialProvider(environment: context.environment, http: http, clock: clock)
            let sqs: SQSClient
            do {
                sqs = try SQSClient(
                    queueURL: configuration.queueURL, region: configuration.region, endpoint: configuration.endpoint,
                    credentials: credentials, http: http, now: { clock.now() }, sleep: { try await clock.sleep(seconds: $0) })
            } catch {
                throw DeploymentError(file: section.file, key: section.keyPath("queueUrl"), problem: "\(error)")
            }
            return SQSOrderChangeIntake(configuration: configuration, sqs: sqs, id: id, clock: clock, logger: context.logger)
        }
    }
}
