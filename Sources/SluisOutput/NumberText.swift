#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing the numbers of tables and models.
enum NumberText {
    /// Parses a decimal number (`-12`, `3.25`, `1e6`) from bytes; nil when it is not one. Plain
    /// integers and decimals take a fast path; anything else goes through `strtod` on a copy.
    @inline(__always)
    static func parse(_ field: UnsafeRawBufferPointer) -> Double? {
        let n = field.count
        guard n > 0, n < 64 else { return nil }
        var i = 0
        var negative = false
        if field[0] == 0x2D { negative = true; i = 1 } else if field[0] == 0x2B { i = 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var seenPoint = false
        while i < n {
            let b = field[i]
            if b >= 0x30 && b <= 0x39 {
                if digits >= 18 { return slow(field) }
                mantissa = mantissa &* 10 &+ UInt64(b &- 0x30)
                digits += 1
                if seenPoint { fraction += 1 }
            } else if b == 0x2E && !seenPoint {
                seenPoint = true
            } else {
                return slow(field)
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        var value = Double(mantissa)
        if fraction > 0 { value /= powersOfTen[fraction] }
        return negative ? -value : value
    }

    private static let powersOfTen: [Double] = (0...18).map { e in (0..<e).reduce(1.0) { r, _ in r * 10 } }

    private static func slow(_ field: UnsafeRawBufferPointer) -> Double? {
        var buffer = [CChar](repeating: 0, count: field.count + 1)
        for i in 0..<field.count {
            let b = field[i]
            // Only what a number may hold: no hex, no inf/nan, no blanks.
            guard (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x2D || b == 0x2B || b == 0x65 || b == 0x45 else { return nil }
            buffer[i] = CChar(bitPattern: b)
        }
        return buffer.withUnsafeMutableBufferPointer { p -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            // swift-format-ignore: NeverForceUnwrap
            // Safe: `buffer` holds field.count + 1 >= 1 characters, so it has a base address.
            let v = strtod(p.baseAddress!, &end)
            // swift-format-ignore: NeverForceUnwrap
            // Safe: `buffer` holds field.count + 1 >= 1 characters, so it has a base address.
            guard let end, end - p.baseAddress! == field.count, v.isFinite else { return nil }
            return v
        }
    }

    /// The text a table shows for a number: integers without a decimal point, others in the
    /// shortest form that reads back to the same Double.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
