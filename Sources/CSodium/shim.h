// Why this exists: Swift imports a C library through a module map; this header is the single
// place that names libsodium's umbrella header. Every call into libsodium goes through SluisCrypto.
#include <sodium.h>
