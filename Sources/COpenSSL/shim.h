// Why this exists: the one place that names the libcrypto headers sluis uses (SHA-256 and HMAC).
// OPENSSL_SUPPRESS_DEPRECATED: sluis keeps precomputed SHA-256 inner/outer HMAC states (the
// fastest way to key many short HMACs, see shared/platform-notes.md); the low-level SHA256_CTX
// API it needs is deprecated, not removed, in OpenSSL 3.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
