import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory scaffold-sink --name Foo [--output DIR]`:
/// writes a Swift package with a `FooSink` target (a `ShipmentSink` to fill in) and its test
/// against the test kit's conformance suite. As generated, it builds and its test passes.
@main
struct ScaffoldSink: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        var extractor = ArgumentExtractor(arguments)
        guard let rawName = extractor.extractOption(named: "name").first else {
            Diagnostics.error("usage: swift package --allow-writing-to-package-directory scaffold-sink --name Foo [--output DIR]")
            throw ScaffoldFailed("--name is required")
        }
        let name = Self.typeName(rawName)
        guard !name.isEmpty, name.first!.isLetter else { throw ScaffoldFailed("`\(rawName)` cannot be a Swift type name") }
        let target = name.hasSuffix("Sink") ? name : name + "Sink"
        let package = context.package.directoryURL
        let output = extractor.extractOption(named: "output").first
            .map { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : package.appendingPathComponent($0) }
            ?? package.appendingPathComponent(target)
        guard !FileManager.default.fileExists(atPath: output.path) else { throw ScaffoldFailed("\(output.path) already exists") }

        let dependency = try Self.salesChannelDependency(context.package, from: output)
        let files: [(String, String)] = [
            ("Package.swift", Templates.manifest(target: target, dependency: dependency)),
            ("Sources/\(target)/\(target).swift", Templates.sink(target: target)),
            ("Tests/\(target)Tests/\(target)Tests.swift", Templates.test(target: target)),
        ]
        for (path, text) in files {
            let url = output.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        print("created \(output.path): the \(target) target (a ShipmentSink to fill in) and its conformance test")
        print("next: swift test --package-path \(output.path)")
    }

    /// `Foo-bar baz` → `FooBarBaz`.
    static func typeName(_ text: String) -> String {
        text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// How the new package depends on SalesChannel: by path when SalesChannel is local, else by URL.
    static func salesChannelDependency(_ package: Package, from output: URL) throws -> String {
        let candidates = [package] + package.dependencies.map(\.package)
        guard let salesChannel = candidates.first(where: { $0.products.contains { $0.name == "SalesChannelTesting" } }) else {
            throw ScaffoldFailed("this package neither is nor depends on SalesChannel")
        }
        switch salesChannel.origin {
        case .repository(let url, let displayVersion, _):
            return #".package(url: "\#(url)", from: "\#(displayVersion)")"#
        default:
            return #".package(name: "SalesChannel", path: "\#(relativePath(from: output, to: salesChannel.directoryURL))")"#
        }
    }

    static func relativePath(from base: URL, to target: URL) -> String {
        let from = base.standardizedFileURL.pathComponents
        let to = target.standardizedFileURL.pathComponents
        let common = zip(from, to).prefix(while: { $0 == $1 }).count
        let path = Array(repeating: "..", count: from.count - common) + to.dropFirst(common)
        return path.isEmpty ? "." : path.joined(separator: "/")
    }
}

struct ScaffoldFailed: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Templates {
    static func manifest(target: String, dependency: String) -> String {
        """
        // swift-tools-version: 6.1
        import PackageDescription

        let package = Package(
            name: "\(target)",
            platforms: [.macOS(.v15)],
            products: [.library(name: "\(target)", targets: ["\(target)"])],
            dependencies: [\(dependency)],
            targets: [
                .target(name: "\(target)", dependencies: [.product(name: "SalesChannel", package: "SalesChannel")]),
                .testTarget(
                    name: "\(target)Tests",
                    dependencies: ["\(target)", .product(name: "SalesChannelTesting", package: "SalesChannel")]),
            ]
        )

        """
    }

    static func sink(target: String) -> String {
        """
        import SalesChannel

        /// Hands orders to your fulfilment system.
        ///
        /// Replace the dictionary with calls to your ERP, OMS or WMS. Keep the contract the test
        /// checks: a repeated idempotency key is delivered once. Throw an error conforming to
        /// `PermanentFailure` when retrying cannot help; any other error is retried with backoff.
        public actor \(target): ShipmentSink {
            /// What was delivered, by idempotency key (stands in for your system).
            public private(set) var delivered: [String: HandoffDocument] = [:]
            public private(set) var canceled: [String: HandoffDocument] = [:]

            public init() {}

            public func handOff(_ document: HandoffDocument, idempotencyKey: String) async throws -> String? {
                if delivered[idempotencyKey] == nil { delivered[idempotencyKey] = document }
                return document.commerceOrderNumber?.rawValue
            }

            public func cancel(_ document: HandoffDocument, idempotencyKey: String) async throws {
                if canceled[idempotencyKey] == nil { canceled[idempotencyKey] = document }
            }

            /// Deliveries your system holds for a key (what the conformance test counts).
            public func deliveries(forKey key: String) -> Int {
                (delivered[key] == nil ? 0 : 1) + (canceled[key] == nil ? 0 : 1)
            }
        }

        """
    }

    static func test(target: String) -> String {
        """
        import SalesChannelTesting
        import Testing
        import \(target)

        struct \(target)Tests {
            @Test func conformsToTheShipmentSinkContract() async throws {
                let sink = \(target)()
                try await ShipmentSinkConformance(sink: sink) { key in await sink.deliveries(forKey: key) }.run()
            }
        }

        """
    }
}
