import ChildProcesses
import Foundation
import GRDB
import Testing

/// The `webhook` notifier: merchant events arrive signed, filtered, once each, without buyer data.
struct WebhookNotifierTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func merchantEventsArriveSignedAndFiltered() throws {
        let cli = try CLI.inTemporaryFolder()
        let secret = "notify-\(UUID().uuidString)"
        // A receiver built on the verifier printed in docs/webhook-signatures.md.
        let markdown = try String(contentsOf: Self.root.appendingPathComponent("docs/webhook-signatures.md"), encoding: .utf8)
        let start = try #require(markdown.range(of: "```python\n"))
        let end = try #require(markdown.range(of: "```", range: start.upperBound..<markdown.endIndex))
        let receiver = String(markdown[start.upperBound..<end.lowerBound]) + """

            import json, os, sys
            from http.server import BaseHTTPRequestHandler, HTTPServer
            class Events(BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers["Content-Length"]))
                    valid = verify_saleschannel_signature(self.headers.get("SalesChannel-Signature"), body, [os.environ["SECRET"]])
                    with open(sys.argv[1], "a") as log:
                        log.write(json.dumps({"valid": valid, "key": self.headers.get("Idempotency-Key"),
                                              "event": self.headers.get("SalesChannel-Event"), "body": body.decode()}) + "\\n")
                    self.send_response(204 if valid else 401)
                    self.end_headers()
                def log_message(self, *arguments):
                    pass
            server = HTTPServer(("127.0.0.1", 0), Events)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        let log = cli.directory.appendingPathComponent("events.jsonl")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", receiver, log.path]
        process.environment = ProcessInfo.processInfo.environment.merging(["SECRET": secret]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        let port = try #require(Int(output.fileHandleForReading.firstLine()
            .trimmingCharacters(in: .whitespacesAndNewlines)))

        try """
            store:
              plugin: sqlite
              path: notify.sqlite
            sources:
              - plugin: scripted
                orders: 150
                seed: 3
            notifiers:
              - plugin: webhook
                url: http://127.0.0.1:\(port)/events
                secret: ${NOTIFY_SECRET}
                events: commerce-order-created, canceled, buyer-requested-cancellation
            """.write(to: cli.directory.appendingPathComponent("deploy.yaml"), atomically: true, encoding: .utf8)
        let run = try cli.run(["run", "--config", "deploy.yaml", "--once", "--quiet"], environment: ["NOTIFY_SECRET": secret])
        #expect(run.status == 0, "\(run.stderr)")

        let events = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        let kinds = events.compactMap { $0["event"] as? String }
        #expect(events.allSatisfy { $0["valid"] as? Bool == true })
        #expect(Set(kinds).isSubset(of: ["merchant.commerce-order-created", "merchant.canceled", "merchant.buyer-requested-cancellation"]))
        #expect(Set(kinds).count == 3, "\(Set(kinds))")
        let keys = events.compactMap { $0["key"] as? String }
        #expect(Set(keys).count == keys.count, "each event once")
        let bodies = events.compactMap { $0["body"] as? String }.joined()
        #expect(!bodies.contains("@marketplace.amazon.com") && !bodies.contains("Main St"), "no buyer data in events")
        let created = try DatabaseQueue(path: cli.directory.appendingPathComponent("notify.sqlite").path).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM commerce_orders") ?? 0
        }
        #expect(kinds.filter { $0 == "merchant.commerce-order-created" }.count == created)
    }
}
