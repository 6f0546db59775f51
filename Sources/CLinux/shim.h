// The one Linux call Swift's Glibc module does not expose: renameat2 (glibc >= 2.28, Linux >= 3.15),
// which swaps two paths in one atomic step so a folder can be replaced without a moment where
// neither the old nor the new one is there. Declared here rather than through <stdio.h>, whose
// declaration needs _GNU_SOURCE when the C library's module is built.
#ifndef SLUIS_CLINUX_SHIM_H
#define SLUIS_CLINUX_SHIM_H
#include <fcntl.h>
extern int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);
static inline int sluis_rename_exchange(const char *a, const char *b) {
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, 1u << 1 /* RENAME_EXCHANGE */);
}
#endif
