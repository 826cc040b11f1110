import Foundation
import Testing

/// `saleschannel sign` reproduces the AWS SigV4 suite's outputs from its `.req` files.
struct SignCommandTests {
    static let suite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RequestSigningTests/Fixtures/sigv4-classic")
    static let inconsistent: Set<String> = ["post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters"]
    static let stsToken = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

    @Test func reproducesEveryConsistentCase() throws {
        let cli = try CLI.inTemporaryFolder()
        let files = FileManager.default.enumerator(at: Self.suite, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "req" }
        #expect(files.count == 33)
        var compared = 0
        for file in files {
            let name = file.deletingPathExtension().lastPathComponent
            var arguments = ["sign", "--request-file", file.path, "--access-key-id", "AKIDEXAMPLE",
                             "--secret-access-key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                             "--region", "us-east-1", "--service", "service", "--time", "20150830T123600Z"]
            switch name {
            case "get-vanilla-with-session-token": arguments += ["--session-token", "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"]
            case "post-sts-header-before": arguments += ["--session-token", Self.stsToken]
            case "post-sts-header-after": arguments += ["--session-token", Self.stsToken, "--omit-session-token"]
            default: break
            }
            let folder = file.deletingLastPathComponent()
            func expected(_ suffix: String) throws -> String {
                try String(contentsOf: folder.appendingPathComponent("\(name).\(suffix)"), encoding: .utf8)
            }
            let shows: [(String, String)] = Self.inconsistent.contains(name)
                ? [("canonical-request", "creq")]
                : [("canonical-request", "creq"), ("string-to-sign", "sts"), ("authorization", "authz")]
            for (show, suffix) in shows {
                let result = try cli.run(arguments + ["--show", show])
                #expect(result.status == 0, "\(name): \(result.stderr)")
                #expect(result.stdout == (try expected(suffix)) + "\n", "\(name) --show \(show)")
                compared += 1
            }
            let authz = try expected("authz")
            let sreq = try expected("sreq")
            if !Self.inconsistent.contains(name), sreq.contains("Authorization: \(authz)") {
                #expect(try cli.run(arguments + ["--show", "signed-request"]).stdout == sreq + "\n", "\(name) signed request")
                compared += 1
            }
        }
        print("sign command: \(compared) outputs compared byte for byte")
    }

    @Test func presignAndErrors() throws {
        let cli = try CLI.inTemporaryFolder()
        let file = Self.suite.appendingPathComponent("get-vanilla/get-vanilla.req")
        let presigned = try cli.run(["sign", "--request-file", file.path, "--access-key-id", "AKIDEXAMPLE", "--region", "us-east-1",
                                     "--service", "service", "--time", "20150830T123600Z", "--presign", "--expires", "300",
                                     "--show", "signed-request"], environment: ["SALESCHANNEL_AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"])
        #expect(presigned.status == 0, "\(presigned.stderr)")
        #expect(presigned.stdout.hasPrefix("GET /?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature="))
        let bad = try cli.run(["sign", "--request-file", file.path, "--access-key-id", "A", "--secret-access-key", "s", "--region", "r", "--service", "s", "--time", "yesterday"])
        #expect(bad.status != 0 && bad.stderr.contains("YYYYMMDDTHHMMSSZ"))
    }
}
