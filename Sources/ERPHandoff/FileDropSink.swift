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
        Self.removeLeftovers(in: directory)
    }

    /// The prefix of the files being written; ERPs ignore files whose names start with a dot.
    static let temporaryPrefix = ".saleschannel-"

    /// This process's temporary names: `.saleschannel-<host>-<pid>-<uuid>.tmp`.
    static let temporaryOwner = String(ProcessInfo.processInfo.hostName.map { $0.isLetter || $0.isNumber ? $0 : "_" }) + "-\(getpid())"

    /// Removes the temporary files a process killed mid-write left behind (their writer, on this
    /// host, no longer runs). Files of live writers, and of other hosts sharing the folder, stay.
    static func removeLeftovers(in directory: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        let host = String(temporaryOwner.prefix { $0 != "-" })
        for name in names where name.hasPrefix(temporaryPrefix) && name.hasSuffix(".tmp") {
            let parts = name.dropFirst(temporaryPrefix.count).split(separator: "-", maxSplits: 2)
            guard parts.count == 3, String(parts[0]) == host, let pid = pid_t(parts[1]) else { continue }
            if pid != getpid(), kill(pid, 0) != 0, errno == ESRCH {
                unlink(directory.appendingPathComponent(name).path)
            }
        }
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
        let temporary = directory.appendingPathComponent("\(Self.temporaryPrefix)\(Self.temporaryOwner)-\(UUID().uuidString).tmp")
        let data = try envelope.json(pretty: true)
        // Written, flushed to disk, then renamed into place: an ERP sees the whole file or none.
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            throw FileDropError("cannot write into \(directory.path): \(String(cString: strerror(errno)))")
        }
        let written = data.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let count = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 { if errno == EINTR { continue }; return false }
                offset += count
            }
            return fsync(descriptor) == 0
        }
        let failure = errno
        close(descriptor)
        guard written else {
            unlink(temporary.path)
            throw FileDropError("cannot write \(temporary.lastPathComponent) into \(directory.path): \(String(cString: strerror(failure)))")
        }
        guard rename(temporary.path, target.path) == 0 else {
            let failure = errno
            unlink(temporary.path)
            throw FileDropError("cannot move the handoff file into place at \(target.path): \(String(cString: strerror(failure)))")
        }
        // The rename itself survives a power cut once the folder is flushed too.
        let folder = open(directory.path, O_RDONLY)
        if folder >= 0 { _ = fsync(folder); close(folder) }
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
