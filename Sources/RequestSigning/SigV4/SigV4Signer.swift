import Foundation
import Synchronization

/// Signs requests with AWS Signature Version 4, by header or by query (presigned URL).
///
/// Rules, with the suite case that pins each: header names lower-cased and sorted, values
/// trimmed with space runs collapsed (`get-header-value-trim`), repeats joined with `,` in request
/// order (`get-header-key-duplicate`); query pairs decoded, re-encoded strictly and sorted by
/// key then value (`get-vanilla-query-order-*`); for every service but S3 the path is normalised
/// and the on-the-wire path encoded once more (`normalize-path/*`); S3 encodes once, does not
/// normalise and sends `x-amz-content-sha256`. The signing key is derived once per (date,
/// region, service) and cached.
///
/// A signer is `Sendable`: it holds no OpenSSL context that two tasks could share.
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    public var options: Options
    private let keys: SigningKeyCache

    public init(credentials: AWSCredentials, region: String, service: String, options: Options? = nil) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.options = options ?? (service == "s3" ? .s3 : Options())
        self.keys = SigningKeyCache(secret: credentials.secretAccessKey, region: region, service: service)
    }

    /// How a request is signed.
    public struct Options: Sendable, Hashable {
        /// Remove `.`, `..` and empty path segments (not for S3).
        public var normalizePath = true
        /// Encode the on-the-wire path again (every service but S3).
        public var doubleEncodePath = true
        public var payload: PayloadHash = .bodySHA256
        /// Send and sign `x-amz-content-sha256` (S3 requires it; others when asked).
        public var sendContentSHA256 = false
        /// Where a session token goes.
        public var sessionToken: SessionTokenPlacement = .signed
        /// Headers never signed (they may change in transit); botocore's list.
        public var unsignedHeaders: Set<String> = ["authorization", "user-agent", "expect", "x-amzn-trace-id", "transfer-encoding"]

        public init() {}

        /// S3's rules: no normalisation, single encoding, `x-amz-content-sha256`.
        public static var s3: Options {
            var options = Options()
            options.normalizePath = false
            options.doubleEncodePath = false
            options.sendContentSHA256 = true
            return options
        }
    }

    /// What stands for the body in the canonical request.
    public enum PayloadHash: Sendable, Hashable {
        /// The hex SHA-256 of the body.
        case bodySHA256
        /// `UNSIGNED-PAYLOAD` (S3 presigned URLs, streaming bodies).
        case unsigned
        /// A hash the caller computed.
        case precomputed(String)
    }

    /// Where a session token (temporary credentials) goes.
    public enum SessionTokenPlacement: Sendable, Hashable {
        /// `X-Amz-Security-Token` is added before signing and signed.
        case signed
        /// Added after signing, outside the signature (some services ask for this).
        case appendedAfterSigning
    }

    /// Every intermediate value of one signature, for debugging and tests.
    public struct Signature: Sendable, Hashable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var signedHeaders: String
        public var credentialScope: String
        /// The `Authorization` header value (header signing only).
        public var authorization: String
    }

    // MARK: Header signing

    /// Signs `request` in place: adds `X-Amz-Date` (when absent), the session token and
    /// `x-amz-content-sha256` as the options say, and `Authorization`.
    @discardableResult
    public func sign(_ request: inout SignableRequest, date: Date) -> Signature {
        let amzDate = request.header("x-amz-date") ?? Self.amzDate(date)
        if request.header("x-amz-date") == nil { request.headers.append(("X-Amz-Date", amzDate)) }
        if let token = credentials.sessionToken, options.sessionToken == .signed {
            request.setHeader("X-Amz-Security-Token", token)
        }
        let payload = payloadHash(request.body)
        if options.sendContentSHA256 { request.setHeader("x-amz-content-sha256", payload) }
        request.removeHeader("authorization")
        let signature = compute(request, amzDate: amzDate, payload: payload, canonicalQuery: canonicalQuery(request.query))
        request.headers.append(("Authorization", signature.authorization))
        if let token = credentials.sessionToken, options.sessionToken == .appendedAfterSigning {
            request.setHeader("X-Amz-Security-Token", token)
        }
        return signature
    }

    /// The signature `sign` would produce, without changing the request.
    public func signature(for request: SignableRequest, date: Date) -> Signature {
        var copy = request
        return sign(&copy, date: date)
    }

    // MARK: Query signing

    /// Presigns a request: returns the query (without `?`) to send, holding the signature, valid
    /// for `expires` seconds (at most 604,800). Only `host` and the request's own headers are signed.
    public func presign(_ request: SignableRequest, date: Date, expires: Int) -> (query: String, signature: Signature) {
        precondition((1...604_800).contains(expires), "SigV4 presigned URLs last 1 second to 7 days")
        let amzDate = Self.amzDate(date)
        let scope = "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
        var request = request
        request.removeHeader("x-amz-date")
        request.removeHeader("authorization")
        let signedHeaders = canonicalHeaders(request.headers).names
        var parameters = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope)"),
            ("X-Amz-Date", amzDate),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", signedHeaders),
        ]
        if let token = credentials.sessionToken, options.sessionToken == .signed {
            parameters.append(("X-Amz-Security-Token", token))
        }
        let added = parameters.map { "\(SigV4Encoding.encode($0.0))=\(SigV4Encoding.encode($0.1))" }.joined(separator: "&")
        let query = request.query.isEmpty ? added : request.query + "&" + added
        let payload = payloadHash(request.body)
        var signature = compute(request, amzDate: amzDate, payload: payload, canonicalQuery: canonicalQuery(query))
        signature.authorization = ""
        var final = query + "&X-Amz-Signature=" + signature.signature
        if let token = credentials.sessionToken, options.sessionToken == .appendedAfterSigning {
            final += "&X-Amz-Security-Token=" + SigV4Encoding.encode(token)
        }
        return (final, signature)
    }

    // MARK: Canonical request

    /// The hex SHA-256 of an empty body, the most common payload.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    func payloadHash(_ body: [UInt8]) -> String {
        switch options.payload {
        case .bodySHA256: body.isEmpty ? Self.emptyPayloadHash : SHA256.hexHash(body)
        case .unsigned: "UNSIGNED-PAYLOAD"
        case .precomputed(let hash): hash
        }
    }

    func compute(_ request: SignableRequest, amzDate: String, payload: String, canonicalQuery: String) -> Signature {
        var canonical: [UInt8] = []
        canonical.reserveCapacity(384 + request.path.utf8.count + request.query.utf8.count)
        canonical.append(contentsOf: request.method.utf8)
        canonical.append(0x0A)
        appendCanonicalURI(request.path, to: &canonical)
        canonical.append(0x0A)
        canonical.append(contentsOf: canonicalQuery.utf8)
        canonical.append(0x0A)
        var names: [UInt8] = []
        appendCanonicalHeaders(request.headers, block: &canonical, names: &names)
        canonical.append(0x0A)
        canonical.append(contentsOf: names)
        canonical.append(0x0A)
        canonical.append(contentsOf: payload.utf8)

        let day = String(amzDate.prefix(8))
        let scope = keys.scope(for: day)
        var toSign: [UInt8] = []
        toSign.reserveCapacity(128)
        toSign.append(contentsOf: "AWS4-HMAC-SHA256\n".utf8)
        toSign.append(contentsOf: amzDate.utf8)
        toSign.append(0x0A)
        toSign.append(contentsOf: scope.utf8)
        toSign.append(0x0A)
        Hex.append(SHA256.hash(canonical), to: &toSign)
        let signature = Hex.encode(keys.key(for: day).authenticationCode(for: toSign))
        let signedHeaders = String(decoding: names, as: UTF8.self)
        return Signature(
            canonicalRequest: String(decoding: canonical, as: UTF8.self), stringToSign: String(decoding: toSign, as: UTF8.self),
            signature: signature, signedHeaders: signedHeaders, credentialScope: scope,
            authorization: "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyID + "/" + scope + ", SignedHeaders=" + signedHeaders
                + ", Signature=" + signature)
    }

    func appendCanonicalURI(_ path: String, to out: inout [UInt8]) {
        var bytes = Array(path.utf8)
        if bytes.isEmpty { bytes = [UInt8(ascii: "/")] }
        if options.normalizePath { bytes = SigV4Encoding.normalize(path: bytes) }
        if options.doubleEncodePath {
            SigV4Encoding.encode(bytes, keepSlash: true, into: &out)
        } else {
            SigV4Encoding.encode(SigV4Encoding.decode(bytes), keepSlash: true, into: &out)
        }
    }

    /// Pairs decoded, re-encoded strictly, sorted by key then value; `key` alone becomes `key=`.
    func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        var pairs: [(key: [UInt8], value: [UInt8])] = []
        for part in Array(query.utf8).split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = part.firstIndex(of: UInt8(ascii: "="))
            let rawKey = equals.map { part[part.startIndex..<$0] } ?? part[...]
            let rawValue = equals.map { part[part.index(after: $0)...] } ?? part[part.endIndex...]
            var key: [UInt8] = []
            var value: [UInt8] = []
            SigV4Encoding.appendCanonical(rawKey, into: &key)
            SigV4Encoding.appendCanonical(rawValue, into: &value)
            pairs.append((key, value))
        }
        pairs.sort { $0.key == $1.key ? $0.value.lexicographicallyPrecedes($1.value) : $0.key.lexicographicallyPrecedes($1.key) }
        var out: [UInt8] = []
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            out.append(contentsOf: pair.key)
            out.append(UInt8(ascii: "="))
            out.append(contentsOf: pair.value)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The canonical header block (`name:value` lines) and the signed-header list.
    func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (block: String, names: String) {
        var block: [UInt8] = []
        var names: [UInt8] = []
        appendCanonicalHeaders(headers, block: &block, names: &names)
        return (String(decoding: block, as: UTF8.self), String(decoding: names, as: UTF8.self))
    }

    /// Lower-cases names, drops unsigned headers, trims values, sorts by name (repeats keep their
    /// request order and are joined with `,`), and appends `name:value\n` lines and `a;b;c`.
    func appendCanonicalHeaders(_ headers: [(name: String, value: String)], block: inout [UInt8], names: inout [UInt8]) {
        var entries: [(name: [UInt8], order: Int, value: [UInt8])] = []
        entries.reserveCapacity(headers.count)
        for (order, header) in headers.enumerated() {
            let name = ASCII.lowercased(header.name)
            if options.unsignedHeaders.contains(where: { $0.utf8.elementsEqual(name) }) { continue }
            entries.append((name, order, Self.trimAll(header.value.utf8)))
        }
        entries.sort { $0.name == $1.name ? $0.order < $1.order : $0.name.lexicographicallyPrecedes($1.name) }
        var previous: [UInt8]? = nil
        for entry in entries {
            if entry.name == previous {
                block.removeLast()  // the newline: a repeat continues the line
                block.append(UInt8(ascii: ","))
            } else {
                if previous != nil { names.append(UInt8(ascii: ";")) }
                names.append(contentsOf: entry.name)
                block.append(contentsOf: entry.name)
                block.append(UInt8(ascii: ":"))
                previous = entry.name
            }
            block.append(contentsOf: entry.value)
            block.append(0x0A)
        }
    }

    /// Trims both ends and collapses runs of spaces (also inside quotes) to one space; obsolete
    /// line folding (CR/LF followed by spaces) counts as a space.
    static func trimAll(_ value: String.UTF8View) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        var pendingSpace = false
        for byte in value {
            if byte == 0x20 || byte == 0x0D || byte == 0x0A {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(0x20)
                pendingSpace = false
            }
            out.append(byte)
        }
        return out
    }

    /// `YYYYMMDDTHHMMSSZ` in UTC.
    public static func amzDate(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        var out: [UInt8] = []
        out.reserveCapacity(16)
        func digits(_ value: Int32, _ count: Int) {
            var divisor: Int32 = 1
            for _ in 1..<count { divisor *= 10 }
            var value = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(value / divisor))
                value %= divisor
                divisor /= 10
            }
        }
        digits(parts.tm_year + 1900, 4)
        digits(parts.tm_mon + 1, 2)
        digits(parts.tm_mday, 2)
        out.append(UInt8(ascii: "T"))
        digits(parts.tm_hour, 2)
        digits(parts.tm_min, 2)
        digits(parts.tm_sec, 2)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses `YYYYMMDDTHHMMSSZ`.
    public static func date(fromAmzDate text: String) -> Date? {
        let digits = Array(text.utf8)
        guard digits.count == 16, digits[8] == UInt8(ascii: "T"), digits[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int32? { Int32(String(decoding: digits[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15)
        else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}

/// Signing keys by day for one (secret, region, service); a new day derives a new key.
final class SigningKeyCache: Sendable {
    private let secret: [UInt8]
    private let region: String
    private let service: String
    private let keys = Mutex<[String: HMACSHA256]>([:])

    init(secret: String, region: String, service: String) {
        self.secret = Array("AWS4\(secret)".utf8)
        self.region = region
        self.service = service
    }

    /// `day/region/service/aws4_request`.
    func scope(for day: String) -> String { day + "/" + region + "/" + service + "/aws4_request" }

    func key(for day: String) -> HMACSHA256 {
        if let key = keys.withLock({ $0[day] }) { return key }
        // kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
        do {
            var key = secret
            for part in [day, region, service, "aws4_request"] {
                key = try HMACSHA256.authenticationCode(key: key, message: Array(part.utf8))
            }
            let signing = try HMACSHA256(key: key)
            keys.withLock { cache in
                if cache.count > 4 { cache.removeAll() }
                cache[day] = signing
            }
            return signing
        } catch {
            fatalError("deriving the SigV4 signing key: \(error)")
        }
    }
}
