import AsyncHTTPClient
import NIOHTTP1
import Foundation
import RequestSigning

/// A client for Amazon SQS over the AWS JSON 1.0 protocol current SDKs use
/// (`X-Amz-Target: AmazonSQS.<Action>`, `application/x-amz-json-1.0`), every call signed with
/// SigV4 by `RequestSigning`.
///
/// Calls go to the endpoint that serves the queue (its URL's scheme, host and port), so a
/// queue URL from AWS, LocalStack or moto is used as given.
public struct SQSClient: Sendable {
    let caller: AWSCaller

    /// - Parameters:
    ///   - region: the queue's region; derived from an AWS queue URL when `nil`.
    ///   - endpoint: where to post (the queue URL's root when `nil`).
    /// - Throws: ``AWSCredentialsError`` when the URL names no region and none is given.
    public init(
        queueURL: String, region: String? = nil, endpoint: String? = nil, credentials: any AWSCredentialProvider, http: HTTPClient,
        retry: AWSRetryPolicy = AWSRetryPolicy(),
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }
    ) throws {
        guard let root = endpoint ?? queueURL.endpointRoot else {
            throw AWSCredentialsError("`\(queueURL)` is not a queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)")
        }
        guard let region = region ?? Self.region(ofQueueURL: queueURL) else {
            throw AWSCredentialsError("the region of `\(queueURL)` cannot be told from its host; set it")
        }
        caller = AWSCaller(service: "sqs", region: region, endpoint: root, credentials: credentials, http: http, retry: retry, now: now, sleep: sleep)
    }

    /// The region in an AWS queue URL's host: `sqs.eu-west-1.amazonaws.com`,
    /// `eu-west-1.queue.amazonaws.com`.
    public static func region(ofQueueURL url: String) -> String? {
        guard let host = URLComponents(string: url)?.host?.lowercased(), host.hasSuffix(".amazonaws.com") || host.hasSuffix(".amazonaws.com.cn") else { return nil }
        let labels = host.split(separator: ".").map(String.init)
        if labels.first == "sqs", labels.count > 2 { return labels[1] }
        if labels.count > 2, labels[1] == "queue" { return labels[0] }
        return nil
    }

    /// The queue's ARN, from its URL (`…/ACCOUNT/NAME`) and region:
    /// `arn:aws:sqs:REGION:ACCOUNT:NAME`, what Amazon's notification destination names.
    public static func arn(ofQueueURL url: String, region: String) -> String? {
        let parts = (URLComponents(string: url)?.path ?? "").split(separator: "/").map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return "arn:aws:sqs:\(region):\(parts[0]):\(parts[1])"
    }

    // MARK: Operations

    /// Waits up to `waitSeconds` (a long poll, at most 20) for up to `maxMessages` (at most 10).
    /// - Parameter visibilitySeconds: how long the messages stay hidden from other consumers
    ///   (the queue's default when `nil`).
    public func receiveMessages(
        queueURL: String, maxMessages: Int = 10, waitSeconds: Int = 20, visibilitySeconds: Int? = nil
    ) async throws -> [SQSMessage] {
        struct Answer: Decodable { var Messages: [SQSMessage]? }
        var body: [String: JSONValue] = [
            "QueueUrl": .string(queueURL), "MaxNumberOfMessages": .int(min(10, max(1, maxMessages))),
            "WaitTimeSeconds": .int(min(20, max(0, waitSeconds))),
            "MessageSystemAttributeNames": .array([.string("SentTimestamp"), .string("ApproximateReceiveCount")]),
            "AttributeNames": .array([.string("SentTimestamp"), .string("ApproximateReceiveCount")]),
        ]
        if let visibilitySeconds { body["VisibilityTimeout"] = .int(visibilitySeconds) }
        let answer: Answer = try await call("ReceiveMessage", body, timeout: TimeInterval(waitSeconds) + 15)
        return answer.Messages ?? []
    }

    /// Deletes up to ten messages by receipt handle; entry ids are their positions (`"0"`, `"1"`…).
    public func deleteMessages(queueURL: String, receiptHandles: [String]) async throws -> SQSBatchResult {
        let entries = receiptHandles.enumerated().map { JSONValue.object(["Id": .string(String($0.offset)), "ReceiptHandle": .string($0.element)]) }
        return try await batch("DeleteMessageBatch", queueURL: queueURL, entries: entries)
    }

    /// Keeps up to ten messages hidden for `seconds` more from now (while their work runs long).
    public func changeVisibility(queueURL: String, receiptHandles: [String], seconds: Int) async throws -> SQSBatchResult {
        let entries = receiptHandles.enumerated().map {
            JSONValue.object(["Id": .string(String($0.offset)), "ReceiptHandle": .string($0.element), "VisibilityTimeout": .int(seconds)])
        }
        return try await batch("ChangeMessageVisibilityBatch", queueURL: queueURL, entries: entries)
    }

    /// Sends up to ten messages, each delayed by its own seconds (0…900).
    public func sendMessages(queueURL: String, _ messages: [(body: String, delaySeconds: Int)]) async throws -> SQSBatchResult {
        let entries = messages.enumerated().map {
            JSONValue.object(["Id": .string(String($0.offset)), "MessageBody": .string($0.element.body), "DelaySeconds": .int(min(900, max(0, $0.element.delaySeconds)))])
        }
        return try await batch("SendMessageBatch", queueURL: queueURL, entries: entries)
    }

    /// Creates a queue (or finds the one of that name with the same attributes); answers its URL.
    public func createQueue(named name: String, attributes: [String: String] = [:]) async throws -> String {
        struct Answer: Decodable { var QueueUrl: String }
        var body: [String: JSONValue] = ["QueueName": .string(name)]
        if !attributes.isEmpty { body["Attributes"] = .object(attributes.mapValues { .string($0) }) }
        let answer: Answer = try await call("CreateQueue", body)
        return answer.QueueUrl
    }

    /// The queue's attributes (`ApproximateNumberOfMessages`, `QueueArn`, …).
    public func queueAttributes(queueURL: String, names: [String] = ["All"]) async throws -> [String: String] {
        struct Answer: Decodable { var Attributes: [String: String]? }
        let answer: Answer = try await call("GetQueueAttributes", ["QueueUrl": .string(queueURL), "AttributeNames": .array(names.map { .string($0) })])
        return answer.Attributes ?? [:]
    }

    // MARK: Protocol

    private func batch(_ action: String, queueURL: String, entries: [JSONValue]) async throws -> SQSBatchResult {
        struct Failed: Decodable { var Id: String; var Code: String?; var Message: String? }
        struct Succeeded: Decodable { var Id: String }
        struct Answer: Decodable { var Successful: [Succeeded]?; var Failed: [Failed]? }
        guard !entries.isEmpty else { return SQSBatchResult(succeeded: [], failed: []) }
        let answer: Answer = try await call(action, ["QueueUrl": .string(queueURL), "Entries": .array(entries)])
        return SQSBatchResult(
            succeeded: (answer.Successful ?? []).map(\.Id),
            failed: (answer.Failed ?? []).map { ($0.Id, $0.Code ?? "", $0.Message ?? "") })
    }

    private func call<Answer: Decodable>(_ action: String, _ body: [String: JSONValue], timeout: TimeInterval = 30) async throws -> Answer {
        let bytes = try JSONEncoder().encode(JSONValue.object(body))
        let answer = try await caller.post(
            action: action,
            headers: [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "AmazonSQS.\(action)")],
            body: Array(bytes), timeout: timeout, readError: Self.readError)
        do {
            return try JSONDecoder().decode(Answer.self, from: answer.body.isEmpty ? Data("{}".utf8) : answer.body)
        } catch {
            throw AWSServiceError(service: "sqs", action: action, status: answer.status, code: "MalformedAnswer",
                                  message: "the answer could not be read: \(error)",
                                  requestID: answer.headers.first(name: "x-amzn-RequestId"))
        }
    }

    /// `{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "…"}`; the older query
    /// code from `x-amzn-query-error` when the body has none; an XML `<Error>` (the answer of a
    /// front end that refused the signature before the JSON service saw the call).
    static let readError: AWSCaller.ErrorReader = { answer in
        struct Body: Decodable { var __type: String?; var message: String?; var Message: String? }
        let body = try? JSONDecoder().decode(Body.self, from: answer.body)
        let xml = body == nil ? String(decoding: answer.body, as: UTF8.self) : ""
        let typeCode = body?.__type.map { String($0.split(separator: "#").last ?? Substring($0)) }
        let queryCode = answer.headers.first(name: "x-amzn-query-error").map { String($0.split(separator: ";").first ?? "") }
        let code = typeCode ?? queryCode ?? AWSXML.value(of: "Code", in: xml) ?? "HTTP\(answer.status)"
        let message = body?.message ?? body?.Message ?? AWSXML.value(of: "Message", in: xml) ?? String(decoding: answer.body.prefix(300), as: UTF8.self)
        return (code, message, answer.headers.first(name: "x-amzn-RequestId") ?? AWSXML.value(of: "RequestId", in: xml))
    }
}
