// swift-tools-version: 6.1
// A custom ShipmentSink in its own target: a CSV feed a warehouse imports.
import PackageDescription

let package = Package(
    name: "CustomSink",
    platforms: [.macOS(.v15)],
    products: [.library(name: "WarehouseCSVSink", targets: ["WarehouseCSVSink"])],
    dependencies: [.package(name: "SalesChannel", path: "../..")],
    targets: [
        .target(name: "WarehouseCSVSink", dependencies: [.product(name: "SalesChannel", package: "SalesChannel")]),
        .testTarget(
            name: "WarehouseCSVSinkTests",
            dependencies: ["WarehouseCSVSink", .product(name: "SalesChannelTesting", package: "SalesChannel")]),
    ]
)
