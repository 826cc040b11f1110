// swift-tools-version: 6.1
// A host app: composes SalesChannel's plugins in Swift and books Amazon orders into its own shop.
import PackageDescription

let package = Package(
    name: "HostApp",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "SalesChannel", path: "../..")],
    targets: [
        .target(
            name: "Shop",
            dependencies: [
                .product(name: "SalesChannel", package: "SalesChannel"),
                .product(name: "SalesChannelSQLite", package: "SalesChannel"),
                .product(name: "AmazonChannel", package: "SalesChannel"),
                .product(name: "AmazonSellingPartner", package: "SalesChannel"),
                .product(name: "AmazonMFN", package: "SalesChannel"),
                .product(name: "AmazonFBA", package: "SalesChannel"),
                .product(name: "AmazonSandbox", package: "SalesChannel"),
                .product(name: "CustomerPolicies", package: "SalesChannel"),
                .product(name: "ERPHandoff", package: "SalesChannel"),
            ]),
        .executableTarget(name: "HostApp", dependencies: ["Shop"]),
        .testTarget(name: "ShopTests", dependencies: ["Shop"]),
    ]
)
