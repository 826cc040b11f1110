import Foundation
import Logging

/// What a plugin factory may use besides its own configuration section.
public struct PluginContext: Sendable {
    /// The folder relative paths in the deployment file are resolved against.
    public var directory: URL
    public var environment: [String: String]
    public var logger: Logger
    /// Only validating (`saleschannel config check`): read and check every key, but open no
    /// database, create no folder and contact no server.
    public var isCheckOnly: Bool

    public init(directory: URL, environment: [String: String], logger: Logger, isCheckOnly: Bool = false) {
        self.directory = directory
        self.environment = environment
        self.logger = logger
        self.isCheckOnly = isCheckOnly
    }

    /// Resolves a path from the deployment file against ``directory``.
    public func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
    }
}

/// What a store plugin provides: SalesChannel's own store and the commerce backend.
public struct StorePlugin: Sendable {
    public var store: any ChannelStore
    public var backend: any CommerceBackend
    public init(store: any ChannelStore, backend: any CommerceBackend) {
        self.store = store
        self.backend = backend
    }
}
