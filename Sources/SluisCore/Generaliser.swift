/// Coarsens a value so it no longer points at one person: dates to a year or year-month,
/// postcodes to their four digits (PC4), numbers to bands of a fixed width.
public enum Generalisation: Equatable, Sendable, CustomStringConvertible {
    case year
    case yearMonth
    case pc4
    /// Integer bands `lo-hi` with `lo` a multiple of `width` (values are floored to an integer first).
    case band(width: Int)

    /// The `to` value in pipeline.json.
    public var name: String {
        switch self {
        case .year: return "year"
        case .yearMonth: return "year-month"
        case .pc4: return "pc4"
        case .band: return "band"
        }
    }

    public var description: String {
        if case let .band(w) = self { return "band of width \(w)" }
        return name
    }
}

/// Applies a `Generalisation` to one value. Dates and postcodes go through the `Normaliser`
/// first, so every way of writing them generalises the same way and invalid ones are reported.
public enum Generaliser {
    /// Writes the generalised form of `input` into `out` (cleared first); nil on success.
    @inlinable
    public static func generalise(_ g: Generalisation, _ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> NormalisationFailure? {
        switch g {
        case .year, .yearMonth:
            out.removeAll(keepingCapacity: true)
            var year = 0, month = 0, day = 0
            if let failure = Normaliser.parseDate(input, year: &year, month: &month, day: &day) { return failure }
            Normaliser.appendISODate(year: year, month: month, day: day, prefix: g == .year ? 4 : 7, to: &out)
            return nil
        case .pc4:
            out.removeAll(keepingCapacity: true)
            var digits = 0
            var other = false
            for c in input where !Normaliser.isSpace(c) {
                if c >= 0x30 && c <= 0x39 { digits += 1 } else { other = true }
            }
            if digits == 4 && !other {
                for c in input where !Normaliser.isSpace(c) { out.append(c) }
                return out[0] == 0x30 ? .unrecognisedFormat : nil
            }
            if let failure = Normaliser.postcode(input, into: &out) { return failure }
            out.removeLast(2)
            return nil
        case let .band(width):
            out.removeAll(keepingCapacity: true)
            guard let value = integerPart(input) else {
                return input.allSatisfy(Normaliser.isSpace) ? .empty : .unrecognisedFormat
            }
            let low = floorDiv(value, width) * width
            Normaliser.appendSigned(low, to: &out)
            out.append(0x2D)
            Normaliser.appendSigned(low + width - 1, to: &out)
            return nil
        }
    }

    /// The value of a decimal number (`-12`, `12.75`, `12,75`), floored to an integer; nil when it is not a number.
    @inlinable
    static func integerPart(_ input: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        var n = input.count
        while i < n && Normaliser.isSpace(input[i]) { i += 1 }
        while n > i && Normaliser.isSpace(input[n - 1]) { n -= 1 }
        guard i < n else { return nil }
        var negative = false
        if input[i] == 0x2D { negative = true; i += 1 } else if input[i] == 0x2B { i += 1 }
        var value = 0
        var digits = 0
        while i < n, input[i] >= 0x30, input[i] <= 0x39 {
            value = value &* 10 &+ Int(input[i] - 0x30)
            digits += 1
            if digits > 15 { return nil }
            i += 1
        }
        var fraction = false
        if i < n && (input[i] == 0x2E || input[i] == 0x2C) {
            i += 1
            while i < n, input[i] >= 0x30, input[i] <= 0x39 {
                if input[i] != 0x30 { fraction = true }
                i += 1
            }
        }
        guard digits > 0, i == n else { return nil }
        if negative { return fraction ? -value - 1 : -value }
        return value
    }

    @inlinable
    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
