import COpenSSL
import Synchronization

/// HMAC-SHA256 through OpenSSL 3's `EVP_MAC` interface.
///
/// Keyed once, used many times: the key is set on a template context and each message gets its
/// own copy (`EVP_MAC_CTX_dup`), so one `HMACSHA256` can be shared across tasks without two of
/// them ever touching the same OpenSSL context. (Re-initialising a context without its key is
/// broken in OpenSSL 3.0.2, which a template sidesteps.)
public final class HMACSHA256: Sendable {
    /// The algorithm, fetched once for the process; fetched objects are reference-counted and
    /// safe to share.
    private static let algorithm = FetchedMAC()
    private let template: Mutex<Context>

    struct Context: ~Copyable {
        let pointer: OpaquePointer
        deinit { EVP_MAC_CTX_free(pointer) }
    }

    /// Keys a new HMAC. - Throws: ``OpenSSLError`` if OpenSSL refuses (it does not for valid input).
    public init(key: some Collection<UInt8>) throws {
        guard let context = EVP_MAC_CTX_new(Self.algorithm.pointer) else { throw OpenSSLError("EVP_MAC_CTX_new") }
        let key = Array(key)
        var digestName = Array(OSSL_DIGEST_NAME_SHA2_256.utf8CString)
        let ok = digestName.withUnsafeMutableBufferPointer { name in
            var parameters = [
                OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name.baseAddress, 0),
                OSSL_PARAM_construct_end(),
            ]
            return key.withUnsafeBufferPointer { EVP_MAC_init(context, $0.baseAddress, $0.count, &parameters) }
        }
        guard ok == 1 else {
            EVP_MAC_CTX_free(context)
            throw OpenSSLError("EVP_MAC_init")
        }
        template = Mutex(Context(pointer: context))
    }

    /// The 32-byte authentication code of `message`.
    public func authenticationCode(for message: some Sequence<UInt8>) -> [UInt8] {
        guard let context = template.withLock({ EVP_MAC_CTX_dup($0.pointer) }) else {
            fatalError(OpenSSLError("EVP_MAC_CTX_dup").description)
        }
        defer { EVP_MAC_CTX_free(context) }
        let updated = message.withContiguousStorageIfAvailable { EVP_MAC_update(context, $0.baseAddress, $0.count) }
            ?? Array(message).withUnsafeBufferPointer { EVP_MAC_update(context, $0.baseAddress, $0.count) }
        var code = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length = 0
        guard updated == 1, EVP_MAC_final(context, &code, &length, code.count) == 1 else {
            fatalError(OpenSSLError("EVP_MAC_update/final").description)
        }
        return Array(code.prefix(length))
    }

    /// The authentication code of a string's UTF-8 bytes.
    public func authenticationCode(for message: String) -> [UInt8] {
        authenticationCode(for: Array(message.utf8))
    }

    /// HMAC-SHA256 in one call.
    public static func authenticationCode(key: some Collection<UInt8>, message: some Sequence<UInt8>) throws -> [UInt8] {
        try HMACSHA256(key: key).authenticationCode(for: message)
    }

    final class FetchedMAC: @unchecked Sendable {
        // Immutable after init and reference-counted by OpenSSL: safe to share (openssl-threads(7)).
        let pointer: OpaquePointer
        init() {
            guard let mac = EVP_MAC_fetch(nil, OSSL_MAC_NAME_HMAC, nil) else {
                fatalError(OpenSSLError("EVP_MAC_fetch(HMAC)").description)
            }
            pointer = mac
        }
        deinit { EVP_MAC_free(pointer) }
    }
}
