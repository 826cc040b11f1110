import ChildProcesses
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

    /// `jobs replay` sends a finished handoff again under a key of its own, marked as a replay;
    /// the ERP that deduplicates by key takes it, and nothing else is sent twice.
    @Test func aReplayedHandoffReachesTheERPUnderANewKey() throws {
        let cli = try CLI.inTemporaryFolder()
        let receiver = try Self.startReceiver(in: cli.directory, unavailableFor: 0)
        defer { kill(receiver.process.processIdentifier, SIGKILL); receiver.process.waitUntilExit() }
        try """
            store:
              plugin: sqlite
              path: erp.sqlite
            sources:
              - plugin: scripted
                orders: 12
                seed: 3
            sinks:
              - plugin: webhook
                name: erp
                url: http://127.0.0.1:\(receiver.port)/orders
                secret: ${ERP_WEBHOOK_SECRET}
            """.write(to: cli.directory.appendingPathComponent("deploy.yaml"), atomically: true, encoding: .utf8)
        let environment = ["ERP_WEBHOOK_SECRET": Self.secret]
        let first = try cli.run(["run", "--config", "deploy.yaml", "--once", "--quiet"], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        let deliveries = { () throws -> [[String: String]] in
            try String(contentsOf: cli.directory.appendingPathComponent("deliveries.jsonl"), encoding: .utf8)
                .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] ?? [:] }
        }
        let before = try deliveries()
        let jobs = try #require(try cli.json(["jobs", "--config", "deploy.yaml", "--all", "--json"]) as? [[String: Any]])
        let handoff = try #require(jobs.first { $0["effect"] as? String == "handoff:erp" && $0["status"] as? String == "done" })
        let id = try #require(handoff["id"] as? Int)
        let order = try #require(handoff["amazonOrderId"] as? String)

        // By job id, then by order and effect: generations 2 and 3.
        let replay = try cli.run(["jobs", "replay", "--config", "deploy.yaml", String(id)], environment: environment)
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("\(order)/handoff:erp/replay-2"))
        let again = try cli.run(["jobs", "replay", "--config", "deploy.yaml", String(id)], environment: environment)
        #expect(again.status == 2 && again.stderr.contains("already being replayed"), "\(again.stderr)")
        #expect(try cli.run(["run", "--config", "deploy.yaml", "--once", "--quiet"], environment: environment).status == 0)
        let byOrder = try cli.run(["jobs", "replay", "--config", "deploy.yaml", "--order", order, "--effect", "handoff"], environment: environment)
        #expect(byOrder.status == 0 && byOrder.stdout.contains("\(order)/handoff:erp/replay-3"), "\(byOrder.stdout) \(byOrder.stderr)")
        #expect(try cli.run(["run", "--config", "deploy.yaml", "--once", "--quiet"], environment: environment).status == 0)

        let after = try deliveries()
        let added = Array(after.dropFirst(before.count))
        #expect(added.map { $0["key"] ?? "" } == ["\(order)/handoff:erp/replay-2", "\(order)/handoff:erp/replay-3"])
        #expect(added.map { $0["replay"] ?? "" } == ["2", "3"])
        #expect(added.allSatisfy { $0["order"] == order && $0["type"] == "order" })
        #expect(before.allSatisfy { $0["replay"] == "" }, "first deliveries are not marked as replays")
        let stats = try Self.stats(port: receiver.port)
        #expect(stats["repeats"] == 0, "nothing else was sent again")

        // A job that is not finished is refused, and says what to do.
        let pending = try cli.run(["jobs", "replay", "--config", "deploy.yaml", "999999"], environment: environment)
        #expect(pending.status == 2 && pending.stderr.contains("no job with id 999999"), "\(pending.stderr)")
        let detail = try #require(try cli.json(["order", "--config", "deploy.yaml", order, "--json"]) as? [String: Any])
        let events = try #require(detail["events"] as? [[String: Any]])
        #expect(events.filter { ($0["message"] as? String)?.contains("replayed as job") == true }.count == 2)
    }
}
