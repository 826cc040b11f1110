// swift-tools-version: 6.1
import PackageDescription

/// Settings every target of ours shares: Swift 6 mode with the upcoming features the
/// Swift server packages we model ourselves on already use.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "SalesChannel",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SalesChannel", targets: ["SalesChannel"]),
        .library(name: "SalesChannelSQLite", targets: ["SalesChannelSQLite"]),
        .library(name: "SalesChannelPostgres", targets: ["SalesChannelPostgres"]),
        .library(name: "CustomerPolicies", targets: ["CustomerPolicies"]),
        .library(name: "ERPHandoff", targets: ["ERPHandoff"]),
        .library(name: "Notifiers", targets: ["Notifiers"]),
        .library(name: "RequestSigning", targets: ["RequestSigning"]),
        .library(name: "AWSServices", targets: ["AWSServices"]),
        .library(name: "AmazonNotifications", targets: ["AmazonNotifications"]),
        .library(name: "AmazonSellingPartner", targets: ["AmazonSellingPartner"]),
        .library(name: "AmazonSandbox", targets: ["AmazonSandbox"]),
        .library(name: "AmazonChannel", targets: ["AmazonChannel"]),
        .library(name: "AmazonMFN", targets: ["AmazonMFN"]),
        .library(name: "AmazonFBA", targets: ["AmazonFBA"]),
        .library(name: "SalesChannelTesting", targets: ["SalesChannelTesting"]),
        .library(name: "ChildProcesses", targets: ["ChildProcesses"]),
        .library(name: "SalesChannelHTTP", targets: ["SalesChannelHTTP"]),
        .executable(name: "saleschannel", targets: ["saleschannel"]),
        .plugin(name: "scaffold-sink", targets: ["ScaffoldSink"]),
        .plugin(name: "check-deployment", targets: ["CheckDeployment"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.25.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        .target(
            name: "SalesChannel",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "SalesChannelSQLite",
            dependencies: [
                "SalesChannel",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "SalesChannelPostgres",
            dependencies: [
                "SalesChannel",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "CustomerPolicies", dependencies: ["SalesChannel"]),
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .yum(["openssl-devel"]), .brew(["openssl@3"])]
        ),
        .target(
            name: "RequestSigning",
            dependencies: [
                "COpenSSL",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .target(
            name: "AWSServices",
            dependencies: [
                "RequestSigning",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        .target(
            name: "AWSServicesTesting",
            dependencies: [
                "AWSServices", "RequestSigning", "ChildProcesses",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "AmazonSellingPartner",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "AmazonSandbox",
            dependencies: [
                "AmazonSellingPartner", "AWSServices", "RequestSigning",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources")]
        ),
        .target(
            name: "AmazonChannel",
            dependencies: ["SalesChannel", "AmazonSellingPartner", .product(name: "AsyncHTTPClient", package: "async-http-client")]
        ),
        .target(name: "AmazonMFN", dependencies: ["SalesChannel", "AmazonSellingPartner", "AmazonChannel"]),
        .target(name: "AmazonFBA", dependencies: ["SalesChannel", "AmazonSellingPartner", "AmazonChannel"]),
        .target(
            name: "AmazonNotifications",
            dependencies: [
                "SalesChannel", "AmazonSellingPartner", "AmazonChannel", "AWSServices", "RequestSigning",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "ERPHandoff", dependencies: ["SalesChannel", "RequestSigning"]),
        .target(name: "Notifiers", dependencies: ["SalesChannel", "ERPHandoff", "RequestSigning"]),
        .target(name: "ChildProcesses"),
        // The HTTP API (generated from docs/openapi.yaml), the dashboard, /metrics and health.
        .target(
            name: "SalesChannelHTTP",
            dependencies: [
                "SalesChannel", "RequestSigning",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Templates")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .target(name: "SalesChannelTesting", dependencies: ["SalesChannel", "ChildProcesses"]),
        .executableTarget(
            name: "saleschannel",
            dependencies: [
                "SalesChannel",
                "SalesChannelSQLite",
                "SalesChannelPostgres",
                "CustomerPolicies",
                "ERPHandoff",
                "Notifiers",
                "RequestSigning",
                "AmazonSellingPartner",
                "AmazonSandbox",
                "AmazonChannel",
                "AmazonMFN",
                "AmazonFBA",
                "AmazonNotifications",
                "AWSServices",
                "AWSServicesTesting",
                "SalesChannelTesting",
                "ChildProcesses",
                "SalesChannelHTTP",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SalesChannelTests",
            dependencies: [
                "SalesChannel", "SalesChannelTesting", "CustomerPolicies", "ChildProcesses",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "RequestSigningTests",
            dependencies: [
                "RequestSigning", "AWSServices", "AWSServicesTesting", "ChildProcesses",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AWSServicesTests",
            dependencies: [
                "AWSServices", "AWSServicesTesting", "RequestSigning", "AmazonNotifications", "SalesChannel", "SalesChannelTesting", "ChildProcesses",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AmazonSellingPartnerTests",
            dependencies: [
                "AmazonSellingPartner", "AmazonSandbox",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SalesChannelPostgresTests",
            dependencies: [
                "SalesChannel", "SalesChannelPostgres", "SalesChannelTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SalesChannelHTTPTests",
            dependencies: [
                "SalesChannel", "SalesChannelHTTP", "SalesChannelTesting", "RequestSigning",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SalesChannelSQLiteTests",
            dependencies: ["SalesChannel", "SalesChannelSQLite", "SalesChannelTesting", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "SalesChannel", "SalesChannelSQLite", "SalesChannelPostgres", "SalesChannelTesting", "saleschannel", "ERPHandoff", "RequestSigning",
                "AmazonSellingPartner", "AmazonChannel", "AmazonSandbox", "AWSServices", "AWSServicesTesting", "AmazonNotifications", "ChildProcesses",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            // Read from the source tree by path (their messages name the files), not bundled.
            exclude: ["Fixtures"]
        ),
        // Fuzzing (`.ci/fuzz`): the targets, one libFuzzer executable each, and the regression
        // test that runs every kept input through them.
        .target(
            name: "FuzzTargets",
            dependencies: [
                "SalesChannel", "SalesChannelSQLite", "SalesChannelTesting", "CustomerPolicies", "ERPHandoff", "Notifiers",
                "RequestSigning", "AmazonSellingPartner", "AmazonChannel", "AmazonMFN", "AmazonFBA",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Fuzz/FuzzTargets"
        ),
        .executableTarget(name: "FuzzSellingPartnerJSON", dependencies: ["FuzzTargets"], path: "Tests/Fuzz/FuzzSellingPartnerJSON"),
        .executableTarget(name: "FuzzDeploymentYAML", dependencies: ["FuzzTargets"], path: "Tests/Fuzz/FuzzDeploymentYAML"),
        .executableTarget(name: "FuzzRawHTTPRequest", dependencies: ["FuzzTargets"], path: "Tests/Fuzz/FuzzRawHTTPRequest"),
        .executableTarget(name: "FuzzWebhookSignature", dependencies: ["FuzzTargets"], path: "Tests/Fuzz/FuzzWebhookSignature"),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"]),
        .plugin(
            name: "ScaffoldSink",
            capability: .command(
                intent: .custom(verb: "scaffold-sink", description: "Create a package with a ShipmentSink target and its conformance test"),
                permissions: [.writeToPackageDirectory(reason: "writes the new sink package into this package's folder")]),
            path: "Plugins/ScaffoldSink"
        ),
        .plugin(
            name: "CheckDeployment",
            capability: .command(
                intent: .custom(verb: "check-deployment", description: "Validate deployment files against the registered plugins")),
            dependencies: ["saleschannel"],
            path: "Plugins/CheckDeployment"
        ),
    ]
)

for target in package.targets where target.type != .system && target.type != .plugin {
    target.swiftSettings = (target.swiftSettings ?? []) + strictSettings
}
