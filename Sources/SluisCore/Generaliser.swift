/// Coarsens a value so it no longer points at one person: dates to a year or year-month,
/// postcodes to their four digits (PC4), numbers to bands of a fixed width.
public enum Generalisation: Equatable, Sendable, CustomStringConvertible {
    case year
    case yearMonth
    case pc4
    /// Integer bands `lo-hi` with `lo` a multiple of `width`, a negative bound in parentheses
    /// (`(-20)-(-11)`); values are floored to an integer first. `decimal`: the decimal separator the column states (`,` or `.`), or 0 to tell it
    /// from each value (docs/pipeline.md, "Numbers in bands").
    case band(width: Int, decimal: UInt8 = 0)

    /// The `to` value in pipeline.json.
    public var name: String {
        switch self {
        case .year: return "year"
        case .yearMonth: return "year-month"
        case .pc4: return "pc4"
        case .band: return "band"
        }
    }

    /// The rule as messages and reports describe it (`band of width 10`).
    public var description: String {
        if case let .band(w, d) = self { return "band of width \(w)" + (d == 0 ? "" : ", decimal separator '\(Character(UnicodeScalar(d)))'") }
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
        case let .band(width, decimal):
            out.removeAll(keepingCapacity: true)
            var value = 0
            if let failure = integerPart(input, decimal: decimal, value: &value) { return failure }
            let low = floorDiv(value, width) * width
            Self.appendBound(low, to: &out)
            out.append(0x2D)
            Self.appendBound(low + width - 1, to: &out)
            return nil
        }
    }

    /// One bound of a band: a negative bound is written in parentheses, `(-20)-(-11)`, so that the
    /// `-` between the bounds is the only bare hyphen and a reader never has to guess where one
    /// number ends (`-20--11` was how bands were written before; people misread it).
    @usableFromInline
    static func appendBound(_ bound: Int, to out: inout [UInt8]) {
        if bound < 0 { out.append(0x28) }
        Normaliser.appendSigned(bound, to: &out)
        if bound < 0 { out.append(0x29) }
    }

    /// The largest number of integer digits a band value may have (10^15 fits a band's `lo-hi` in 64 bits).
    public static let maximumIntegerDigits = 15

    /// A decimal number floored to an integer (docs/pipeline.md, "Numbers in bands"): optional
    /// sign (`+`/`-`), integer digits optionally grouped in threes by `.` or `,`, optionally a
    /// decimal separator (the other one) and fraction digits; `5.` and `.5` are numbers.
    /// `decimal` (`,`/`.`) fixes the decimal separator; 0 tells it from the value: with both
    /// separators the last one is decimal, one separator used twice or more groups thousands, and
    /// one used once is decimal — unless it is followed by exactly three digits after a
    /// 1–3-digit integer part not starting with 0 (`1.234`), which reads two ways: `ambiguous-number`.
    @inlinable
    static func integerPart(_ input: UnsafeRawBufferPointer, decimal: UInt8, value result: inout Int) -> NormalisationFailure? {
        var i = 0
        var n = input.count
        while i < n && Normaliser.isSpace(input[i]) { i += 1 }
        while n > i && Normaliser.isSpace(input[n - 1]) { n -= 1 }
        guard i < n else { return .empty }
        var negative = false
        if input[i] == 0x2D { negative = true; i += 1 } else if input[i] == 0x2B { i += 1 }
        // Find the separators: how many of each and where the last one is.
        var dots = 0, commas = 0, last = -1
        for k in i..<n {
            let c = input[k]
            if c == 0x2E { dots += 1; last = k } else if c == 0x2C { commas += 1; last = k }
            else if c < 0x30 || c > 0x39 { return .unrecognisedFormat }
        }
        // Decide which separator is decimal (0: none) and which groups thousands.
        var decimalSeparator: UInt8 = 0
        if decimal != 0 {
            decimalSeparator = decimal
        } else if dots > 0 && commas > 0 {
            decimalSeparator = input[last]
        } else if dots + commas == 1 {
            decimalSeparator = input[last]
            let integerDigits = last - i, fractionDigits = n - last - 1
            if integerDigits >= 1 && integerDigits <= 3 && input[i] != 0x30 && fractionDigits == 3 { return .ambiguousNumber }
        }
        let grouping: UInt8 = decimalSeparator == 0x2C ? 0x2E : decimalSeparator == 0x2E ? 0x2C : (dots > 0 ? 0x2E : 0x2C)
        var value = 0, digits = 0, groupDigits = 0, groups = 0
        while i < n && input[i] != decimalSeparator {
            let c = input[i]
            if c == grouping {
                // Groups of thousands: 1-3 digits first, exactly 3 after every separator.
                guard groupDigits >= 1 && groupDigits <= 3 && (groups == 0 || groupDigits == 3) else { return .unrecognisedFormat }
                groups += 1
                groupDigits = 0
            } else if c >= 0x30 && c <= 0x39 {
                value = value &* 10 &+ Int(c &- 0x30)
                digits += 1
                groupDigits += 1
                if digits > maximumIntegerDigits { return .outOfRange }
            } else {
                return .unrecognisedFormat
            }
            i += 1
        }
        if groups > 0 && groupDigits != 3 { return .unrecognisedFormat }
        var fraction = false, fractionDigits = 0
        if i < n {
            i += 1
            while i < n {
                let c = input[i]
                guard c >= 0x30 && c <= 0x39 else { return .unrecognisedFormat }
                if c != 0x30 { fraction = true }
                fractionDigits += 1
                i += 1
            }
        }
        guard digits > 0 || fractionDigits > 0 else { return .unrecognisedFormat }
        result = negative ? (fraction ? -value - 1 : -value) : value
        return nil
    }

    @inlinable
    static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
