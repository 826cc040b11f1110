import Foundation
import RequestSigning
import Testing

struct WebhookSignatureTests {
    let body = Array(#"{"amazonOrderId":"902-1845936-5435065","schemaVersion":1}"#.utf8)
    let sentAt = Date(timeIntervalSince1970: 1_795_772_400)

    @Test func aSignatureVerifies() throws {
        let header = try WebhookSigner(secrets: ["whsec_current"]).headerValue(for: body, at: sentAt)
        #expect(header.hasPrefix("t=1795772400,v1="))
        try WebhookVerifier(secrets: ["whsec_current"]).verify(header: header, body: body, now: sentAt.addingTimeInterval(30))
    }

    @Test func theSignatureIsHMACOfTimestampDotBody() throws {
        let header = try WebhookSigner(secrets: ["k"]).headerValue(for: body, at: sentAt)
        let expected = Hex.encode(try HMACSHA256.authenticationCode(key: Array("k".utf8), message: Array("1795772400.".utf8) + body))
        #expect(header == "t=1795772400,v1=\(expected)")
    }

    @Test func tamperingStaleTimesAndWrongSecretsAreRefused() throws {
        let header = try WebhookSigner(secrets: ["whsec_current"]).headerValue(for: body, at: sentAt)
        let verifier = try WebhookVerifier(secrets: ["whsec_current"], replayGuard: nil)
        #expect(throws: WebhookSignatureError.mismatch) { try verifier.verify(header: header, body: body + [0x20], now: sentAt) }
        #expect(throws: WebhookSignatureError.outsideTolerance(seconds: 301)) { try verifier.verify(header: header, body: body, now: sentAt.addingTimeInterval(301)) }
        #expect(throws: WebhookSignatureError.outsideTolerance(seconds: -400)) { try verifier.verify(header: header, body: body, now: sentAt.addingTimeInterval(-400)) }
        #expect(throws: WebhookSignatureError.mismatch) { try WebhookVerifier(secrets: ["other"]).verify(header: header, body: body, now: sentAt) }
        // Moving the timestamp breaks the signature too.
        let moved = header.replacingOccurrences(of: "t=1795772400", with: "t=1795772401")
        #expect(throws: WebhookSignatureError.mismatch) { try verifier.verify(header: moved, body: body, now: sentAt) }
    }

    @Test(arguments: [nil, "", "garbage", "t=1795772400", "v1=abcd", "t=x,v1=" + String(repeating: "0", count: 64)])
    func malformedHeadersAreRefused(_ header: String?) throws {
        let verifier = try WebhookVerifier(secrets: ["k"])
        #expect(throws: WebhookSignatureError.self) { try verifier.verify(header: header, body: body, now: sentAt) }
    }

    @Test func rotationSendsOneEntryPerSecretAndEitherSideVerifies() throws {
        let header = try WebhookSigner(secrets: ["new", "old"]).headerValue(for: body, at: sentAt)
        #expect(header.components(separatedBy: "v1=").count == 3)
        try WebhookVerifier(secrets: ["old"]).verify(header: header, body: body, now: sentAt)
        try WebhookVerifier(secrets: ["new"]).verify(header: header, body: body, now: sentAt)
        #expect(throws: WebhookSignatureError.mismatch) { try WebhookVerifier(secrets: ["neither"]).verify(header: header, body: body, now: sentAt) }
    }

    @Test func aReplayIsRefused() throws {
        let header = try WebhookSigner(secrets: ["k"]).headerValue(for: body, at: sentAt)
        let verifier = try WebhookVerifier(secrets: ["k"])
        try verifier.verify(header: header, body: body, now: sentAt)
        #expect(throws: WebhookSignatureError.replayed) { try verifier.verify(header: header, body: body, now: sentAt.addingTimeInterval(5)) }
    }

    /// The Python receiver in docs/webhook-signatures.md, run as written, accepts our signatures
    /// and refuses tampered ones.
    @Test func thePythonVerifierFromTheDocsAgrees() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/webhook-signatures.md")
        let markdown = try String(contentsOf: docs, encoding: .utf8)
        let start = try #require(markdown.range(of: "```python\n"))
        let end = try #require(markdown.range(of: "```", range: start.upperBound..<markdown.endIndex))
        let verifier = String(markdown[start.upperBound..<end.lowerBound])
        let header = try WebhookSigner(secrets: ["new", "old"]).headerValue(for: body, at: sentAt)
        let bodyText = String(decoding: body, as: UTF8.self)
        let script = verifier + """

            import json, sys
            body = \(try String(decoding: JSONSerialization.data(withJSONObject: [bodyText]), as: UTF8.self))[0].encode()
            header = "\(header)"
            now = \(Int(sentAt.timeIntervalSince1970) + 10)
            print(json.dumps([
                verify_saleschannel_signature(header, body, ["old"], now=now),
                verify_saleschannel_signature(header, body + b" ", ["old"], now=now),
                verify_saleschannel_signature(header, body, ["wrong"], now=now),
                verify_saleschannel_signature(header, body, ["new"], now=now + 3600),
            ]))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "[true, false, false, false]")
    }
}
