import AmazonChannel
import AmazonFBA
import AmazonMFN
import AmazonSellingPartner
import CustomerPolicies
import ERPHandoff
import Foundation
import Logging
import Notifiers
import RequestSigning
import SalesChannel
import SalesChannelSQLite
import SalesChannelTesting

/// What the fuzzers feed: each target takes any bytes and must never crash (a thrown error is
/// an answer, a trap is a bug). The executables under `Tests/Fuzz/Fuzz*` hand libFuzzer's
/// inputs to these; `FuzzRegressionTests` runs every kept input through them in `swift test`.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// An SP-API `searchOrders` or `getOrder` answer: decoded as the client decodes it, checked
    /// against the model's rules, mapped to a channel order and through the workflow.
    case sellingPartnerJSON = "FuzzSellingPartnerJSON"
    /// A deployment file: parsed and validated as `config check` does, with every standard plugin.
    case deploymentYAML = "FuzzDeploymentYAML"
    /// A raw HTTP request as `saleschannel sign --request-file` reads it, then signed.
    case rawHTTPRequest = "FuzzRawHTTPRequest"
    /// A `SalesChannel-Signature` header (first line) and a body (the rest), verified.
    case webhookSignature = "FuzzWebhookSignature"

    public func check(_ bytes: [UInt8]) {
        switch self {
        case .sellingPartnerJSON: Self.sellingPartnerJSON(bytes)
        case .deploymentYAML: Self.deploymentYAML(bytes)
        case .rawHTTPRequest: Self.rawHTTPRequest(bytes)
        case .webhookSignature: Self.webhookSignature(bytes)
        }
    }

    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    static func sellingPartnerJSON(_ bytes: [UInt8]) {
        let data = Data(bytes)
        var orders: [Order] = []
        if let page = try? SPAPIJSON.decoder().decode(SearchOrdersResponse.self, from: data) { orders += page.orders }
        if let one = try? SPAPIJSON.decoder().decode(GetOrderResponse.self, from: data) { orders.append(one.order) }
        _ = try? JSONDecoder().decode(ErrorList.self, from: data)
        for order in orders {
            _ = order.deviations(askedFor: Set(IncludedData.allCases))
            let channelOrder = AmazonOrderMapping.channelOrder(order, sellerID: "FUZZ")
            let settings = OrderSettings(sinkNames: ["erp"])
            let decision = Workflow.apply(snapshot: channelOrder, to: nil, sourceID: "fuzz", settings: settings, now: now)
            if let record = decision.record {
                _ = HandoffDocument(record: record)
                _ = Workflow.apply(snapshot: channelOrder, to: record, sourceID: "fuzz", settings: settings, now: now)
            }
        }
    }

    static let registry: PluginRegistry = {
        var registry = PluginRegistry()
        SQLiteDatabase.register(in: &registry)
        AmazonMFN.register(in: &registry, sandbox: nil)
        AmazonFBA.register(in: &registry, sandbox: nil)
        ScriptedOrderSource.register(in: &registry)
        CustomerPolicies.register(in: &registry)
        ERPHandoff.register(in: &registry)
        Notifiers.register(in: &registry)
        registry.registerNotifier(LogNotifier.descriptor) { _, context in LogNotifier(logger: context.logger) }
        return registry
    }()

    static func deploymentYAML(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        let environment = ["ERP_SECRET": "s3cret-value", "LWA_CLIENT_SECRET": "lwa-secret", "EMPTY": ""]
        guard let root = try? ConfigSection.parse(text, file: "fuzz.yaml", environment: environment) else { return }
        root.startCollecting()
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        let context = PluginContext(
            directory: URL(fileURLWithPath: NSTemporaryDirectory()), environment: environment, logger: logger, isCheckOnly: true, storeAccess: .create)
        do {
            _ = try registry.composition(from: root, context: context)
        } catch {
            // Every refusal names the file; no secret from the environment is ever repeated.
            let message = "\(error)"
            precondition(!message.contains("s3cret-value") && !message.contains("lwa-secret"), "a secret reached an error message")
        }
    }

    static func rawHTTPRequest(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self), let raw = try? RawHTTPRequest(parsing: text) else { return }
        _ = raw.headers
        for options in [SigV4Signer.Options(), SigV4Signer.Options.s3] {
            let signer = SigV4Signer(
                credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "token"),
                region: "us-east-1", service: "service", options: options)
            var request = raw.signable
            let first = signer.sign(&request, date: now)
            // Signing is a function of the request: the same request signs the same way.
            precondition(signer.signature(for: raw.signable, date: now).signature == first.signature, "signing is not deterministic")
            _ = raw.signedText(request)
            _ = signer.presign(raw.signable, date: now, expires: 300)
        }
    }

    static let verifier = try! WebhookVerifier(secrets: ["current-secret", "previous-secret"], replayGuard: nil)
    static let signer = try! WebhookSigner(secrets: ["current-secret"])

    static func webhookSignature(_ bytes: [UInt8]) {
        let newline = bytes.firstIndex(of: 10) ?? bytes.endIndex
        let header = String(decoding: bytes[..<newline], as: UTF8.self)
        let body = Array(bytes[min(newline + 1, bytes.endIndex)...])
        let accepted = (try? verifier.verify(header: header, body: body, now: now)) != nil
        // Only a header made with one of the secrets verifies; a fresh one always does.
        if accepted {
            precondition(header.contains("v1="), "a header without v1 was accepted")
        }
        let made = signer.headerValue(for: body, at: now)
        precondition((try? verifier.verify(header: made, body: body, now: now)) != nil, "a fresh signature was refused")
    }
}

extension FuzzTarget {
    /// Without libFuzzer (a plain build), the executable runs the files it is given through the
    /// target: a crash found by fuzzing is replayed with `FuzzX crash-…`.
    public func replay(_ paths: [String]) {
        var count = 0
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                exit(2)
            }
            check(Array(data))
            count += 1
        }
        print("\(rawValue): \(count) input(s), no crash")
    }
}
