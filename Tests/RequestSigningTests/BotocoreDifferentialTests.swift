import Foundation
import RequestSigning
import Testing

/// Our signer against botocore's `SigV4Auth` on generated requests: random methods, unicode and
/// dotted paths, repeated and empty query keys, reserved characters, duplicate header names and
/// runs of spaces. Every canonical request, string to sign and signature must match.
struct BotocoreDifferentialTests {
    static let count = 300
    /// Of which presigned (query) signatures, with distinct query keys (botocore merges repeats).
    static let presigned = 100

    /// A deterministic generator (SplitMix64), so a failure can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    /// Strict percent-encoding (what goes on the wire).
    static func encode(_ text: String, keepSlash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(UnicodeScalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) || (keepSlash && c == "/") {
                out.append(c)
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static let segments = ["a", "b", "photos", ".", "..", "ሴ", "ünïcödé", "with space", "semi;colon", "plus+sign", "~tilde", "percent%", "é", "dir.name", "x=y", "a&b", "日本"]
    static let queryWords = ["", "value", "two words", "ሴ", "a+b", "slash/slash", "=eq", "&amp", "~-._", "Ä", "*", "(paren)", "comma,"]
    static let headerNames = ["X-Amz-Meta-Note", "x-amz-meta-note", "Content-Type", "X-Custom", "My-Header", "x-custom"]
    static let headerValues = ["value", "  padded  ", "a   b    c", "\"quoted   text\"", "UPPER lower", "1,2,3", "text/plain; charset=utf-8"]

    static func generate(_ index: Int, _ g: inout Generator) -> (SignableRequest, [String: Any]) {
        let method = g.pick(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"])
        var path = ""
        for _ in 0..<(g.below(5)) { path += "/" + encode(g.pick(segments), keepSlash: false) }
        if g.below(4) == 0 { path += "/" }
        if g.below(6) == 0 { path += "//" + encode(g.pick(segments), keepSlash: false) }
        if path.isEmpty { path = "/" }
        var pairs: [String] = []
        for _ in 0..<(g.below(5)) {
            let key = encode(g.pick(["Action", "key", "Key", "a", "ሴ", "x y", "Param", "Param-3", "empty"]), keepSlash: false)
            switch g.below(4) {
            case 0: pairs.append(key)  // a key with no value
            case 1: pairs.append(key + "=")  // an empty value
            default: pairs.append(key + "=" + encode(g.pick(queryWords), keepSlash: false))
            }
        }
        let presign = index >= count - presigned
        if presign {
            var seen = Set<String>()
            pairs = pairs.filter { seen.insert(String($0.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0])).inserted }
                .map { $0.contains("=") ? $0 : $0 + "=" }
        } else if !pairs.isEmpty && g.below(3) == 0 {
            pairs.append(pairs[0])  // a repeated key
        }
        let query = pairs.joined(separator: "&")
        var headers: [(name: String, value: String)] = [("Host", "sqs.us-east-1.amazonaws.com")]
        for _ in 0..<(g.below(4)) { headers.append((g.pick(headerNames), g.pick(headerValues))) }
        var body = ["", "Action=SendMessage&MessageBody=hello", "{\"k\": \"ünï\"}", String(repeating: "x", count: g.below(300))][g.below(4)]
        if presign { body = "" }
        let method2 = presign ? "GET" : method
        let request = SignableRequest(method: method2, path: path, query: query, headers: headers, body: Array(body.utf8))
        let token: String? = g.below(4) == 0 ? "FQoGZXIvYXdzE//token+with/slashes==" : nil
        let spec: [String: Any] = [
            "presign": presign ? 60 + g.below(604_000) : 0,
            "method": method2, "url": "https://sqs.us-east-1.amazonaws.com" + path + (query.isEmpty ? "" : "?" + query),
            "headers": headers.map { [$0.name, $0.value] }, "body": body, "accessKeyID": "AKIDEXAMPLE",
            "secretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "sessionToken": token as Any,
            "service": index % 2 == 0 ? "sqs" : "execute-api", "region": index % 3 == 0 ? "eu-west-1" : "us-east-1",
            "amzDate": "20261127T\(String(format: "%02d", index % 24))3600Z",
        ]
        return (request, spec)
    }

    @Test func matchesBotocoreOnGeneratedRequests() throws {
        var g = Generator(state: 20_261_127)
        var requests: [(SignableRequest, [String: Any])] = []
        for index in 0..<Self.count { requests.append(Self.generate(index, &g)) }

        let script = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/reference/botocore_sigv4.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: requests.map(\.1)))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problems = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "botocore reference failed (pip install botocore): \(problems)")
        let reference = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: String]])
        try #require(reference.count == Self.count)

        var mismatches = 0
        for ((request, spec), expected) in zip(requests, reference) {
            var credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
            credentials.sessionToken = spec["sessionToken"] as? String
            let signer = SigV4Signer(credentials: credentials, region: spec["region"] as! String, service: spec["service"] as! String)
            let date = SigV4Signer.date(fromAmzDate: spec["amzDate"] as! String)!
            let expires = spec["presign"] as! Int
            let ours = expires > 0 ? signer.presign(request, date: date, expires: expires).signature : signer.signature(for: request, date: date)
            if ours.canonicalRequest != expected["canonicalRequest"] || ours.stringToSign != expected["stringToSign"]
                || ours.signature != expected["signature"]
            {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record("mismatch for \(spec["method"]!) \(spec["url"]!):\nours:\n\(ours.canonicalRequest)\nbotocore:\n\(expected["canonicalRequest"] ?? "")")
                }
            }
        }
        #expect(mismatches == 0)
        print("differential: \(Self.count) generated requests (\(Self.presigned) presigned), \(mismatches) mismatches against botocore")
    }
}
