import Foundation

/// A message received from an SQS queue.
public struct SQSMessage: Sendable, Hashable, Decodable {
    public var messageID: String
    /// What deleting the message, or changing its visibility, needs; new at every receipt.
    public var receiptHandle: String
    public var body: String
    /// `SentTimestamp` (ms since 1970), `ApproximateReceiveCount`, …
    public var attributes: [String: String]

    public init(messageID: String, receiptHandle: String, body: String, attributes: [String: String] = [:]) {
        self.messageID = messageID
        self.receiptHandle = receiptHandle
        self.body = body
        self.attributes = attributes
    }

    /// When SQS accepted the message.
    public var sentAt: Date? {
        attributes["SentTimestamp"].flatMap(Double.init).map { Date(timeIntervalSince1970: $0 / 1000) }
    }

    /// How many times the message has been received, this time included.
    public var receiveCount: Int? { attributes["ApproximateReceiveCount"].flatMap(Int.init) }

    enum CodingKeys: String, CodingKey {
        case messageID = "MessageId", receiptHandle = "ReceiptHandle", body = "Body", attributes = "Attributes"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        messageID = try container.decode(String.self, forKey: .messageID)
        receiptHandle = try container.decode(String.self, forKey: .receiptHandle)
        body = try container.decode(String.self, forKey: .body)
        attributes = try container.decodeIfPresent([String: String].self, forKey: .attributes) ?? [:]
    }
}

/// What one entry of a batch call came to.
public struct SQSBatchResult: Sendable, Hashable {
    /// The entries' ids that succeeded.
    public var succeeded: [String]
    /// The entries that failed, with SQS's code and message.
    public var failed: [(id: String, code: String, message: String)]

    public static func == (lhs: SQSBatchResult, rhs: SQSBatchResult) -> Bool {
        lhs.succeeded == rhs.succeeded && lhs.failed.map(\.id) == rhs.failed.map(\.id)
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(succeeded) }
}
