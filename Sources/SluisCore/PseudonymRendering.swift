/// How a 32-byte HMAC becomes the text written into a pseudonym column.
///
/// `decimal(width)`: the first 16 bytes of the MAC read as a big-endian unsigned 128-bit integer,
/// reduced modulo 10^width and written as exactly `width` digits with leading zeros (a RIN-style
/// key). Each residue has ⌊2^128/10^w⌋ or one more preimages, a relative bias of at most
/// 10^w / 2^128 (about 3·10⁻²² at the default width 17; docs/format.md).
///
/// `hex(width)`: the first `width` lowercase hexadecimal digits of the MAC (width 1…64, no bias).
public enum PseudonymRendering: Equatable, Sendable, CustomStringConvertible {
    case decimal(width: Int)
    case hex(width: Int)

    /// 17 digits: 20 million distinct identifiers give about 0.002 expected colliding pairs.
    public static let defaultDecimalWidth = 17
    /// What a config without `rendering` gets: 17 decimal digits, RIN-style.
    public static let `default` = PseudonymRendering.decimal(width: defaultDecimalWidth)

    /// Digits per pseudonym: the column width written to SPSS/Stata and checked when linking.
    public var width: Int {
        switch self { case let .decimal(w), let .hex(w): return w }
    }

    /// True for widths the rendering supports (decimal 1…38, hex 1…64); the config reader refuses others.
    public var isValid: Bool {
        switch self {
        case let .decimal(w): return (1...38).contains(w)
        case let .hex(w): return (1...64).contains(w)
        }
    }

    /// The config spelling, `decimal:17` or `hex:32`, used in manifests and messages.
    public var description: String {
        switch self {
        case let .decimal(w): return "decimal:\(w)"
        case let .hex(w): return "hex:\(w)"
        }
    }

    /// Parses `decimal:17`, `hex:32`, `decimal` or `hex`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let width = parts.count == 2 ? Int(parts[1]) : nil
        if parts.count == 2 && width == nil { return nil }
        switch parts.first {
        case "decimal": self = .decimal(width: width ?? Self.defaultDecimalWidth)
        case "hex": self = .hex(width: width ?? 32)
        default: return nil
        }
        guard isValid else { return nil }
    }

    /// The widest decimal rendering whose modulus 10^width fits a UInt64 (10^19 < 2^64 < 10^20).
    @inlinable static var maxWordDecimalWidth: Int { 19 }

    /// Writes the rendering of `mac` (32 bytes) into `out` (exactly `width` bytes).
    @inlinable
    public func render(mac: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        switch self {
        case let .decimal(width) where width <= Self.maxWordDecimalWidth:
            // Why not UInt128 `%`: it calls the runtime's __umodti3/__udivti3, and the digits
            // came out one at a time. This is the same number, reduced with 64-bit multiplies
            // (`decimalResidue`), written two digits per step from a "00"…"99" table. The tests
            // compare it with the UInt128 arithmetic below for every width.
            let hi = UInt64(bigEndian: mac.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            let lo = UInt64(bigEndian: mac.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            writeDecimal(decimalResidue(high: hi, low: lo, width: width), width: width, into: out)
        case let .decimal(width):
            // Widths 20…38: the residue does not fit 64 bits; 128-bit arithmetic.
            var value: UInt128 = 0
            for i in 0..<16 { value = (value << 8) | UInt128(mac[i]) }
            value %= powerOfTen128(width)
            // Low 19 digits with 64-bit arithmetic (fast), the rest (width > 19) with 128-bit.
            var low = UInt64(truncatingIfNeeded: value % 10_000_000_000_000_000_000)
            var high = value / 10_000_000_000_000_000_000
            var i = width - 1
            var produced = 0
            while i >= 0 {
                if produced < 19 {
                    out[i] = UInt8(truncatingIfNeeded: low % 10) &+ 0x30
                    low /= 10
                } else {
                    out[i] = UInt8(truncatingIfNeeded: high % 10) &+ 0x30
                    high /= 10
                }
                produced += 1
                i -= 1
            }
        case let .hex(width):
            let digits: StaticString = "0123456789abcdef"
            let d = digits.utf8Start
            for i in 0..<width {
                let byte = mac[i >> 1]
                let nibble = (i & 1) == 0 ? byte >> 4 : byte & 0x0f
                out[i] = d[Int(nibble)]
            }
        }
    }
}

/// (10^width, its reciprocal) for width 1…19; the reciprocal is of the normalised divisor
/// d = 10^width << leadingZeroBitCount, v = ⌊(2^128 − 1) / d⌋ − 2^64 (see `remainder2by1`).
/// A switch rather than an array so the inlined code reads constants, not a global; the tests
/// recompute every entry with UInt128.
@inlinable @inline(__always)
func decimalDivisor(width: Int) -> (power: UInt64, reciprocal: UInt64) {
    switch width {
    case 1: return (10, 0x9999_9999_9999_9999)
    case 2: return (100, 0x47AE_147A_E147_AE14)
    case 3: return (1_000, 0x0624_DD2F_1A9F_BE76)
    case 4: return (10_000, 0xA36E_2EB1_C432_CA57)
    case 5: return (100_000, 0x4F8B_588E_368F_0846)
    case 6: return (1_000_000, 0x0C6F_7A0B_5ED8_D36B)
    case 7: return (10_000_000, 0xAD7F_29AB_CAF4_8578)
    case 8: return (100_000_000, 0x5798_EE23_08C3_9DF9)
    case 9: return (1_000_000_000, 0x12E0_BE82_6D69_4B2E)
    case 10: return (10_000_000_000, 0xB7CD_FD9D_7BDB_AB7D)
    case 11: return (100_000_000_000, 0x5FD7_FE17_9649_55FD)
    case 12: return (1_000_000_000_000, 0x1979_9812_DEA1_1197)
    case 13: return (10_000_000_000_000, 0xC25C_2684_9768_1C26)
    case 14: return (100_000_000_000_000, 0x6849_B86A_12B9_B01E)
    case 15: return (1_000_000_000_000_000, 0x203A_F9EE_7561_59B2)
    case 16: return (10_000_000_000_000_000, 0xCD2B_297D_889B_C2B6)
    case 17: return (100_000_000_000_000_000, 0x70EF_5464_6D49_6892)
    case 18: return (1_000_000_000_000_000_000, 0x2725_DD1D_243A_BA0E)
    case 19: return (10_000_000_000_000_000_000, 0xD83C_94FB_6D2A_C34A)
    default: preconditionFailure("decimal width outside 1…19")
    }
}

/// The remainder of (u1·2^64 + u0) / d for a normalised d (top bit set) and u1 < d, given
/// v = ⌊(2^128 − 1) / d⌋ − 2^64: Möller & Granlund, "Improved division by invariant integers"
/// (IEEE Trans. Computers, 2011), algorithm 4, keeping only the remainder.
///
/// Why: Swift has no 128-by-64-bit hardware division; `dividingFullWidth` and UInt128 `%` both
/// become calls to __udivti3/__umodti3. This is one 64×64→128 multiply, one 64-bit multiply and
/// two corrections. The first correction is needed for half or more of all inputs (depending on
/// the width), so it is a mask (compiled to cmov) rather than an often mispredicted branch.
@inlinable @inline(__always)
func remainder2by1(_ u1: UInt64, _ u0: UInt64, divisor d: UInt64, reciprocal v: UInt64) -> UInt64 {
    let p = v.multipliedFullWidth(by: u1)
    let (q0, carry) = p.low.addingReportingOverflow(u0)
    let q1 = p.high &+ u1 &+ (carry ? 2 : 1)  // (q1, q0) = v·u1 + (u1, u0); then q1 + 1
    var r = u0 &- q1 &* d
    let (_, estimateTooLarge) = q0.subtractingReportingOverflow(r)  // r > q0
    r = r &+ (d & (0 &- UInt64(truncatingIfNeeded: estimateTooLarge ? 1 : 0)))
    if r >= d { r = r &- d }  // the estimate was one too small (rare)
    return r
}

/// (hi·2^64 + lo) mod 10^width for width 1…19, with 64-bit operations only.
///
/// The 128-bit value shifted left by s (the normalising shift of 10^width) is the three words
/// n2 ‖ n1 ‖ n0 with n2 < 2^s ≤ d; two steps of `remainder2by1` give (value·2^s) mod (10^width·2^s),
/// which is (value mod 10^width)·2^s.
@inlinable @inline(__always)
func decimalResidue(high hi: UInt64, low lo: UInt64, width: Int) -> UInt64 {
    let (power, v) = decimalDivisor(width: width)
    let s = power.leadingZeroBitCount  // 0 for 10^19; Swift's >> by 64 gives 0, as needed
    let d = power << s
    let n2 = hi >> (64 - s)
    let n1 = (hi << s) | (lo >> (64 - s))
    let n0 = lo << s
    let r1 = remainder2by1(n2, n1, divisor: d, reciprocal: v)
    return remainder2by1(r1, n0, divisor: d, reciprocal: v) >> s
}

/// Writes `value` (< 10^width) as exactly `width` ASCII digits with leading zeros, two at a time
/// from a "00"…"99" table.
///
/// Groups of 8 digits come off the right end first, and each group splits into two 4-digit
/// halves and those into pairs: the pairs of a group do not wait on each other, so a 17-digit
/// pseudonym has a chain of about four dependent divisions-by-constant instead of nine.
@inlinable @inline(__always)
func writeDecimal(_ value: UInt64, width: Int, into out: UnsafeMutableRawBufferPointer) {
    // "00", "01", …, "99": two ASCII digits for each value below 100.
    let table: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
    let pairs = UnsafeRawPointer(table.utf8Start)
    @inline(__always) func writePair(_ n: UInt32, at i: Int) {
        out.storeBytes(of: pairs.loadUnaligned(fromByteOffset: 2 &* Int(n), as: UInt16.self), toByteOffset: i, as: UInt16.self)
    }
    @inline(__always) func writeFour(_ n: UInt32, at i: Int) {
        let (high, low) = n.quotientAndRemainder(dividingBy: 100)
        writePair(high, at: i)
        writePair(low, at: i &+ 2)
    }
    var rest = value
    var end = width  // out[0..<end] still to write
    while end >= 8 {
        let (q, group) = rest.quotientAndRemainder(dividingBy: 100_000_000)
        let (high, low) = UInt32(truncatingIfNeeded: group).quotientAndRemainder(dividingBy: 10_000)
        writeFour(high, at: end &- 8)
        writeFour(low, at: end &- 4)
        rest = q
        end &-= 8
    }
    while end >= 2 {
        let (q, pair) = rest.quotientAndRemainder(dividingBy: 100)
        writePair(UInt32(truncatingIfNeeded: pair), at: end &- 2)
        rest = q
        end &-= 2
    }
    if end == 1 { out[0] = UInt8(truncatingIfNeeded: rest) &+ 0x30 }
}

@usableFromInline let powersOfTen128: [UInt128] = {
    var table: [UInt128] = [1]
    var power: UInt128 = 1
    for _ in 0..<38 {
        power *= 10
        table.append(power)
    }
    return table
}()

@inlinable func powerOfTen128(_ n: Int) -> UInt128 { powersOfTen128[n] }

