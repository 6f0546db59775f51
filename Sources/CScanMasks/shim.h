// Why this exists: `sluis output check` scans every byte of a request for key-shaped tokens, and
// classifying 64 bytes at a time into bit masks is most of that work. SSE2 (part of every x86-64
// CPU) compares 16 bytes per instruction and gathers their flags with one movemask, about twice
// as fast as the portable 64-bit word arithmetic Swift can express. Header-only and `static
// inline`, so the Swift caller (Sources/SluisOutput/ByteMasks.swift, the only importer) compiles
// it in place; other CPUs take the plain loop below, with the same result.
#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// For each of `chunks` consecutive 64-byte chunks at `p`: bit i of alnum[c] is set when byte
// 64c + i is an ASCII letter or digit, bit i of feeds[c] when it is a line feed (0x0A).
static inline void sluis_scan_masks(const uint8_t *p, size_t chunks, uint64_t *alnum, uint64_t *feeds) {
#if defined(__SSE2__)
    // Unsigned range tests as signed compares: (x - low) + 0x80 < width - 128.
    const __m128i zero = _mm_set1_epi8('0'), lowerA = _mm_set1_epi8('a'), bias = _mm_set1_epi8((char)0x80);
    const __m128i digits = _mm_set1_epi8((char)(10 - 128)), letters = _mm_set1_epi8((char)(26 - 128));
    const __m128i caseBit = _mm_set1_epi8(0x20), lineFeed = _mm_set1_epi8('\n');
    for (size_t c = 0; c < chunks; c++) {
        uint64_t a = 0, l = 0;
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + 64 * c + 16 * k));
            __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(_mm_sub_epi8(v, zero), bias), digits);
            __m128i letter = _mm_cmplt_epi8(_mm_add_epi8(_mm_sub_epi8(_mm_or_si128(v, caseBit), lowerA), bias), letters);
            a |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_or_si128(digit, letter)) << (16 * k);
            l |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lineFeed)) << (16 * k);
        }
        alnum[c] = a;
        feeds[c] = l;
    }
#else
    for (size_t c = 0; c < chunks; c++) {
        uint64_t a = 0, l = 0;
        for (int i = 0; i < 64; i++) {
            uint8_t b = p[64 * c + i];
            uint8_t lower = b | 0x20;
            if ((b >= '0' && b <= '9') || (lower >= 'a' && lower <= 'z')) a |= (uint64_t)1 << i;
            if (b == '\n') l |= (uint64_t)1 << i;
        }
        alnum[c] = a;
        feeds[c] = l;
    }
#endif
}
