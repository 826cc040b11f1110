import Foundation
import SalesChannelTesting
import Testing
import WarehouseCSVSink

struct WarehouseCSVSinkTests {
    @Test func passesTheShipmentSinkConformanceSuite() async throws {
        let feed = FileManager.default.temporaryDirectory.appendingPathComponent("warehouse-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: feed) }
        let sink = WarehouseCSVSink(feed: feed)
        try await ShipmentSinkConformance(sink: sink) { key in try await sink.deliveries(forKey: key) }.run()
    }
}
