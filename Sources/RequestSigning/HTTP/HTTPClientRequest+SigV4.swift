import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension HTTPClientRequest {
    /// Signs this request in place with SigV4: sets `Host`, the body, `X-Amz-Date`, the session
    /// token and `Authorization`.
    ///
    /// The path and query are signed exactly as they will be sent (the URL's percent-encoded
    /// form), so the server computes the same canonical request.
    /// - Parameters:
    ///   - body: the body to send; it is set on the request and hashed for the signature.
    /// - Throws: ``SigningError`` when the URL has no host.
    public mutating func signV4(with signer: SigV4Signer, body: [UInt8] = [], date: Date = Date()) throws {
        guard let components = URLComponents(string: url), let host = components.host else {
            throw SigningError("cannot sign a request to `\(url)`: it has no host")
        }
        var hostHeader = host.lowercased()
        if let port = components.port, !((components.scheme == "https" && port == 443) || (components.scheme == "http" && port == 80)) {
            hostHeader += ":\(port)"
        }
        headers.replaceOrAdd(name: "Host", value: hostHeader)
        var signable = SignableRequest(
            method: method.rawValue, path: components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath,
            query: components.percentEncodedQuery ?? "", headers: headers.map { ($0.name, $0.value) }, body: body)
        signer.sign(&signable, date: date)
        var signed = HTTPHeaders()
        for header in signable.headers { signed.add(name: header.name, value: header.value) }
        headers = signed
        if !body.isEmpty || method == .POST || method == .PUT {
            self.body = .bytes(ByteBuffer(bytes: body))
        }
    }
}

/// A request could not be signed.
public struct SigningError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
