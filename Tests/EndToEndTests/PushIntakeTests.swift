import AWSServices
import AWSServicesTesting
import AmazonNotifications
import AsyncHTTPClient
import ChildProcesses
import Foundation
import NIOCore
import NIOFoundationCompat
import RequestSigning
import SalesChannel
import SalesChannelSQLite
import Testing

/// Amazon's `ORDER_CHANGE` notifications end to end: the sandbox publishes each change of its
/// orders to an SQS queue on a `moto_server` that checks signatures (with losses, duplicates
/// and random delays), `saleschannel run` reads them with its push intake (SigV4 over OpenSSL)
/// and is killed at random; polling is slowed to a safety net, and one last `run --once`
/// brings in what was lost. The end state is polling's, each order once.
@Suite(.serialized, .enabled(if: ThrowawayMoto.isAvailable || ProcessInfo.processInfo.environment["CI"] != nil, Comment(rawValue: ThrowawayMoto.skipReason)))
struct PushIntakeTests {
    static func deployment(sandbox: String, queueURL: String, endpoint: String) -> String {
        """
        store: { plugin: sqlite, path: push.sqlite }
        sources:
        \(["amazon-mfn", "amazon-fba"].map { AmazonWorkflowTests.source(plugin: $0, url: sandbox) }.joined(separator: "\n")
            .replacingOccurrences(of: "rateScale: 100", with: "rateScale: 2000"))
        customerPolicy:
          plugin: create-customer
        sinks:
          - plugin: file-drop
            directory: erp
        intakes:
          - plugin: amazon-sqs
            queueUrl: \(queueURL)
            endpoint: \(endpoint)
            region: us-east-1
            waitSeconds: 1
            visibilitySeconds: 10
            coalesceSeconds: 0.2
            maxReceives: 3
            pollWhileFlowingMinutes: 10
            quietMinutes: 10
        runner:
          pollIntervalSeconds: 0.5
          baseDelaySeconds: 0.05
          maxDelaySeconds: 1
          maxAttempts: 20
          leaseSeconds: 2
        """
    }

    @Test func changesArriveThroughSQSDespiteLossesDuplicatesReorderingAndKills() async throws {
        let moto = try ThrowawayMoto()
        defer { moto.stop() }
        let http = HTTPClient.shared
        try await moto.waitUntilReady(http: http)
        let user = try await moto.bootstrap(http: http)
        let setupSQS = try SQSClient(queueURL: moto.endpoint + "000000000000/x", region: "us-east-1", credentials: StaticCredentialProvider(user), http: http)
        let queueURL = try await setupSQS.createQueue(named: "order-change")
        let aws = ["AWS_ACCESS_KEY_ID": user.accessKeyID, "AWS_SECRET_ACCESS_KEY": user.secretAccessKey]

        // Every order arrives during the run (Amazon 600 times faster), and each change is
        // published: 10% lost, 10% twice, each after up to 1.5 s (so out of order).
        let setup = try await AmazonWorkflowTests.start(
            orders: 1_300, faults: "", timeScale: 600,
            sandboxArguments: ["--existing-share", "0", "--notify-queue-url", queueURL, "--notify-endpoint", moto.endpoint,
                               "--notify-region", "us-east-1", "--notify-max-delay", "1.5", "--notify-duplicates", "0.1", "--notify-drops", "0.1"],
            sandboxEnvironment: aws)
        defer { kill(setup.sandbox.process.processIdentifier, SIGKILL); setup.sandbox.process.waitUntilExit() }
        try Self.deployment(sandbox: setup.baseURL, queueURL: queueURL, endpoint: moto.endpoint)
            .write(to: setup.cli.directory.appendingPathComponent("push.yaml"), atomically: true, encoding: .utf8)
        var environment = AmazonWorkflowTests.environment
        environment.merge(aws) { $1 }
        // As at Amazon, nothing is sent before the seller is subscribed.
        let subscribed = try setup.cli.run(["notifications", "setup", "--config", "push.yaml"], environment: environment)
        #expect(subscribed.status == 0, "\(subscribed.stderr)")

        // Messages no source can use: garbage, a stranger's seller, an unknown marketplace.
        let example = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../AWSServicesTests/Fixtures/order-change-example.json").standardized, encoding: .utf8)
        let poison = [
            "not json at all",
            #"{"NotificationType":"ORDER_CHANGE","Payload":{"OrderChangeNotification":{"AmazonOrderId":"111-0000000-0000001"}}}"#,
            example,  // seller A3TH9S8BH6GOGM: not this deployment's
            example.replacingOccurrences(of: "A3TH9S8BH6GOGM", with: "A1SANDBOXSELLER").replacingOccurrences(of: "ATVPDKIKX0DER", with: "A1PA6795UKMFR9")
                .replacingOccurrences(of: "d0e9e693-c3ad-4373-979f-ed4ec98dd746\"\n", with: "poison-4\"\n"),
        ]
        _ = try await setupSQS.sendMessages(queueURL: queueURL, poison.map { ($0, 0) })

        // Phase 1: one worker, never killed, polling only at its start: what it imports after
        // that came through SQS.
        let observedFrom = Date()
        var worker = try setup.cli.start(["run", "--config", "push.yaml"], environment: environment)
        try await Task.sleep(for: .seconds(14))
        let checkedAt = Date()
        let pushed = try await Self.pushedChangesAreImported(setup, before: checkedAt.addingTimeInterval(-3))
        print("push intake: \(pushed) orders checked as delivered by notifications")
        // How many depends on the machine's load (CI runs every suite at once); each one checked
        // must be right, and enough must be checked for the check to mean something.
        #expect(pushed >= 25, "too few orders were delivered by notifications to check: \(pushed); the run said: \(worker.stderr().suffix(3000))")

        // Phase 2: SIGKILLs at random times, shipments recorded meanwhile.
        var shipped: [String: Int] = [:]
        var random = SystemRandomNumberGenerator()
        for round in 0..<6 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 1500...3500, using: &random)))
            kill(worker.process.processIdentifier, SIGKILL)
            worker.process.waitUntilExit()
            if round % 2 == 0 {
                // Orders still open at Amazon: the store may lag it by a lost notice.
                let open = Set(try await AmazonWorkflowTests.truth(setup).filter {
                    ["UNSHIPPED", "PARTIALLY_SHIPPED"].contains($0["status"] as? String ?? "") && $0["buyerRequestedCancellation"] as? Bool == false
                }.compactMap { $0["orderId"] as? String })
                try AmazonWorkflowTests.shipSome(setup, count: 6, shipped: &shipped, deployment: "push.yaml", openAtAmazon: open)
            }
            worker = try setup.cli.start(["run", "--config", "push.yaml"], environment: environment)
        }
        // Enough changes must flow for the losses and duplicates to mean something; how many
        // come in a given time depends on the machine's load, so wait for them (up to three
        // minutes), then let the last ones settle.
        var log = try await Self.notificationLog(setup)
        let deadline = ContinuousClock.now + .seconds(180)
        while log.count < 2_000 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(2))
            log = try await Self.notificationLog(setup)
        }
        try await Task.sleep(for: .seconds(10))
        log = try await Self.notificationLog(setup)
        kill(worker.process.processIdentifier, SIGTERM)
        worker.process.waitUntilExit()
        #expect(worker.process.terminationStatus == 0, "the run did not stop cleanly: \(worker.stderr().suffix(800))")

        let changes = log.count
        let dropped = log.filter { $0["dropped"] as? Bool == true }.count
        let duplicated = log.filter { $0["copies"] as? Int == 2 }.count
        print("push intake: \(changes) changes published, \(dropped) lost, \(duplicated) sent twice")
        #expect(changes >= 2_000, "only \(changes) order changes were published")
        #expect(dropped > changes / 20 && duplicated > changes / 20)

        // The safety net: one polling pass, then the end state of polling.
        let asOf = Date().addingTimeInterval(-3)
        let final = try setup.cli.run(["run", "--config", "push.yaml", "--once"], environment: environment)
        #expect(final.status == 0, "final pass failed: \(final.stderr)")
        try await AmazonWorkflowTests.verify(setup, shipped: shipped, observedFrom: observedFrom, watched: 8, deployment: "push.yaml", asOf: asOf)

        // Exactly once: one commerce order per Amazon order, one handoff file per key.
        let files = try FileManager.default.contentsOfDirectory(atPath: setup.cli.directory.appendingPathComponent("erp").path)
            .filter { $0.hasSuffix("_handoff_file-drop.json") }
        #expect(Set(files.map { String($0.prefix { $0 != "_" }) }).count == files.count)
        let database = try SQLiteDatabase(path: setup.cli.directory.appendingPathComponent("push.sqlite").path, mode: .readOnly)
        let ledger = try await SQLiteCommerceBackend(database: database).orders()
        #expect(Set(ledger.map(\.amazonOrderID)).count == ledger.count, "an Amazon order has two commerce orders")

        // The poison was kept with its reasons and deleted from the queue.
        let quarantined = try await SQLiteChannelStore(database: database).quarantined().filter { $0.sourceID == "amazon-sqs/order-change" }
        #expect(quarantined.count == 4, "quarantined: \(quarantined.map(\.reason))")
        #expect(quarantined.contains { $0.reason.contains("no source of this deployment serves seller A3TH9S8BH6GOGM") })
        #expect(quarantined.contains { $0.reason.contains("marketplace A1PA6795UKMFR9") })
        #expect(quarantined.contains { $0.reason.contains("not a JSON object") })
        #expect(quarantined.contains { $0.amazonOrderID == "111-0000000-0000001" && $0.reason.contains("missing") })
        let attributes = try await setupSQS.queueAttributes(queueURL: queueURL)
        print("queue after the run: \(attributes["ApproximateNumberOfMessages"] ?? "?") visible, \(attributes["ApproximateNumberOfMessagesNotVisible"] ?? "?") in flight")
    }

    /// `notifications setup|status|teardown` against the sandbox's Notifications API and the
    /// queue on moto: what is missing is created once, what exists is shown, then removed.
    @Test func notificationsSetupStatusAndTeardown() async throws {
        let moto = try ThrowawayMoto()
        defer { moto.stop() }
        let http = HTTPClient.shared
        try await moto.waitUntilReady(http: http)
        let user = try await moto.bootstrap(http: http)
        let sqs = try SQSClient(queueURL: moto.endpoint + "000000000000/x", region: "us-east-1", credentials: StaticCredentialProvider(user), http: http)
        let queueURL = try await sqs.createQueue(named: "order-change")
        let setup = try await AmazonWorkflowTests.start(
            orders: 200, faults: "", timeScale: 3600,
            sandboxArguments: ["--existing-share", "0", "--notify-queue-url", queueURL, "--notify-endpoint", moto.endpoint, "--notify-region", "us-east-1"],
            sandboxEnvironment: ["AWS_ACCESS_KEY_ID": user.accessKeyID, "AWS_SECRET_ACCESS_KEY": user.secretAccessKey])
        defer { kill(setup.sandbox.process.processIdentifier, SIGKILL); setup.sandbox.process.waitUntilExit() }
        try Self.deployment(sandbox: setup.baseURL, queueURL: queueURL, endpoint: moto.endpoint)
            .write(to: setup.cli.directory.appendingPathComponent("push.yaml"), atomically: true, encoding: .utf8)
        var environment = AmazonWorkflowTests.environment
        environment.merge(["AWS_ACCESS_KEY_ID": user.accessKeyID, "AWS_SECRET_ACCESS_KEY": user.secretAccessKey]) { $1 }
        func notifications(_ verb: String) throws -> CLI.Result {
            try setup.cli.run(["notifications", verb, "--config", "push.yaml"], environment: environment)
        }

        let before = try notifications("status")
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdout.contains("none for this queue") && before.stdout.contains("not subscribed"), "\(before.stdout)")
        #expect(before.stdout.contains("arn:aws:sqs:us-east-1:123456789012:order-change"))
        #expect(before.stdout.contains("queue depth:  0 waiting"), "\(before.stdout)")

        let created = try notifications("setup")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("created for arn:aws:sqs:us-east-1:123456789012:order-change"), "\(created.stdout)")
        #expect(created.stdout.contains("seller A1SANDBOXSELLER: subscribed ("), "\(created.stdout)")
        #expect(created.stdout.contains("marketplaces ATVPDKIKX0DER, changes OrderStatusChange,BuyerRequestedChange"))

        // Once subscribed, the sandbox publishes; what it sends is what Amazon's schema states,
        // checked by jsonschema (PyPI) against OrderChangeNotification.json itself.
        var bodies: [String] = []
        for _ in 0..<20 where bodies.count < 10 {
            bodies += try await sqs.receiveMessages(queueURL: queueURL, maxMessages: 10, waitSeconds: 1).map(\.body)
        }
        #expect(!bodies.isEmpty, "the sandbox published nothing once subscribed")
        for body in bodies {
            let notice = try OrderChangeNotification.parse(body)
            #expect(notice.deviations.isEmpty, "\(notice.deviations)")
            #expect(notice.sellerID == "A1SANDBOXSELLER" && notice.marketplaceID == "ATVPDKIKX0DER")
        }
        let validation = try Self.validate(bodies, in: setup.cli.directory)
        #expect(validation.status == 0, "jsonschema: \(validation.output)")

        let again = try notifications("setup")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("already sends to") && again.stdout.contains("subscribed already"), "\(again.stdout)")

        let shown = try notifications("status")
        #expect(shown.stdout.contains("→ this queue"), "\(shown.stdout)")

        let removed = try notifications("teardown")
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(removed.stdout.contains("subscription") && removed.stdout.contains("removed"), "\(removed.stdout)")
        let after = try notifications("status")
        #expect(after.stdout.contains("none for this queue") && after.stdout.contains("not subscribed"), "\(after.stdout)")

        // Secrets stay out of what the commands print.
        for output in [before, created, again, shown, removed, after] {
            #expect(!(output.stdout + output.stderr).contains(user.secretAccessKey))
            #expect(!(output.stdout + output.stderr).contains("sandbox-client-secret"))
        }
    }

    /// Validates each body against Amazon's `OrderChangeNotification.json` with Python's
    /// jsonschema (Draft 7, as the schema declares).
    static func validate(_ bodies: [String], in folder: URL) throws -> (status: Int32, output: String) {
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Tests/AWSServicesTests/Fixtures/OrderChangeNotification.json").standardized.path
        let messages = folder.appendingPathComponent("messages.json")
        try JSONSerialization.data(withJSONObject: bodies).write(to: messages)
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            for body in json.load(open(sys.argv[2])):
                jsonschema.Draft7Validator(schema).validate(json.loads(body))
            print("valid")
            """
        let output = folder.appendingPathComponent("validation.txt").path
        let argv = ["/usr/bin/env", "python3", "-c", script, schema, messages.path]
        guard let python = try? ChildProcess(executable: argv[0], arguments: Array(argv.dropFirst()), standardOutput: .file(output), standardError: .standardOutput)
        else { return (-1, "python3 did not start") }
        let status = python.shellStatus
        return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }

    /// Orders whose latest change before `before` was published (not lost) and sent by then:
    /// each must show Amazon's status as of that change. Answers how many were checked.
    static func pushedChangesAreImported(_ setup: AmazonWorkflowTests.Setup, before: Date) async throws -> Int {
        let log = try await notificationLog(setup)
        var latest: [String: [String: Any]] = [:]
        for record in log { latest[record["orderId"] as? String ?? ""] = record }
        let truth = Dictionary(try await AmazonWorkflowTests.truth(setup).map { ($0["orderId"] as? String ?? "", $0) }) { first, _ in first }
        let ours = Dictionary(try AmazonWorkflowTests.orders(setup, deployment: "push.yaml").map { ($0["amazonOrderId"] as? String ?? "", $0) }) { first, _ in first }
        var checked = 0
        for (id, record) in latest {
            guard record["dropped"] as? Bool == false, let sent = (record["sentAt"] as? [Double])?.min(), Date(timeIntervalSince1970: sent) < before,
                let amazon = truth[id], let updated = (amazon["lastUpdatedTime"] as? String).flatMap(AmazonWorkflowTests.date),
                // No later change (a shipment recorded by a test, Amazon moving on) since.
                updated <= Date(timeIntervalSince1970: record["changedAt"] as? Double ?? 0)
            else { continue }
            let status = amazon["status"] as? String ?? ""
            let channel = amazon["fulfillmentChannel"] as? String ?? ""
            if channel == "AFN" && status != "SHIPPED" { continue }  // never imported
            #expect(ours[id]?["amazonStatus"] as? String == status, "\(id): notified \(status), stored \(ours[id]?["amazonStatus"] ?? "nothing")")
            checked += 1
        }
        return checked
    }

    static func notificationLog(_ setup: AmazonWorkflowTests.Setup) async throws -> [[String: Any]] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: setup.baseURL + "/_sandbox/notifications"), timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
    }
}
