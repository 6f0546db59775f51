import CScanMasks

/// Byte classes of 64 bytes at a time as bit masks (bit i = byte i).
///
/// Why: the key scan must keep up with reading (~1.5 GB/s from disk), and a table lookup plus a
/// branch per byte ran at ~100 MB/s. The masks come from `sluis_scan_masks` (CScanMasks, whose
/// only importer this is): SSE2 compares of 16 bytes at a time, about 3.8 GB/s per core here
/// against 1.7–2.4 GB/s for the 64-bit word arithmetic ("Bit Twiddling Hacks" `hasbetween`) it
/// replaced. A whole 64-byte chunk is skipped when its mask holds no run of letters and digits
/// long enough to be a key.
enum ByteMasks {
    /// Letters-and-digits and line-feed masks of the 64 bytes at `p` (which must be readable).
    @inline(__always)
    static func masks(_ p: UnsafeRawPointer) -> (alphanumeric: UInt64, lineFeed: UInt64) {
        var a: UInt64 = 0, l: UInt64 = 0
        sluis_scan_masks(p.assumingMemoryBound(to: UInt8.self), 1, &a, &l)
        return (a, l)
    }

    /// The masks of `chunks` consecutive 64-byte chunks at `p` (all readable) into the two arrays.
    @inline(__always)
    static func masks(_ p: UnsafeRawPointer, chunks: Int, alphanumeric: UnsafeMutablePointer<UInt64>,
                      lineFeeds: UnsafeMutablePointer<UInt64>) {
        sluis_scan_masks(p.assumingMemoryBound(to: UInt8.self), chunks, alphanumeric, lineFeeds)
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
