import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RequestSigning
import Testing

/// Real SQS calls (CreateQueue, SendMessage, ReceiveMessage, DeleteMessage) signed by our SigV4
/// and sent with async-http-client to a local `moto_server` that checks signatures; a wrong
/// secret is refused with `SignatureDoesNotMatch`.
@Suite(.serialized)
struct MotoSQSTests {
    /// A `moto_server` on a free loopback port, signature checking on after the first three calls.
    final class MotoServer: @unchecked Sendable {
        let process = Process()
        let port: Int
        var endpoint: String { "http://127.0.0.1:\(port)/" }

        init() throws {
            port = try Self.freePort()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["moto_server", "-H", "127.0.0.1", "-p", String(port)]
            process.environment = ProcessInfo.processInfo.environment.merging(["INITIAL_NO_AUTH_ACTION_COUNT": "3"]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// Stops the server (SIGKILL: the development server may ignore gentler signals).
        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        static func freePort() throws -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard bound else { throw SigningError("no free port") }
            return Int(UInt16(bigEndian: address.sin_port))
        }

        /// Waits until the server answers, up to 20 seconds.
        func waitUntilReady(client: HTTPClient) async throws {
            for _ in 0..<200 {
                if let response = try? await client.execute(HTTPClientRequest(url: endpoint + "moto-api/"), timeout: .seconds(1)),
                    response.status.code < 500
                {
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw SigningError("moto_server did not start on port \(port) (pip install 'moto[server]')")
        }
    }

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
        let body = form.map { "\(formEncode($0.0))=\(formEncode($0.1))" }.joined(separator: "&")
        try request.signV4(with: signer, body: Array(body.utf8))
        let response = try await client.execute(request, timeout: .seconds(15))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: response.status.code, body: String(buffer: bytes))
    }

    /// Form encoding as AWS's query-protocol clients write it (Python's `urlencode`): ASCII
    /// letters, digits and `-._~` stay, a space becomes `+`, every other byte `%XX`. moto checks the
    /// signature over the body re-encoded this way, so the test sends exactly that.
    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: " "): out.append("+")
            default: out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func element(_ name: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(name)>"), let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex) else { return nil }
        return String(xml[start.upperBound..<end.lowerBound])
    }

    @Test func signedSQSCallsAreAcceptedAndAWrongSecretIsRefused() async throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await moto.waitUntilReady(client: client)
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
