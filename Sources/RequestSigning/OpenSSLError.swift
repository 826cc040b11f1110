import COpenSSL

/// An OpenSSL call failed; carries the call's name and OpenSSL's own error text.
public struct OpenSSLError: Error, Hashable, Sendable, CustomStringConvertible {
    public var call: String
    public var reason: String

    /// Captures (and clears) OpenSSL's error queue for the failed call.
    init(_ call: String) {
        self.call = call
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.reason = reasons.isEmpty ? "no detail from OpenSSL" : reasons.joined(separator: "; ")
    }

    public var description: String { "\(call) failed: \(reason)" }
}
