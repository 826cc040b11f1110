#ifndef SALESCHANNEL_COPENSSL_SHIM_H
#define SALESCHANNEL_COPENSSL_SHIM_H

// Only OpenSSL 3's libcrypto: EVP_MAC for HMAC, EVP_MD for SHA-256, CRYPTO_memcmp for
// constant-time comparison. The deprecated HMAC_CTX API is deliberately not included.
#include <openssl/opensslv.h>
#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "SalesChannel's RequestSigning needs OpenSSL 3.0 or later (apt install libssl-dev)"
#endif

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#endif
