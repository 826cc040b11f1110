import AWSServices
import AWSServicesTesting
import AsyncHTTPClient
import Foundation
import RequestSigning
import Testing

/// SQS (AWS JSON 1.0) and STS (query protocol) calls signed by `RequestSigning` and sent to a
/// `moto_server` that checks every signature.
@Suite(.enabled(if: ThrowawayMoto.isAvailable || ProcessInfo.processInfo.environment["CI"] != nil, Comment(rawValue: ThrowawayMoto.skipReason)))
struct MotoTests {
    /// Runs `body` with a fresh server, an HTTP client and the bootstrap user's credentials.
    func withMoto(_ body: (ThrowawayMoto, HTTPClient, AWSCredentials) async throws -> Void) async throws {
        let moto = try ThrowawayMoto()
        defer { moto.stop() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await moto.waitUntilReady(http: http)
            try await body(moto, http, try await moto.bootstrap(http: http))
        } catch {
            try await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    @Test func everySQSCallTheIntakeMakesIsAcceptedAndAWrongSecretIsRefused() async throws {
        try await withMoto { moto, http, user in
            let credentials = StaticCredentialProvider(user)
            let setup = try SQSClient(queueURL: moto.endpoint + "000000000000/setup", region: "us-east-1", credentials: credentials, http: http)
            let queueURL = try await setup.createQueue(named: "order-change", attributes: ["VisibilityTimeout": "30"])
            let sqs = try SQSClient(queueURL: queueURL, region: "us-east-1", credentials: credentials, http: http)

            let bodies = (0..<12).map { #"{"NotificationType":"ORDER_CHANGE","n":\#($0),"note":"ünïcödé & más <tag>"}"# }
            var sent = 0
            for start in stride(from: 0, to: bodies.count, by: 10) {
                let result = try await sqs.sendMessages(queueURL: queueURL, bodies[start..<min(start + 10, bodies.count)].map { ($0, 0) })
                #expect(result.failed.isEmpty, "SendMessageBatch: \(result.failed)")
                sent += result.succeeded.count
            }
            #expect(sent == 12)
            #expect(try await sqs.queueAttributes(queueURL: queueURL)["ApproximateNumberOfMessages"] == "12")

            var received: [SQSMessage] = []
            while received.count < 12 {
                let batch = try await sqs.receiveMessages(queueURL: queueURL, maxMessages: 10, waitSeconds: 1, visibilitySeconds: 30)
                #expect(batch.count <= 10)
                if batch.isEmpty { break }
                received += batch
            }
            #expect(Set(received.map(\.body)) == Set(bodies))
            #expect(received.allSatisfy { $0.sentAt != nil && $0.receiveCount == 1 })

            let kept = try await sqs.changeVisibility(queueURL: queueURL, receiptHandles: received.prefix(10).map(\.receiptHandle), seconds: 60)
            #expect(kept.succeeded.count == 10 && kept.failed.isEmpty)
            for start in stride(from: 0, to: received.count, by: 10) {
                let deleted = try await sqs.deleteMessages(queueURL: queueURL, receiptHandles: received[start..<min(start + 10, received.count)].map(\.receiptHandle))
                #expect(deleted.failed.isEmpty)
            }
            #expect(try await sqs.queueAttributes(queueURL: queueURL)["ApproximateNumberOfMessages"] == "0")

            // The same call signed with a wrong secret: refused, and not repeated.
            let forged = try SQSClient(
                queueURL: queueURL, region: "us-east-1",
                credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: user.accessKeyID, secretAccessKey: user.secretAccessKey + "x")),
                http: http)
            let refusal = await #expect(throws: AWSServiceError.self) { try await forged.receiveMessages(queueURL: queueURL, waitSeconds: 0) }
            #expect(refusal?.status == 403)
            #expect(refusal?.code == "SignatureDoesNotMatch" || refusal?.code == "InvalidSignatureException", "\(String(describing: refusal))")
            #expect(refusal?.isAccessProblem == true)
            #expect(refusal?.isRetryable == false)
            #expect(refusal.map { !$0.description.contains(user.secretAccessKey) } ?? false)

            // An unknown queue is named by SQS's code.
            let missing = await #expect(throws: AWSServiceError.self) {
                try await sqs.receiveMessages(queueURL: moto.endpoint + "000000000000/absent", waitSeconds: 0)
            }
            #expect(missing?.code.contains("NonExistentQueue") == true || missing?.code == "QueueDoesNotExist", "\(String(describing: missing))")
        }
    }

    @Test func anAssumedRolesTemporaryCredentialsSignSQSCallsAndAreRefreshedBeforeTheyExpire() async throws {
        try await withMoto { moto, http, user in
            let iam = moto.iam(user, http: http)
            // The role trusts the bootstrap user (moto checks the trust policy's principal).
            let userARN = try #require(AWSQueryClient.value(of: "Arn", in: try await iam.call("GetUser", [("UserName", "saleschannel")])))
            let trust = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"\#(userARN)"},"Action":"sts:AssumeRole"}]}"#
            let role = try await iam.call("CreateRole", [("RoleName", "saleschannel-intake"), ("AssumeRolePolicyDocument", trust)])
            let roleARN = try #require(AWSQueryClient.value(of: "Arn", in: role))
            _ = try await iam.call("PutRolePolicy", [("RoleName", "saleschannel-intake"), ("PolicyName", "all"), ("PolicyDocument", ThrowawayMoto.allowEverything)])

            let sts = STSClient(region: "us-east-1", endpoint: moto.endpoint, credentials: StaticCredentialProvider(user), http: http)
            let offset = OffsetClock()
            let provider = AssumeRoleCredentialProvider(roleARN: roleARN, sessionName: "intake-test", durationSeconds: 900, sts: sts, now: { offset.now() })
            let first = try await provider.credentials()
            #expect(first.sessionToken != nil)
            #expect(first.accessKeyID != user.accessKeyID)
            #expect(await provider.assumeCount == 1)

            let sqs = try SQSClient(queueURL: moto.endpoint + "000000000000/role-queue", region: "us-east-1", credentials: provider, http: http)
            let queueURL = try await sqs.createQueue(named: "role-queue")
            let sent = try await sqs.sendMessages(queueURL: queueURL, [("signed with a session token", 0)])
            #expect(sent.succeeded == ["0"])
            #expect(try await sqs.receiveMessages(queueURL: queueURL, waitSeconds: 1).map(\.body) == ["signed with a session token"])
            #expect(await provider.assumeCount == 1, "credentials in hand are reused")

            // Within the refresh margin of their expiry (a quarter of 15 minutes): fetched again.
            let expiration = try #require(await provider.expiration)
            offset.set(expiration.addingTimeInterval(-200).timeIntervalSince(Date()))
            let second = try await provider.credentials()
            #expect(await provider.assumeCount == 2)
            #expect(second.accessKeyID != first.accessKeyID || second.sessionToken != first.sessionToken)
            #expect(try await sqs.queueAttributes(queueURL: queueURL)["QueueArn"]?.hasSuffix(":role-queue") == true)

            // AssumeRole signed with a wrong secret is refused.
            let forgedSTS = STSClient(region: "us-east-1", endpoint: moto.endpoint,
                                      credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: user.accessKeyID, secretAccessKey: "wrong")), http: http)
            let refusal = await #expect(throws: AWSServiceError.self) {
                try await forgedSTS.assumeRole(roleARN: roleARN, sessionName: "forged")
            }
            #expect(refusal?.status == 403)
            #expect(refusal?.code == "SignatureDoesNotMatch", "\(String(describing: refusal))")
        }
    }
}

/// Now, moved by a test.
final class OffsetClock: @unchecked Sendable {
    private let lock = NSLock()
    private var offset: TimeInterval = 0
    func now() -> Date { lock.withLock { Date().addingTimeInterval(offset) } }
    func set(_ seconds: TimeInterval) { lock.withLock { offset = seconds } }
}
