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
    public static let `default` = PseudonymRendering.decimal(width: defaultDecimalWidth)

    public var width: Int {
        switch self { case let .decimal(w), let .hex(w): return w }
    }

    public var isValid: Bool {
        switch self {
        case let .decimal(w): return (1...38).contains(w)
        case let .hex(w): return (1...64).contains(w)
        }
    }

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

    /// Writes the rendering of `mac` (32 bytes) into `out` (exactly `width` bytes).
    @inlinable
    public func render(mac: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        switch self {
        case let .decimal(width):
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

    /// The expected number of colliding pairs among `n` distinct identifiers (birthday bound).
    public func expectedCollidingPairs(distinctIdentifiers n: Double) -> Double {
        let space: Double
        switch self {
        case let .decimal(w): space = pow10(w)
        case let .hex(w): space = pow16(w)
        }
        return n * (n - 1) / (2 * space)
    }
}

@usableFromInline let powersOfTen128: [UInt128] = {
    var table: [UInt128] = [1]
    for _ in 0..<38 { table.append(table.last! * 10) }
    return table
}()

@inlinable func powerOfTen128(_ n: Int) -> UInt128 { powersOfTen128[n] }

@usableFromInline func pow10(_ n: Int) -> Double { var r = 1.0; for _ in 0..<n { r *= 10 }; return r }
@usableFromInline func pow16(_ n: Int) -> Double { var r = 1.0; for _ in 0..<n { r *= 16 }; return r }
