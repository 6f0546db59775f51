import SluisCore

/// How a rendered pseudonym becomes the 64-bit key the register index sorts on.
///
/// The index never stores pseudonym text: a 17-digit decimal pseudonym is a number below 10¹⁷,
/// so it is its own exact key. In general:
/// - `decimal(w)`: the key is the rendered number modulo 2⁶⁴ — exact for w ≤ 19;
/// - `hex(w)`: the key is the first min(w, 16) hexadecimal digits — exact for w ≤ 16.
/// For wider renderings two pseudonyms that differ only outside those 64 bits share a key; the
/// chance that an unregistered pseudonym meets a registered key that way is about n/2⁶⁴ (below
/// 10⁻¹² per row for 17 million persons). The register side computes the same key from the first
/// 16 bytes of the MAC (`key(prefix:)`), which is exactly what `PseudonymRendering.render` reads.
public struct PseudonymKeyCodec: Sendable, Equatable {
    /// The rendering of the pseudonyms this codec reads (the project's).
    public let rendering: PseudonymRendering
    /// The number of distinct keys when it is below 2⁶⁴ (10^w, 16^w), else nil.
    public let keySpace: UInt64?
    /// 10^w for decimal renderings.
    private let modulus: UInt128

    /// A codec for pseudonyms rendered with `rendering`.
    public init(rendering: PseudonymRendering) {
        self.rendering = rendering
        if case let .decimal(w) = rendering { modulus = powerOfTen(w) } else { modulus = 1 }
        switch rendering {
        case let .decimal(w):
            var space: UInt64? = 1
            for _ in 0..<w { space = space.flatMap { $0.multipliedReportingOverflow(by: 10).overflow ? nil : $0 * 10 } }
            keySpace = space
        case let .hex(w):
            keySpace = w < 16 ? UInt64(1) << UInt64(4 * w) : nil
        }
    }

    /// The key of the pseudonym whose MAC starts with the big-endian 128-bit `prefix`.
    @inline(__always)
    public func key(prefix: UInt128) -> UInt64 {
        switch rendering {
        case .decimal:
            return UInt64(truncatingIfNeeded: prefix % modulus)
        case let .hex(w):
            return w <= 16 ? UInt64(truncatingIfNeeded: prefix >> UInt128(128 - 4 * w)) : UInt64(truncatingIfNeeded: prefix >> 64)
        }
    }

    /// A 32-bit fold of the whole prefix: equal keys with different fingerprints come from
    /// different identifiers (a collision); equal fingerprints mean the same identifier, wrong
    /// only with probability 2⁻³² per colliding pair.
    @inline(__always)
    public static func fingerprint(prefix: UInt128) -> UInt32 {
        let hi = UInt64(truncatingIfNeeded: prefix >> 64), lo = UInt64(truncatingIfNeeded: prefix)
        let mixed = (hi &* 0x9E37_79B9_7F4A_7C15) ^ (lo &* 0xC2B2_AE3D_27D4_EB4F)
        return UInt32(truncatingIfNeeded: mixed >> 32)
    }

    /// The key of a pseudonym as written in a data file, or nil when the field is not a
    /// well-formed pseudonym of this rendering (empty, wrong width, wrong characters).
    /// Surrounding spaces are tolerated; upper-case hexadecimal digits are accepted.
    @inline(__always)
    public func key(parsing field: UnsafeRawBufferPointer) -> UInt64? {
        var start = 0, end = field.count
        while start < end, field[start] == 0x20 { start += 1 }
        while end > start, field[end - 1] == 0x20 { end -= 1 }
        guard end - start == rendering.width else { return nil }
        var value: UInt64 = 0
        switch rendering {
        case .decimal:
            // Eight digits at a time (the same value modulo 2⁶⁴ as digit by digit), then the rest.
            var i = start
            // swift-format-ignore: NeverForceUnwrap
            // Safe: the field holds `rendering.width` > 0 bytes (guard above).
            let base = field.baseAddress!
            while end - i >= 8 {
                guard let chunk = Self.eightDigits(base + i) else { return nil }
                value = value &* 100_000_000 &+ chunk
                i += 8
            }
            while i < end {
                let d = field[i] &- 0x30
                guard d <= 9 else { return nil }
                value = value &* 10 &+ UInt64(d)
                i += 1
            }
        case let .hex(w):
            var i = start
            var used = 0
            while i < end {
                let c = field[i]
                let d: UInt8
                if c &- 0x30 <= 9 { d = c &- 0x30 } else if c | 0x20 >= 0x61 && c | 0x20 <= 0x66 { d = (c | 0x20) - 0x61 + 10 } else { return nil }
                if used < min(w, 16) { value = value << 4 | UInt64(d) }
                used += 1
                i += 1
            }
        }
        return value
    }
}

extension PseudonymKeyCodec {
    /// The value of the eight ASCII digits at `p`, or nil when one is not a digit. Why: linking
    /// parses a 17-digit key per row and match key; this takes three multiplications instead of
    /// a chain of eight. Byte 0 (the most significant digit) is the word's low byte.
    @inline(__always)
    static func eightDigits(_ p: UnsafeRawPointer) -> UInt64? {
        let word = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        // A digit has high nibble 3 and stays below 0x3A: adding 6 must keep the high nibble 3.
        guard word & 0xF0F0_F0F0_F0F0_F0F0 == 0x3030_3030_3030_3030,
              (word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0 == 0x3030_3030_3030_3030 else { return nil }
        var v = word & 0x0F0F_0F0F_0F0F_0F0F
        v = (v &* 10 &+ (v >> 8)) & 0x00FF_00FF_00FF_00FF       // pairs: 10·a + b in each 16-bit lane
        v = (v &* 100 &+ (v >> 16)) & 0x0000_FFFF_0000_FFFF     // quads: 100·ab + cd in each 32-bit lane
        v = (v &* 10_000 &+ (v >> 32)) & 0x0000_0000_FFFF_FFFF  // 10⁴·abcd + efgh
        return v
    }
}

/// 10^n as a 128-bit number (n ≤ 38).
@inline(__always)
func powerOfTen(_ n: Int) -> UInt128 {
    var r: UInt128 = 1
    for _ in 0..<n { r &*= 10 }
    return r
}
