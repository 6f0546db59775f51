// libFuzzer's entry point for a program that has its own main (LLVM 11 and later). Only the
// declaration: the library is linked by `swiftc -sanitize=fuzzer` (make fuzz), never otherwise.
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
