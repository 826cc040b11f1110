import Foundation
import FuzzTargets
import Testing

/// Every input kept under `Tests/Fuzz/Inputs/<target>/` (crashes the fuzzers found, fixed since,
/// and hand-made edge cases) and every seed `.ci/fuzz` starts from goes through its target
/// without a crash.
struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The kept inputs and the seeds of one target (the same folders `.ci/fuzz` reads).
    static func inputs(_ target: FuzzTarget) throws -> [URL] {
        let folders: [String] = switch target {
        case .sellingPartnerJSON: ["Tests/Fuzz/Inputs/FuzzSellingPartnerJSON"]
        case .deploymentYAML: ["Tests/Fuzz/Inputs/FuzzDeploymentYAML", "Examples/deployments", "Tests/EndToEndTests/Fixtures/broken-deployments"]
        case .rawHTTPRequest: ["Tests/Fuzz/Inputs/FuzzRawHTTPRequest"]
        case .webhookSignature: ["Tests/Fuzz/Inputs/FuzzWebhookSignature"]
        }
        var files: [URL] = []
        for folder in folders {
            let url = root.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey]) else { continue }
            for case let file as URL in walker where (try file.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
                files.append(file)
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    @Test(arguments: FuzzTarget.allCases)
    func keptInputsDoNotCrash(_ target: FuzzTarget) throws {
        let files = try Self.inputs(target)
        #expect(files.count >= 3, "\(target.rawValue) has inputs to replay")
        for file in files {
            target.check(Array(try Data(contentsOf: file)))
        }
    }
}
