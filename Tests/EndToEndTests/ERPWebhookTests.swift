import Foundation
import GRDB
import Testing

/// The `webhook` sink against the ERP receiver printed in docs/erp-handoff.md, run as written.
struct ERPWebhookTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let secret = "erp-test-secret-\(UUID().uuidString)"

    /// The receiver from the docs, started on a free port; it answers 503 for `unavailableFor` seconds.
    static func startReceiver(in directory: URL, unavailableFor: Double) throws -> (process: Process, port: Int) {
        let markdown = try String(contentsOf: root.appendingPathComponent("docs/erp-handoff.md"), encoding: .utf8)
        let start = try #require(markdown.range(of: "```python\n"))
        let end = try #require(markdown.range(of: "```", range: start.upperBound..<markdown.endIndex))
        let script = directory.appendingPathComponent("receiver.py")
        try String(markdown[start.upperBound..<end.lowerBound]).write(to: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--port", "0", "--log", directory.appendingPathComponent("deliveries.jsonl").path,
                             "--unavailable-for", String(unavailableFor)]
        process.environment = ProcessInfo.processInfo.environment.merging(["ERP_WEBHOOK_SECRET": secret]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = output.fileHandleForReading.firstLine()
        let port = try #require(Int(line.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""), "receiver said \(line)")
        return (process, port)
    }

    static func stats(port: Int) throws -> [String: Int] {
        let data = try curl(["-s", "http://127.0.0.1:\(port)/stats"])
        return try JSONSerialization.jsonObject(with: data) as? [String: Int] ?? [:]
    }

    static func curl(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "--max-time", "10"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }

    @Test func anERPDownForTwoMinutesGetsEveryOrderExactlyOnce() throws {
        let cli = try CLI.inTemporaryFolder()
        let outage = Double(ProcessInfo.processInfo.environment["ERP_OUTAGE_SECONDS"] ?? "120") ?? 120
        let receiver = try Self.startReceiver(in: cli.directory, unavailableFor: outage)
        defer { kill(receiver.process.processIdentifier, SIGKILL); receiver.process.waitUntilExit() }
        try """
            store:
              plugin: sqlite
              path: erp.sqlite
            sources:
              - plugin: scripted
                orders: 300
                seed: 5
            sinks:
              - plugin: webhook
                name: erp
                url: http://127.0.0.1:\(receiver.port)/orders
                secret: ${ERP_WEBHOOK_SECRET}
                timeoutSeconds: 5
            runner:
              maxAttempts: 60
              baseDelaySeconds: 1
              maxDelaySeconds: 8
            """.write(to: cli.directory.appendingPathComponent("deploy.yaml"), atomically: true, encoding: .utf8)
        print("erp webhook: receiver on port \(receiver.port), down for \(Int(outage)) s")
        let started = Date()
        // One pass: sync, then the outbox until nothing is left to retry.
        let run = try cli.run(["run", "--config", "deploy.yaml", "--once", "--quiet"], environment: ["ERP_WEBHOOK_SECRET": Self.secret])
        #expect(run.status == 0, "\(run.stderr)")
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= outage, "finished before the ERP came back")

        let database = try DatabaseQueue(path: cli.directory.appendingPathComponent("erp.sqlite").path)
        let (expected, dead) = try database.read { db in
            (Set(try String.fetchAll(db, sql: "SELECT idempotency_key FROM jobs WHERE effect_name IN ('handoff:erp', 'cancel-handoff:erp')")),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE status != 'done'") ?? -1)
        }
        let lines = try String(contentsOf: cli.directory.appendingPathComponent("deliveries.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] ?? [:] }
        let delivered = lines.compactMap { $0["key"] }
        let stats = try Self.stats(port: receiver.port)
        #expect(expected.count > 100)
        #expect(dead == 0, "every job is done")
        #expect(Set(delivered) == expected, "every handoff and cancellation reached the ERP")
        #expect(delivered.count == Set(delivered).count, "none twice")
        #expect(stats["unavailable"] ?? 0 > 0, "the outage was seen")
        #expect(stats["bad_signature"] == 0)
        #expect(stats["repeats"] == 0, "no delivery was sent again after the ERP took it")
        print("erp webhook: \(expected.count) deliveries after a \(Int(outage)) s outage (\(stats["unavailable"] ?? 0) answers 503), done in \(Int(elapsed)) s")

        // The receiver from the docs refuses a forged signature.
        let forged = try Self.curl([
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
            "-H", "SalesChannel-Signature: t=\(Int(Date().timeIntervalSince1970)),v1=\(String(repeating: "0", count: 64))",
            "-H", "Idempotency-Key: forged",
            "--data-binary", #"{"type":"order","idempotencyKey":"forged","order":{"amazonOrderID":"x"}}"#,
            "http://127.0.0.1:\(receiver.port)/orders",
        ])
        #expect(String(decoding: forged, as: UTF8.self) == "401")
    }
}
