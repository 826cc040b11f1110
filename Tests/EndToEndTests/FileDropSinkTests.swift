import ERPHandoff
import Foundation
import SalesChannelTesting
import Testing

struct FileDropSinkTests {
    @Test func fileDropSinkConforms() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("file-drop-\(UUID().uuidString)")
        let sink = try FileDropSink(directory: folder)
        try await ShipmentSinkConformance(sink: sink) { key in
            FileManager.default.fileExists(atPath: sink.fileURL(forKey: key).path) ? 1 : 0
        }.run()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.count == 2, "one order file and one cancellation file, no temporary files: \(files)")
    }
}
