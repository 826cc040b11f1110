import ArgumentParser
import Foundation
import RequestSigning

struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract: "Measure SalesChannel's hot paths and print the figures.",
        subcommands: [SigningBenchmark.self, ImportBenchmark.self, DayBenchmark.self, ScaleOutBenchmark.self, PushBenchmark.self, HTTPBenchmark.self])
}

/// SigV4 signatures per second for a typical SQS request and a typical SP-API GET, with botocore
/// timed in the same run on the same requests; HMAC-SHA256 and SHA-256 throughput.
struct SigningBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signing",
        abstract: "SigV4, HMAC-SHA256 and SHA-256 throughput, against botocore on the same requests.",
        discussion: "Build with -c release for meaningful figures: swift run -c release saleschannel benchmark signing")

    @Option(help: "Seconds per measurement.") var seconds: Double = 2
    @Flag(name: .customLong("no-botocore"), help: "Skip the botocore reference (needs python3 with botocore).") var noBotocore = false

    struct Workload {
        var name: String
        var service: String
        var url: String
        var request: SignableRequest
    }

    static let workloads: [Workload] = [
        Workload(
            name: "SQS ReceiveMessage (POST)", service: "sqs", url: "https://sqs.us-east-1.amazonaws.com/123456789012/order-change",
            request: SignableRequest(
                method: "POST", path: "/123456789012/order-change",
                headers: [("Host", "sqs.us-east-1.amazonaws.com"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                body: Array("Action=ReceiveMessage&MaxNumberOfMessages=10&WaitTimeSeconds=20&AttributeName.1=All&Version=2012-11-05".utf8))),
        Workload(
            name: "SP-API searchOrders (GET)", service: "execute-api",
            url: "https://sellingpartnerapi-na.amazon.com/orders/2026-01-01/orders?marketplaceIds=ATVPDKIKX0DER&lastUpdatedAfter=2026-11-27T10%3A00%3A00Z&includedData=BUYER%2CRECIPIENT%2CFULFILLMENT&maxResultsPerPage=100",
            request: SignableRequest(
                method: "GET", path: "/orders/2026-01-01/orders",
                query: "marketplaceIds=ATVPDKIKX0DER&lastUpdatedAfter=2026-11-27T10%3A00%3A00Z&includedData=BUYER%2CRECIPIENT%2CFULFILLMENT&maxResultsPerPage=100",
                headers: [("Host", "sellingpartnerapi-na.amazon.com"), ("x-amz-access-token", "Atza|IwEBIExampleAccessToken"),
                          ("User-Agent", "SalesChannel/1.0 (Language=Swift)")])),
    ]

    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    func run() throws {
        #if DEBUG
            print("note: this is a debug build; use `swift run -c release saleschannel benchmark signing` for real figures")
        #endif
        let date = SigV4Signer.date(fromAmzDate: "20261127T120000Z")!
        let python = noBotocore ? nil : try? botocoreRates(seconds: seconds)
        print("SigV4 signatures per second (\(seconds) s each, one core)")
        print(pad("request", 30) + pad("SalesChannel", 16) + pad("botocore", 12) + "ratio")
        for (index, workload) in Self.workloads.enumerated() {
            let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: workload.service)
            // The same check botocore gets: the signature must be right before it is timed.
            let rate = Self.measure(seconds: seconds) {
                var request = workload.request
                signer.sign(&request, date: date)
            }
            let reference = python?[index]
            print(pad(workload.name, 30) + pad(Self.format(rate), 16) + pad(reference.map(Self.format) ?? "-", 12)
                + (reference.map { String(format: "%.1fx", rate / $0) } ?? "(botocore not available)"))
        }

        let megabyte = [UInt8](repeating: 0x61, count: 1 << 20)
        let sha = Self.measure(seconds: seconds) { _ = SHA256.hash(megabyte) }
        let kilobyte = [UInt8](repeating: 0x62, count: 1024)
        let hmac = try HMACSHA256(key: Array("webhook-secret".utf8))
        let macs = Self.measure(seconds: seconds) { _ = hmac.authenticationCode(for: kilobyte) }
        print("SHA-256: \(String(format: "%.0f", sha)) MiB/s (1 MiB buffers)")
        print("HMAC-SHA256: \(Self.format(macs)) messages/s of 1 KiB (\(String(format: "%.0f", macs / 1024)) MiB/s)")
    }

    /// Calls `body` repeatedly for about `seconds`; returns calls per second.
    static func measure(seconds: Double, _ body: () -> Void) -> Double {
        for _ in 0..<100 { body() }  // warm up
        let clock = ContinuousClock()
        let start = clock.now
        var calls = 0
        var batch = 64
        while true {
            for _ in 0..<batch { body() }
            calls += batch
            let elapsed = clock.now - start
            let secondsSoFar = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if secondsSoFar >= seconds { return Double(calls) / secondsSoFar }
            batch = min(batch * 2, 65_536)
        }
    }

    static func format(_ rate: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        return formatter.string(from: NSNumber(value: rate)) ?? String(Int(rate))
    }

    /// botocore's signatures per second on the same requests, measured by python3 in this run.
    func botocoreRates(seconds: Double) throws -> [Double] {
        let specs = Self.workloads.map { workload -> [String: Any] in
            ["method": workload.request.method, "url": workload.url, "service": workload.service,
             "headers": workload.request.headers.map { [$0.name, $0.value] }, "body": String(decoding: workload.request.body, as: UTF8.self)]
        }
        let script = """
            import json, sys, time
            from botocore.auth import SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            specs = json.loads(sys.argv[1]); seconds = float(sys.argv[2])
            credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
            rates = []
            for spec in specs:
                auth = SigV4Auth(credentials, spec["service"], "us-east-1")
                request = AWSRequest(method=spec["method"], url=spec["url"], data=spec["body"].encode())
                for name, value in spec["headers"]:
                    request.headers[name] = value
                for _ in range(100):
                    auth.add_auth(request)
                calls, start = 0, time.perf_counter()
                while time.perf_counter() - start < seconds:
                    for _ in range(200):
                        auth.add_auth(request)
                    calls += 200
                rates.append(calls / (time.perf_counter() - start))
            print(json.dumps(rates))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(decoding: try JSONSerialization.data(withJSONObject: specs), as: UTF8.self), String(seconds)]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let rates = try JSONSerialization.jsonObject(with: data) as? [Double] else {
            throw ValidationError("botocore is not available (pip install botocore)")
        }
        return rates
    }
}
