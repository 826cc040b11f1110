import ArgumentParser
import Foundation
import RequestSigning

struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a raw HTTP request with AWS SigV4 and print one value (for debugging signatures).",
        discussion: """
            The request file holds a request line, headers, a blank line and the body (the AWS \
            SigV4 test suite's .req format). The path is signed as written. Prints exactly the value \
            asked for with --show, followed by one newline.
            """)

    enum Show: String, ExpressibleByArgument, CaseIterable {
        case canonicalRequest = "canonical-request"
        case stringToSign = "string-to-sign"
        case signature
        case authorization
        case signedRequest = "signed-request"
    }

    @Option(name: .customLong("request-file"), help: "The raw HTTP request to sign.") var requestFile: String
    @Option(name: .customLong("access-key-id")) var accessKeyID: String
    @Option(name: .customLong("secret-access-key"), help: "The secret key (prefer SALESCHANNEL_AWS_SECRET_ACCESS_KEY: arguments show in process lists).")
    var secretAccessKey: String?
    @Option(name: .customLong("session-token")) var sessionToken: String?
    @Option var region: String
    @Option var service: String
    @Option(help: "Signing time, YYYYMMDDTHHMMSSZ (default: now).") var time: String?
    @Flag(help: "Sign by query string (a presigned URL) instead of the Authorization header.") var presign = false
    @Option(help: "With --presign: seconds the URL stays valid (1 to 604800).") var expires: Int = 3600
    @Flag(name: .customLong("no-normalize-path"), help: "Sign the path without removing . and .. segments.") var noNormalizePath = false
    @Flag(name: .customLong("sign-body"), help: "Add and sign x-amz-content-sha256.") var signBody = false
    @Flag(name: .customLong("omit-session-token"), help: "Add the session token after signing, outside the signature.") var omitSessionToken = false
    @Option(help: "What to print: \(Show.allCases.map(\.rawValue).joined(separator: ", ")).") var show: Show = .authorization

    func validate() throws {
        if let time, SigV4Signer.date(fromAmzDate: time) == nil {
            throw ValidationError("--time \(time) is not YYYYMMDDTHHMMSSZ (for example 20150830T123600Z)")
        }
        if presign && !(1...604_800).contains(expires) { throw ValidationError("--expires must be from 1 to 604800 seconds") }
        if secretAccessKey == nil && ProcessInfo.processInfo.environment["SALESCHANNEL_AWS_SECRET_ACCESS_KEY"] == nil {
            throw ValidationError("give --secret-access-key or set SALESCHANNEL_AWS_SECRET_ACCESS_KEY")
        }
    }

    func run() throws {
        let text: String
        do { text = try String(contentsOfFile: requestFile, encoding: .utf8) } catch {
            throw ValidationError("cannot read \(requestFile): \(error.localizedDescription)")
        }
        let raw = try RawHTTPRequest(parsing: text)
        let secret = secretAccessKey ?? ProcessInfo.processInfo.environment["SALESCHANNEL_AWS_SECRET_ACCESS_KEY"] ?? ""
        var options = service == "s3" ? SigV4Signer.Options.s3 : SigV4Signer.Options()
        if noNormalizePath { options.normalizePath = false }
        if signBody { options.sendContentSHA256 = true }
        if omitSessionToken { options.sessionToken = .appendedAfterSigning }
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: accessKeyID, secretAccessKey: secret, sessionToken: sessionToken),
            region: region, service: service, options: options)
        let date = time.flatMap(SigV4Signer.date(fromAmzDate:)) ?? Date()
        var request = raw.signable

        if presign {
            let (query, signature) = signer.presign(request, date: date, expires: expires)
            switch show {
            case .canonicalRequest: print(signature.canonicalRequest)
            case .stringToSign: print(signature.stringToSign)
            case .signature: print(signature.signature)
            case .authorization, .signedRequest:
                var presigned = raw
                presigned.target = request.path + "?" + query
                print(presigned.signedText(request))
            }
            return
        }
        let signature = signer.sign(&request, date: date)
        switch show {
        case .canonicalRequest: print(signature.canonicalRequest)
        case .stringToSign: print(signature.stringToSign)
        case .signature: print(signature.signature)
        case .authorization: print(signature.authorization)
        case .signedRequest: print(raw.signedText(request))
        }
    }
}
