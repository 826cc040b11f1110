import Foundation
import RequestSigning
import SalesChannel

/// The shipped ERP handoff sinks, by the names a deployment file uses.
public enum ERPHandoff {
    /// Registers `file-drop` and `webhook`.
    public static func register(in registry: inout PluginRegistry) {
        registry.registerSink(WebhookSink.descriptor) { section, _ in
            WebhookSink(delivery: try WebhookDelivery(section: section), schemaVersion: try schemaVersion(section))
        }
        registry.registerSink(FileDropSink.descriptor) { section, context in
            let written = try section.string("directory") ?? "handoffs"
            guard !written.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw DeploymentError(file: section.file, key: section.keyPath("directory"), problem: "is empty; write the folder's path (default: handoffs)")
            }
            let directory = context.resolve(written)
            let version = try schemaVersion(section)
            if let problem = context.writableFolderProblem(directory) {
                throw DeploymentError(file: section.file, key: section.keyPath("directory"), problem: problem)
            }
            if context.isCheckOnly { return FileDropSink(unopened: directory, schemaVersion: version) }
            do { return try FileDropSink(directory: directory, schemaVersion: version) } catch {
                throw DeploymentError(file: section.file, key: section.keyPath("directory"), problem: "cannot create \(directory.path): \(error.localizedDescription)")
            }
        }
    }
}

/// A sink's `schemaVersion`: 1 or 2 (default 2).
func schemaVersion(_ section: ConfigSection) throws -> Int {
    let version = try section.oneOf("schemaVersion", HandoffDocument.versions.map(String.init), default: "2")
    return Int(version) ?? 2
}

extension WebhookDelivery {
    /// A delivery configured by a webhook plugin's section: `url`, `secret`, `previousSecret`
    /// (while rotating) and `timeoutSeconds`.
    public init(section: ConfigSection) throws {
        _ = try section.requiredString("url")
        let insecure = try section.bool("allowInsecure", default: false)
        // Without a usable URL (its problem already reported while collecting) there is nothing to build.
        guard let url = try section.url("url") else { throw DeploymentErrors([]) }
        // The body carries the buyer's address: plain http only to this machine, or when allowed.
        let loopback = ["localhost", "127.0.0.1", "::1", "[::1]"].contains(url.host?.lowercased() ?? "")
        if url.scheme == "http", !loopback, !insecure {
            try section.report(DeploymentError(
                file: section.file, key: section.keyPath("url"),
                problem: "`\(url.absoluteString)` is plain http to another machine: the body carries the buyer's address; use https, or set allowInsecure: true"))
        }
        // While rotating, both secrets sign: receivers holding either one keep verifying.
        let secrets = [try section.requiredSecret("secret").value] + [try section.secret("previousSecret")?.value].compactMap { $0 }
        let signer: WebhookSigner
        do { signer = try WebhookSigner(secrets: secrets) } catch {
            throw DeploymentError(file: section.file, key: section.keyPath("secret"), problem: "\(error)")
        }
        self.init(url: url, signer: signer, timeout: try section.double("timeoutSeconds", default: 30, in: 0.1...600))
    }
}
