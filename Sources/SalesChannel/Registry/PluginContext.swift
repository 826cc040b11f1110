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
    /// How the store may be opened: created if missing (``StoreAccess/create``), also set up when
    /// its file is empty (``StoreAccess/initialize``, `run --init`), or only read.
    public var storeAccess: StoreAccess
    /// The clock every plugin reads and waits on (the composition's): the store stamps its
    /// writes with it, sources and their rate limiters wait on it.
    public var clock: any SalesChannelClock

    public init(
        directory: URL, environment: [String: String], logger: Logger, isCheckOnly: Bool = false, storeAccess: StoreAccess = .create,
        clock: any SalesChannelClock = SystemClock()
    ) {
        self.clock = clock
        self.directory = directory
        self.environment = environment
        self.logger = logger
        self.isCheckOnly = isCheckOnly
        self.storeAccess = storeAccess
    }

    /// How a command may open the store.
    public enum StoreAccess: Sendable {
        case create, initialize, readOnly
    }

    /// Why a file cannot be kept at `url` (its folder missing or not writable, a folder or a
    /// device in its place); `nil` when it can. Only reading, a missing folder is not checked.
    public func writableFileProblem(_ url: URL) -> String? {
        let files = FileManager.default
        var isFolder: ObjCBool = false
        if files.fileExists(atPath: url.path, isDirectory: &isFolder) {
            if isFolder.boolValue { return "\(url.path) is a folder, not a file" }
            let type = (try? files.attributesOfItem(atPath: url.path))?[.type] as? FileAttributeType
            if type != .typeRegular { return "\(url.path) is not a regular file (a device or a socket)" }
            if storeAccess != .readOnly, !files.isWritableFile(atPath: url.path) { return "\(url.path) cannot be written" }
            return nil
        }
        let folder = url.deletingLastPathComponent()
        guard files.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            return "the folder \(folder.path) does not exist"
        }
        if storeAccess != .readOnly, !files.isWritableFile(atPath: folder.path) { return "the folder \(folder.path) cannot be written" }
        return nil
    }

    /// Why a folder cannot be used (or created) at `url`; `nil` when it can.
    public func writableFolderProblem(_ url: URL) -> String? {
        let files = FileManager.default
        var isFolder: ObjCBool = false
        if files.fileExists(atPath: url.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { return "\(url.path) exists and is not a folder" }
            return files.isWritableFile(atPath: url.path) ? nil : "the folder \(url.path) cannot be written"
        }
        // The nearest folder that exists must let the rest be created in it.
        var ancestor = url.deletingLastPathComponent()
        while !files.fileExists(atPath: ancestor.path, isDirectory: &isFolder) && ancestor.path != "/" {
            ancestor = ancestor.deletingLastPathComponent()
        }
        guard isFolder.boolValue else { return "\(ancestor.path) is not a folder, so \(url.path) cannot be created" }
        return files.isWritableFile(atPath: ancestor.path) ? nil : "\(url.path) cannot be created: \(ancestor.path) cannot be written"
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
