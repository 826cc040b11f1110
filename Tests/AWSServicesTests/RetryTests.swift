import AWSServices
import AsyncHTTPClient
import ChildProcesses
import Foundation
import RequestSigning
import Synchronization
import Testing

/// How the SQS client meets throttling, server errors and expired credentials, against a
/// scripted server; pauses are taken on an injected sleep, never waited.
@Suite struct RetryTests {
    /// A Python `http.server` answering a script (Fixtures/scripted_server.py), started with
    /// as a ChildProcess.
    final class ScriptedServer: Sendable {
        let process: ChildProcess
        let log: URL
        let port: Int

        init(_ answers: [[String: Any]]) async throws {
            let script = try #require(Bundle.module.url(forResource: "Fixtures/scripted_server", withExtension: "py"))
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scripted-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            log = folder.appendingPathComponent("requests.log")
            let output = folder.appendingPathComponent("port").path
            let argv = ["/usr/bin/env", "python3", script.path, String(decoding: try JSONSerialization.data(withJSONObject: answers), as: UTF8.self), log.path]
            process = try ChildProcess(executable: argv[0], arguments: Array(argv.dropFirst()), standardOutput: .file(output))
            var port: Int?
            for _ in 0..<100 where port == nil {
                try await Task.sleep(for: .milliseconds(50))
                port = (try? String(contentsOfFile: output, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
            self.port = try #require(port, "the scripted server did not start")
        }

        var requests: [[String: Any]] {
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        func stop() {
            process.signal(SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: log.deletingLastPathComponent())
        }
    }

    /// Counts how often credentials were asked for and dropped.
    final class CountingProvider: AWSCredentialProvider {
        let counts = Mutex((asked: 0, invalidated: 0))
        func credentials() async throws -> AWSCredentials {
            let asked = counts.withLock { $0.asked += 1; return $0.asked }
            return AWSCredentials(accessKeyID: "AKIATEST\(asked)", secretAccessKey: "secret", sessionToken: "token\(asked)")
        }
        func invalidate(accessKeyID: String) async { counts.withLock { $0.invalidated += 1 } }
    }

    static var empty: [String: Any] { ["status": 200, "body": #"{"Messages":[]}"#] }

    /// The pauses the client asked for.
    final class Pauses: Sendable {
        let taken = Mutex<[TimeInterval]>([])
        func append(_ seconds: TimeInterval) { taken.withLock { $0.append(seconds) } }
        var all: [TimeInterval] { taken.withLock { $0 } }
    }
    static func error(_ status: Int, _ type: String) -> [String: Any] {
        ["status": status, "body": #"{"__type":"com.amazonaws.sqs#\#(type)","message":"scripted"}"#, "headers": ["x-amzn-RequestId": "req-\(type)"]]
    }

    func client(port: Int, credentials: any AWSCredentialProvider, http: HTTPClient, pauses: Pauses? = nil) throws -> SQSClient {
        try SQSClient(
            queueURL: "http://127.0.0.1:\(port)/000000000000/q", region: "us-east-1", credentials: credentials, http: http,
            retry: AWSRetryPolicy(maxAttempts: 4, baseDelay: 0.5, maxDelay: 20),
            sleep: { seconds in pauses?.append(seconds) })
    }

    @Test func throttlingAndServerErrorsAreRepeatedWithBackOffThenTheAnswerIsRead() async throws {
        let server = try await ScriptedServer([Self.error(400, "ThrottlingException"), Self.error(503, "ServiceUnavailable"), ["status": 500, "body": ""], Self.empty])
        defer { server.stop() }
        let http = HTTPClient.shared
        let pauses = Pauses()
        let sqs = try client(port: server.port, credentials: CountingProvider(), http: http, pauses: pauses)
        let messages = try await sqs.receiveMessages(queueURL: "http://127.0.0.1:\(server.port)/000000000000/q", waitSeconds: 0)
        #expect(messages.isEmpty)
        let requests = server.requests
        #expect(requests.count == 4)
        #expect(requests.allSatisfy { ($0["headers"] as? [String: String])?["x-amz-target"] == "AmazonSQS.ReceiveMessage" })
        #expect(requests.allSatisfy { ($0["headers"] as? [String: String])?["content-type"] == "application/x-amz-json-1.0" })
        #expect(requests.allSatisfy { (($0["headers"] as? [String: String])?["authorization"] ?? "").hasPrefix("AWS4-HMAC-SHA256 Credential=") })
        let waited = pauses.all
        #expect(waited.count == 3)
        // Full jitter under a doubling ceiling: 0.5, 1, 2 seconds.
        #expect(zip(waited, [0.5, 1, 2]).allSatisfy { $0.0 >= 0 && $0.0 <= $0.1 })
    }

    @Test func aCallStillFailingAfterTheLastAttemptThrowsTheServicesCode() async throws {
        let server = try await ScriptedServer([Self.error(503, "ServiceUnavailable")])
        defer { server.stop() }
        let http = HTTPClient.shared
        let sqs = try client(port: server.port, credentials: CountingProvider(), http: http)
        let error = await #expect(throws: AWSServiceError.self) {
            try await sqs.receiveMessages(queueURL: "http://127.0.0.1:\(server.port)/000000000000/q", waitSeconds: 0)
        }
        #expect(error?.code == "ServiceUnavailable")
        #expect(error?.requestID == "req-ServiceUnavailable")
        #expect(server.requests.count == 4)
    }

    @Test func expiredCredentialsAreDroppedAndTheCallRepeatedOnceWithFreshOnes() async throws {
        let server = try await ScriptedServer([Self.error(400, "ExpiredToken"), Self.empty])
        defer { server.stop() }
        let http = HTTPClient.shared
        let provider = CountingProvider()
        let sqs = try client(port: server.port, credentials: provider, http: http)
        _ = try await sqs.receiveMessages(queueURL: "http://127.0.0.1:\(server.port)/000000000000/q", waitSeconds: 0)
        #expect(provider.counts.withLock { $0 } == (asked: 2, invalidated: 1))
        let tokens = server.requests.map { ($0["headers"] as? [String: String])?["x-amz-security-token"] }
        #expect(tokens == ["token1", "token2"])
    }

    @Test func aRefusalIsNotRepeated() async throws {
        let server = try await ScriptedServer([Self.error(400, "AWS.SimpleQueueService.NonExistentQueue"), Self.empty])
        defer { server.stop() }
        let http = HTTPClient.shared
        let sqs = try client(port: server.port, credentials: CountingProvider(), http: http)
        await #expect(throws: AWSServiceError.self) {
            try await sqs.receiveMessages(queueURL: "http://127.0.0.1:\(server.port)/000000000000/q", waitSeconds: 0)
        }
        #expect(server.requests.count == 1)
    }
}
