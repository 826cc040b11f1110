import AWSServices
import AsyncHTTPClient
import Foundation
import RequestSigning
import Synchronization
import Testing

/// How the SQS client meets throttling, server errors and expired credentials, against a
/// scripted server; pauses are taken on an injected sleep, never waited.
@Suite struct RetryTests {
    /// A Python `http.server` answering a script (Fixtures/scripted_server.py).
    final class ScriptedServer: @unchecked Sendable {
        let process = Process()
        let log: URL
        let port: Int

        init(_ answers: [[String: Any]]) throws {
            let script = try #require(Bundle.module.url(forResource: "Fixtures/scripted_server", withExtension: "py"))
            log = FileManager.default.temporaryDirectory.appendingPathComponent("scripted-\(UUID().uuidString).log")
            let output = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script.path, String(decoding: try JSONSerialization.data(withJSONObject: answers), as: UTF8.self), log.path]
            process.standardOutput = output
            try process.run()
            let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            port = try #require(Int(line.trimmingCharacters(in: .whitespacesAndNewlines)))
        }

        var requests: [[String: Any]] {
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: log)
        }
    }

    /// Counts how often credentials were asked for and dropped.
    final class CountingProvider: AWSCredentialProvider {
        let counts = Mutex((asked: 0, invalidated: 0))
        func credentials() async throws -> AWSCredentials {
            let asked = counts.withLock { $0.asked += 1; return $0.asked }
            return AWSCredentials(accessKeyID: "AKIATEST\(asked)", secretAccessKey: "secret", sessionToken: "token\(asked)")
        }
        func invalidate() async { counts.withLock { $0.invalidated += 1 } }
    }

    static let empty: [String: Any] = ["status": 200, "body": #"{"Messages":[]}"#]
    static func error(_ status: Int, _ type: String) -> [String: Any] {
        ["status": status, "body": #"{"__type":"com.amazonaws.sqs#\#(type)","message":"scripted"}"#, "headers": ["x-amzn-RequestId": "req-\(type)"]]
    }

    func client(port: Int, credentials: any AWSCredentialProvider, http: HTTPClient, pauses: Mutex<[TimeInterval]>? = nil) throws -> SQSClient {
        try SQSClient(
            queueURL: "http://127.0.0.1:\(port)/000000000000/q", region: "us-east-1", credentials: credentials, http: http,
            retry: AWSRetryPolicy(maxAttempts: 4, baseDelay: 0.5, maxDelay: 20),
            sleep: { seconds in pauses?.withLock { $0.append(seconds) } })
    }

    @Test func throttlingAndServerErrorsAreRepeatedWithBackOffThenTheAnswerIsRead() async throws {
        let server = try ScriptedServer([Self.error(400, "ThrottlingException"), Self.error(503, "ServiceUnavailable"), ["status": 500, "body": ""], Self.empty])
        defer { server.stop() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { try? http.syncShutdown() }
        let pauses = Mutex<[TimeInterval]>([])
        let sqs = try client(port: server.port, credentials: CountingProvider(), http: http, pauses: pauses)
        let messages = try await sqs.receiveMessages(queueURL: "http://127.0.0.1:\(server.port)/000000000000/q", waitSeconds: 0)
        #expect(messages.isEmpty)
        let requests = server.requests
        #expect(requests.count == 4)
        #expect(requests.allSatisfy { ($0["headers"] as? [String: String])?["x-amz-target"] == "AmazonSQS.ReceiveMessage" })
        #expect(requests.allSatisfy { ($0["headers"] as? [String: String])?["content-type"] == "application/x-amz-json-1.0" })
        #expect(requests.allSatisfy { (($0["headers"] as? [String: String])?["authorization"] ?? "").hasPrefix("AWS4-HMAC-SHA256 Credential=") })
        let waited = pauses.withLock { $0 }
        #expect(waited.count == 3)
        // Full jitter under a doubling ceiling: 0.5, 1, 2 seconds.
        #expect(zip(waited, [0.5, 1, 2]).allSatisfy { $0.0 >= 0 && $0.0 <= $0.1 })
    }

    @Test func aCallStillFailingAfterTheLastAttemptThrowsTheServicesCode() async throws {
        let server = try ScriptedServer([Self.error(503, "ServiceUnavailable")])
        defer { server.stop() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { try? http.syncShutdown() }
        let sqs = try client(port: server.port, credentials: CountingProvider(), http: http)
        let error = await #expect(throws: AWSServiceError.self) {
            try await sqs.receiveMessages(queueURL: "http://127.0.0.1:\(server.port)/000000000000/q", waitSeconds: 0)
        }
        #expect(error?.code == "ServiceUnavailable")
        #expect(error?.requestID == "req-ServiceUnavailable")
        #expect(server.requests.count == 4)
    }

    @Test func expiredCredentialsAreDroppedAndTheCallRepeatedOnceWithFreshOnes() async throws {
        let server = try ScriptedServer([Self.error(400, "ExpiredToken"), Self.empty])
        defer { server.stop() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { try? http.syncShutdown() }
        let provider = CountingProvider()
        let sqs = try client(port: server.port, credentials: provider, http: http)
        _ = try await sqs.receiveMessages(queueURL: "http://127.0.0.1:\(server.port)/000000000000/q", waitSeconds: 0)
        #expect(provider.counts.withLock { $0 } == (asked: 2, invalidated: 1))
        let tokens = server.requests.map { ($0["headers"] as? [String: String])?["x-amz-security-token"] }
        #expect(tokens == ["token1", "token2"])
    }

    @Test func aRefusalIsNotRepeated() async throws {
        let server = try ScriptedServer([Self.error(400, "AWS.SimpleQueueService.NonExistentQueue"), Self.empty])
        defer { server.stop() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { try? http.syncShutdown() }
        let sqs = try client(port: server.port, credentials: CountingProvider(), http: http)
        await #expect(throws: AWSServiceError.self) {
            try await sqs.receiveMessages(queueURL: "http://127.0.0.1:\(server.port)/000000000000/q", waitSeconds: 0)
        }
        #expect(server.requests.count == 1)
    }
}
