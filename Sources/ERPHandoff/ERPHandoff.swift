import Foundation
import SalesChannel

/// The shipped ERP handoff sinks, by the names a deployment file uses.
public enum ERPHandoff {
    /// Registers `file-drop`.
    public static func register(in registry: inout PluginRegistry) {
        registry.registerSink(FileDropSink.descriptor) { section, context in
            let directory = context.resolve(try section.string("directory") ?? "handoffs")
            if context.isCheckOnly { return FileDropSink(unopened: directory) }
            do { return try FileDropSink(directory: directory) } catch {
                throw DeploymentError(file: section.file, key: section.keyPath("directory"), problem: "cannot create \(directory.path): \(error.localizedDescription)")
            }
        }
    }
}
