/// Byte classes of 64 bytes at a time as bit masks (bit i = byte i), in plain 64-bit arithmetic.
///
/// Why: the key scan must keep up with reading (~1.5 GB/s from the page cache), and a table
/// lookup plus a branch per byte ran at ~100 MB/s. Eight bytes per word with the exact range test
/// of "Bit Twiddling Hacks" (`hasbetween`: no carry or borrow crosses a byte, so each byte's flag
/// is exact), then one multiply to gather the eight flags, is a few operations per byte without a
/// branch, and a whole 64-byte chunk is skipped when its mask holds no run of letters and digits
/// long enough to be a key.
enum ByteMasks {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    static let high: UInt64 = 0x8080_8080_8080_8080

    /// The high bit of each byte of `w` is set when that byte is > `m` and < `n` (0 ≤ m, n ≤ 128).
    @inline(__always)
    static func between(_ w: UInt64, _ m: UInt64, _ n: UInt64) -> UInt64 {
        let x = w & low7
        return (ones &* (127 + n) &- x) & ~w & (x &+ ones &* (127 - m)) & high
    }

    /// The high bit of each byte of `w` is set when that byte is an ASCII letter or digit.
    @inline(__always)
    static func alphanumeric(_ w: UInt64) -> UInt64 {
        between(w, 0x2F, 0x3A) | between(w | 0x2020_2020_2020_2020, 0x60, 0x7B)
    }

    /// The high bit of each byte of `w` is set when that byte is a line feed.
    @inline(__always)
    static func lineFeed(_ w: UInt64) -> UInt64 {
        let v = w ^ 0x0A0A_0A0A_0A0A_0A0A
        return ~(((v & low7) &+ low7) | v | low7)
    }

    /// The eight high-bit flags of `flags` as bits 0…7.
    @inline(__always)
    static func gather(_ flags: UInt64) -> UInt64 {
        ((flags >> 7) &* 0x0102_0408_1020_4080) >> 56
    }

    /// Letters-and-digits and line-feed masks of the 64 bytes at `p` (which must be readable).
    @inline(__always)
    static func masks(_ p: UnsafeRawPointer) -> (alphanumeric: UInt64, lineFeed: UInt64) {
        var a: UInt64 = 0, l: UInt64 = 0
        for k in 0..<8 {
            let w = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self))
            a |= gather(alphanumeric(w)) << (8 * k)
            l |= gather(lineFeed(w)) << (8 * k)
        }
        return (a, l)
    }

    /// Bits 0..<n set (n in 0...64).
    @inline(__always)
    static func below(_ n: Int) -> UInt64 { n >= 64 ? ~0 : (1 << UInt64(n)) &- 1 }

    /// A bit at each start of a run of at least `n` (≥ 1) set bits lying wholly inside `m`.
    @inline(__always)
    static func runStarts(_ m: UInt64, atLeast n: Int) -> UInt64 {
        var t = m, have = 1
        while have * 2 <= n { t &= t >> UInt64(have); have *= 2 }
        if n > have { t &= t >> UInt64(n - have) }
        return t
    }
}
