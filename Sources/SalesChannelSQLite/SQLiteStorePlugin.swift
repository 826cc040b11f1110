import Foundation
import SalesChannel

extension SQLiteDatabase {
    /// The `sqlite` store plugin: the embedded store and commerce ledger in one file.
    public static let descriptor = PluginDescriptor(
        name: "sqlite", kind: .store, summary: "Embedded store and commerce ledger in one SQLite file (WAL)",
        keys: [.init("path", "file path", default: "saleschannel.sqlite", "The database file, relative to the deployment file")])

    /// Registers the `sqlite` store.
    public static func register(in registry: inout PluginRegistry) {
        registry.registerStore(descriptor) { section, context in
            let written = try section.string("path") ?? "saleschannel.sqlite"
            guard !written.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw DeploymentError(file: section.file, key: section.keyPath("path"), problem: "is empty; write the database file's path (default: saleschannel.sqlite)")
            }
            let url = context.resolve(written)
            let path = url.path
            if let problem = context.writableFileProblem(url) {
                throw DeploymentError(file: section.file, key: section.keyPath("path"), problem: problem)
            }
            let mode: OpenMode = switch context.storeAccess {
            case .create: .create
            case .initialize: .initialize
            case .readOnly: .readOnly
            }
            if context.isCheckOnly {
                // What is at the path is looked at (a 0-byte or foreign file is refused before
                // anything else is created), never opened.
                do { try SQLiteDatabase.checkFile(path, mode: mode == .readOnly ? .create : mode) } catch {
                    throw DeploymentError(file: section.file, key: section.keyPath("path"), problem: (error as? StoreError)?.message ?? "\(error)")
                }
                return StorePlugin(store: UnopenedStore(path: path), backend: UnopenedStore(path: path))
            }
            let database: SQLiteDatabase
            do { database = try SQLiteDatabase(path: path, mode: mode) } catch let error as StoreError {
                throw error
            } catch {
                throw DeploymentError(file: section.file, key: section.keyPath("path"), problem: "cannot open the SQLite database at \(path): \(error)")
            }
            return StorePlugin(store: SQLiteChannelStore(database: database, clock: context.clock), backend: SQLiteCommerceBackend(database: database))
        }
    }
}
