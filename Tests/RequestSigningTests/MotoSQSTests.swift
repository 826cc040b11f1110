import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RequestSigning
import Testing
import AWSServices
import AWSServicesTesting

/// Real SQS calls (CreateQueue, SendMessage, ReceiveMessage, DeleteMessage) signed by our SigV4
/// and sent with async-http-client to a local `moto_server` that checks signatures; a wrong
/// secret is refused with `SignatureDoesNotMatch`.
@Suite(.serialized, .enabled(if: ThrowawayMoto.isAvailable || ProcessInfo.processInfo.environment["CI"] != nil, Comment(rawValue: ThrowawayMoto.skipReason)))
struct MotoSQSTests {
    struct Reply {
        var status: UInt
        var body: String
    }

    static func call(
        _ client: HTTPClient, url: String, form: [(String, String)], signer: SigV4Signer
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        let body = AWSFormEncoding.encode(form)
        try request.signV4(with: signer, body: Array(body.utf8))
        let response = try await client.execute(request, timeout: .seconds(15))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: response.status.code, body: String(buffer: bytes))
    }

    static func element(_ name: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(name)>"), let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex) else { return nil }
        return String(xml[start.upperBound..<end.lowerBound])
    }

    @Test func signedSQSCallsAreAcceptedAndAWrongSecretIsRefused() async throws {
        let moto = try ThrowawayMoto()
        defer { moto.stop() }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await moto.waitUntilReady(http: client)
            // The three unchecked calls: an IAM user allowed everything, and its access key.
            let bootstrap = SigV4Signer(credentials: AWSCredentials(accessKeyID: "AKIABOOTSTRAP", secretAccessKey: "unused"), region: "us-east-1", service: "iam")
            _ = try await Self.call(client, url: moto.endpoint, form: [("Action", "CreateUser"), ("UserName", "saleschannel"), ("Version", "2010-05-08")], signer: bootstrap)
            let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
            _ = try await Self.call(client, url: moto.endpoint, form: [("Action", "PutUserPolicy"), ("UserName", "saleschannel"), ("PolicyName", "all"), ("PolicyDocument", policy), ("Version", "2010-05-08")], signer: bootstrap)
            let key = try await Self.call(client, url: moto.endpoint, form: [("Action", "CreateAccessKey"), ("UserName", "saleschannel"), ("Version", "2010-05-08")], signer: bootstrap)
            let keyID = try #require(Self.element("AccessKeyId", in: key.body))
            let secret = try #require(Self.element("SecretAccessKey", in: key.body))

            let sqs = SigV4Signer(credentials: AWSCredentials(accessKeyID: keyID, secretAccessKey: secret), region: "us-east-1", service: "sqs")
            let created = try await Self.call(client, url: moto.endpoint, form: [("Action", "CreateQueue"), ("QueueName", "order-change"), ("Version", "2012-11-05")], signer: sqs)
            #expect(created.status == 200, "CreateQueue: \(created.body)")
            let queueURL = try #require(Self.element("QueueUrl", in: created.body))

            let message = #"{"NotificationType":"ORDER_CHANGE","AmazonOrderId":"902-1845936-5435065","note":"ünïcödé & más"}"#
            let sent = try await Self.call(client, url: queueURL, form: [("Action", "SendMessage"), ("MessageBody", message), ("Version", "2012-11-05")], signer: sqs)
            #expect(sent.status == 200, "SendMessage: \(sent.body)")

            let received = try await Self.call(client, url: queueURL, form: [("Action", "ReceiveMessage"), ("MaxNumberOfMessages", "1"), ("Version", "2012-11-05")], signer: sqs)
            #expect(received.status == 200, "ReceiveMessage: \(received.body)")
            let body = try #require(Self.element("Body", in: received.body))
            #expect(body.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&") == message)
            let receipt = try #require(Self.element("ReceiptHandle", in: received.body))

            let deleted = try await Self.call(client, url: queueURL, form: [("Action", "DeleteMessage"), ("ReceiptHandle", receipt), ("Version", "2012-11-05")], signer: sqs)
            #expect(deleted.status == 200, "DeleteMessage: \(deleted.body)")

            // The same call with a wrong secret is refused.
            let forged = SigV4Signer(credentials: AWSCredentials(accessKeyID: keyID, secretAccessKey: secret + "x"), region: "us-east-1", service: "sqs")
            let refused = try await Self.call(client, url: queueURL, form: [("Action", "ReceiveMessage"), ("Version", "2012-11-05")], signer: forged)
            #expect(refused.status == 403)
            #expect(refused.body.contains("SignatureDoesNotMatch"))
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
