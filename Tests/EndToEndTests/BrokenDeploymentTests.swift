import Foundation
import Testing

/// The broken deployment files of `Fixtures/broken-deployments`, each run by `config check` and by
/// `run --once`: the exit status and the messages its README's table gives, and nothing created.
struct BrokenDeploymentTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var status: Int32
        var environment: [String: String]
        var messages: [String]
        var testDescription: String { file }
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/broken-deployments")

    /// The README's table, row by row (`\|` is a `|` inside a cell).
    static let cases: [Case] = {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("README.md"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line -> Case? in
            guard line.hasPrefix("| "), let first = line.dropFirst(2).first, first.isNumber else { return nil }
            let placeholder = "\u{0}"
            let cells = line.replacingOccurrences(of: "\\|", with: placeholder).split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.replacingOccurrences(of: placeholder, with: "|").trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, let status = Int32(cells[2]) else { return nil }
            let environment = Dictionary(uniqueKeysWithValues: cells[3].split(separator: " ").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                return (parts[0], parts.count > 1 ? parts[1] : "")
            })
            return Case(file: cells[1], status: status, environment: environment, messages: cells[4].components(separatedBy: "<br>"))
        }
    }()

    @Test func theTableCoversAtLeastFortyFilesAndEveryFileIsInIt() throws {
        #expect(Self.cases.count >= 40)
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(Set(files) == Set(Self.cases.map(\.file)), "every file has a row and every row a file")
        let five = try #require(Self.cases.first { $0.file.contains("five-mistakes") })
        #expect(five.messages.count == 5, "a file with five mistakes gets five lines")
    }

    @Test(arguments: cases)
    func isRefusedWithItsMessagesAndCreatesNothing(_ broken: Case) throws {
        let cli = try CLI.inTemporaryFolder()
        let copy = cli.directory.appendingPathComponent(broken.file)
        try FileManager.default.copyItem(at: Self.folder.appendingPathComponent(broken.file), to: copy)
        let before = try Self.listing(cli.directory)
        let expected = broken.messages.map { "Error: " + $0.replacingOccurrences(of: "{folder}", with: cli.directory.resolvingSymlinksInPath().path) }
        for command in [["config", "check", broken.file], ["run", "--once", "--config", broken.file]] {
            let result = try cli.run(command, environment: broken.environment)
            #expect(result.status == broken.status, "\(command.joined(separator: " ")): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n").map(String.init)
            #expect(lines == expected, "\(command.joined(separator: " "))")
            for (name, value) in broken.environment where name.contains("SECRET") || name.contains("TOKEN") {
                #expect(!(result.stdout + result.stderr).contains(value), "a secret is never printed")
            }
            #expect(try Self.listing(cli.directory) == before, "\(command.joined(separator: " ")) created nothing")
        }
    }

    /// Every file and folder under `directory`, hidden ones included, but the harness's own
    /// captured output.
    static func listing(_ directory: URL) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        var names: [String] = []
        while let name = enumerator?.nextObject() as? String {
            if name.hasPrefix(".out-") || name.hasPrefix(".err-") { continue }
            names.append(name)
        }
        return names.sorted()
    }
}
