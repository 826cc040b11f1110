import AsyncHTTPClient
import ChildProcesses
import ERPHandoff
import Foundation
import RequestSigning
import SalesChannel
import Testing

/// How the webhook sink sorts an ERP's answers: delivered, retried later, or refused for good.
struct WebhookDeliveryTests {
    /// A receiver answering `/status/<code>` with that status (and a body naming it), `/slow` never (the connection stays open until the receiver is killed, so no timeout a test sets can race the answer, however busy the machine).
    static func startReceiver() throws -> (process: Process, port: Int) {
        let script = """
            import sys, threading
            from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
            class Answers(BaseHTTPRequestHandler):
                def do_POST(self):
                    self.rfile.read(int(self.headers.get("Content-Length", "0")))
                    if self.path == "/slow":
                        threading.Event().wait()
                        status = 200
                    else:
                        status = int(self.path.split("?")[0].rsplit("/", 1)[-1])
                    body = ('{"reference": "ERP-1"}' if status == 200 else "answer %d from the ERP" % status).encode()
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *arguments):
                    pass
            server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let port = try #require(Int(output.fileHandleForReading.firstLine()
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        return (process, port)
    }

    static func sink(_ url: String, timeout: TimeInterval = 1) throws -> WebhookSink {
        WebhookSink(delivery: WebhookDelivery(url: URL(string: url)!, signer: try WebhookSigner(secrets: ["s"]), timeout: timeout))
    }

    static let document: HandoffDocument = {
        let order = ChannelOrder(
            sellerID: "A1SELLER", marketplaceID: "ATVPDKIKX0DER", amazonOrderID: "900-0000001-0000001", fulfillmentChannel: .merchant,
            status: .unshipped, purchaseDate: Date(), lastUpdateDate: Date(),
            lines: [ChannelOrderLine(orderItemID: "1", sku: "SKU-1", asin: "B000000001", title: "Item", quantityOrdered: 1)])
        return HandoffDocument(record: OrderRecord(order: order, sourceID: "test", now: Date()))
    }()

    @Test func answersAreSortedIntoDeliveredRetriedAndRefused() async throws {
        let receiver = try Self.startReceiver()
        defer { kill(receiver.process.processIdentifier, SIGKILL); receiver.process.waitUntilExit() }
        let base = "http://127.0.0.1:\(receiver.port)"
        #expect(try await Self.sink("\(base)/status/200").handOff(Self.document, idempotencyKey: "k") == "ERP-1")
        for status in [408, 429, 500, 502, 503] {
            do {
                _ = try await Self.sink("\(base)/status/\(status)").handOff(Self.document, idempotencyKey: "k")
                Issue.record("\(status) delivered")
            } catch let error as WebhookDeliveryError {
                #expect(error.isRetryable && error.status == status)
            }
        }
        for status in [400, 401, 404, 409, 422] {
            do {
                _ = try await Self.sink("\(base)/status/\(status)?token=secret-in-query").handOff(Self.document, idempotencyKey: "k")
                Issue.record("\(status) delivered")
            } catch let refusal as ERPRefusal {
                #expect(refusal.error.status == status)
                #expect("\(refusal)".contains("answer \(status) from the ERP"), "the ERP's answer is kept")
                #expect(!"\(refusal)".contains("secret-in-query"), "the URL's query is not repeated")
            }
        }
        // No answer in time, and nobody listening: both are retried later.
        for url in ["\(base)/slow", "http://127.0.0.1:1/orders"] {
            do {
                _ = try await Self.sink(url).handOff(Self.document, idempotencyKey: "k")
                Issue.record("\(url) delivered")
            } catch let error as WebhookDeliveryError {
                #expect(error.isRetryable && error.status == nil)
            }
        }
    }
}
