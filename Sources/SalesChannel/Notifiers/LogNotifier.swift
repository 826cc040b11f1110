import Logging

/// A ``Notifier`` that writes merchant events to the log (ids and statuses only).
public struct LogNotifier: Notifier {
    public let logger: Logger
    public init(logger: Logger) { self.logger = logger }

    public func notify(_ event: MerchantEvent) async throws {
        let level: Logger.Level = switch event.kind {
        case .handoffFailed, .shipmentRefused, .deadLettered: .warning
        case .authorizationFailed, .sourceStopped: .error
        default: .info
        }
        var metadata: Logger.Metadata = ["event": "\(event.kind.rawValue)"]
        if let order = event.amazonOrderID { metadata["order"] = "\(order)" }
        if let source = event.sourceID { metadata["source"] = "\(source)" }
        logger.log(level: level, "\(event.message)", metadata: metadata)
    }

    public static let descriptor = PluginDescriptor(
        name: "log", kind: .notifier, summary: "Writes merchant events to the log")
}
