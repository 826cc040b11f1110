import Foundation

/// The `x-amzn-api-sandbox` static examples of Amazon's models: a request whose parameters match
/// an example's (such as `createdAfter=TEST_CASE_400`) gets that example's response.
struct StaticExamples: Sendable {
    struct Example: @unchecked Sendable {
        var operation: String
        var status: Int
        var parameters: [String: Any]
        var response: Any
    }

    let examples: [Example]

    /// Loads both order models shipped with the sandbox.
    static func load() throws -> StaticExamples {
        var examples: [Example] = []
        // Orders v2026-01-01 for reading orders; from v0 only confirmShipment, which v2026 lacks
        // (v0's getOrder has another shape and must not answer v2026 requests).
        for (name, only) in [("orders_2026-01-01", nil), ("ordersV0", Optional("confirmShipment"))] {
            guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Resources") else {
                throw SandboxError("the model \(name).json is missing from the sandbox's resources")
            }
            let model = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
            for (_, operations) in model["paths"] as? [String: Any] ?? [:] {
                for (_, value) in operations as? [String: Any] ?? [:] {
                    guard let operation = value as? [String: Any], let id = operation["operationId"] as? String,
                        only == nil || only == id
                    else { continue }
                    for (code, response) in operation["responses"] as? [String: Any] ?? [:] {
                        // The plain `examples` block: an answer with no request to match (never served).
                        if let plain = ((response as? [String: Any])?["examples"] as? [String: Any])?["application/json"] {
                            examples.append(Example(operation: id, status: Int(code) ?? 200, parameters: [:], response: plain))
                        }
                        let sandbox = (response as? [String: Any])?["x-amzn-api-sandbox"] as? [String: Any]
                        for example in sandbox?["static"] as? [[String: Any]] ?? [] {
                            let request = example["request"] as? [String: Any]
                            let parameters = (request?["parameters"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? [String: Any])?["value"] }
                            examples.append(Example(operation: id, status: Int(code) ?? 200, parameters: parameters, response: example["response"] ?? [:]))
                        }
                    }
                }
            }
        }
        return StaticExamples(examples: examples)
    }

    /// Every example of an operation (for tests that decode them).
    func examples(for operation: String) -> [Example] { examples.filter { $0.operation == operation } }

    /// The example whose every parameter the request carries with the same value.
    func match(_ operation: String, parameters: [String: String], body: Data?) -> Example? {
        examples.first { example in
            guard example.operation == operation, !example.parameters.isEmpty else { return false }
            return example.parameters.allSatisfy { name, expected in
                if name == "body" || name == "payload" {
                    guard let body, let sent = try? JSONSerialization.jsonObject(with: body) else { return false }
                    return NSDictionary(dictionary: sent as? [String: Any] ?? [:]).isEqual(to: expected as? [String: Any] ?? [:])
                }
                guard let value = parameters[name] else { return false }
                if let list = expected as? [Any] { return value == list.map { "\($0)" }.joined(separator: ",") }
                return value == "\(expected)"
            }
        }
    }
}
