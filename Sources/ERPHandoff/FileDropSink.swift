import Foundation
import SalesChannel

/// A ``ShipmentSink`` for ERPs that poll a folder: one JSON file per order (and one per
/// cancellation), written atomically (temporary file, then rename).
///
/// The file is named after the idempotency key, so a repeated delivery rewrites the same file
/// with the same content instead of adding a second one: at most one file per order and kind.
public struct FileDropSink: ShipmentSink {
    public let directory: URL
    /// The handoff shape written (2; 1 for an ERP that reads version 1 only).
    public let schemaVersion: Int

    public init(directory: URL, schemaVersion: Int = 2) throws {
        self.directory = directory
        self.schemaVersion = schemaVersion
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A sink that has not created its folder (for validating a deployment).
    init(unopened directory: URL, schemaVersion: Int) {
        self.directory = directory
        self.schemaVersion = schemaVersion
    }

    public func handOff(_ document: HandoffDocument, idempotencyKey: String) async throws -> String? {
        try write(HandoffEnvelope(type: .order, idempotencyKey: idempotencyKey, order: document.version(schemaVersion)), key: idempotencyKey)
    }

    public func cancel(_ document: HandoffDocument, idempotencyKey: String) async throws {
        _ = try write(HandoffEnvelope(type: .cancellation, idempotencyKey: idempotencyKey, order: document.version(schemaVersion)), key: idempotencyKey)
    }

    /// The file a delivery with this idempotency key is written to.
    public func fileURL(forKey key: String) -> URL {
        let safe = key.map { $0.isLetter || $0.isNumber || $0 == "-" ? String($0) : "_" }.joined()
        return directory.appendingPathComponent(safe + ".json")
    }

    private func write(_ envelope: HandoffEnvelope, key: String) throws -> String {
        let target = fileURL(forKey: key)
        let temporary = directory.appendingPathComponent(".\(UUID().uuidString).tmp")
        let data = try envelope.json(pretty: true)
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
            throw FileDropError("cannot write into \(directory.path)")
        }
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, target.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw FileDropError("cannot move the handoff file into place at \(target.path) (errno \(errno))")
        }
        return target.lastPathComponent
    }

    public static let descriptor = PluginDescriptor(
        name: "file-drop", kind: .sink, summary: "One JSON file per order in a folder an ERP polls (atomic writes)",
        keys: [
            .init("name", "string", default: "file-drop", "Name of this sink (several sinks need distinct names)"),
            .init("directory", "folder path", default: "handoffs", "Where the files go, relative to the deployment file"),
            .init("schemaVersion", "1 | 2", default: "2", "Handoff document shape (docs/handoff-schema-v2.json; 1 for an ERP not yet upgraded)"),
        ])
}

/// The file-drop sink could not write.
public struct FileDropError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
