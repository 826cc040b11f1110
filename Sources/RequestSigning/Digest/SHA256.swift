import COpenSSL

/// SHA-256 through OpenSSL's EVP interface, one-shot or streaming.
///
/// A value of this type is one running hash: feed it with ``update(_:)`` and read it once with
/// ``finalize()``. It owns its own OpenSSL context, so separate hashes on separate tasks never
/// share state.
public final class SHA256 {
    public static let byteCount = 32
    private let context: OpaquePointer
    private var finished = false

    /// SHA-256 fetched once: `EVP_sha256()` would look the implementation up on every init.
    static let algorithm = FetchedDigest()

    public init() {
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        guard EVP_DigestInit_ex2(context, Self.algorithm.pointer, nil) == 1 else {
            fatalError(OpenSSLError("EVP_DigestInit_ex2").description)
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds bytes to the hash.
    public func update(_ bytes: some Sequence<UInt8>) {
        precondition(!finished, "SHA256.update after finalize")
        let done = bytes.withContiguousStorageIfAvailable { buffer in
            EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        }
    }

    /// Adds a string's UTF-8 bytes.
    public func update(_ string: String) {
        var string = string
        string.withUTF8 { update($0) }
    }

    /// The digest (32 bytes). The hash cannot be updated afterwards.
    public func finalize() -> [UInt8] {
        precondition(!finished, "SHA256.finalize called twice")
        finished = true
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1 else {
            fatalError(OpenSSLError("EVP_DigestFinal_ex").description)
        }
        return Array(digest.prefix(Int(length)))
    }

    /// The SHA-256 digest of `bytes` in one call.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        if let digest = bytes.withContiguousStorageIfAvailable({ oneShot($0) }) { return digest }
        return Array(bytes).withUnsafeBufferPointer { oneShot($0) }
    }

    private static func oneShot(_ buffer: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: byteCount) { out, count in
            var length: UInt32 = 0
            guard EVP_Digest(buffer.baseAddress, buffer.count, out.baseAddress, &length, algorithm.pointer, nil) == 1 else {
                fatalError(OpenSSLError("EVP_Digest").description)
            }
            count = Int(length)
        }
    }

    final class FetchedDigest: @unchecked Sendable {
        // Immutable after init and reference-counted by OpenSSL: safe to share (openssl-threads(7)).
        let pointer: OpaquePointer
        init() {
            guard let md = EVP_MD_fetch(nil, OSSL_DIGEST_NAME_SHA2_256, nil) else {
                fatalError(OpenSSLError("EVP_MD_fetch(SHA2-256)").description)
            }
            pointer = md
        }
        deinit { EVP_MD_free(pointer) }
    }

    /// The SHA-256 digest of a string's UTF-8 bytes.
    public static func hash(_ string: String) -> [UInt8] {
        hash(Array(string.utf8))
    }

    /// Lowercase hex of the SHA-256 digest, as SigV4 writes payload hashes.
    public static func hexHash(_ bytes: some Sequence<UInt8>) -> String { Hex.encode(hash(bytes)) }
}
