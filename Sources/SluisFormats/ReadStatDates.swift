import SluisCore
/// Calendar dates in SPSS and Stata files, as ISO text.
///
/// SPSS stores a date as seconds since 1582-10-14 and Stata as days since 1960-01-01; only the
/// display format says a number is a date. The pipeline's `date` normaliser and the
/// date-to-year generaliser work on text, so the reader hands whole-day values of variables
/// with a pure date format (SPSS `DATE`, `ADATE`, `EDATE`, `JDATE`, `SDATE`; Stata `%td`, `%d`)
/// over as `YYYY-MM-DD`, and the writer turns that text back into the same number. Values with
/// a time of day, or outside years 1000–9999, stay numbers (shortest round-trip text).
enum ReadStatDateUnit: Sendable {
    /// SPSS: seconds since 1582-10-14 00:00.
    case spssSeconds
    /// Stata: days since 1960-01-01.
    case stataDays

    /// Days from the format's epoch to 1970-01-01.
    private var epochOffsetDays: Int64 { self == .spssSeconds ? 141_428 : 3_653 }

    /// The unit of a variable's dates, or nil when its format is not a pure date format.
    init?(variable: ReadStatVariable, family: ReadStatFileFormat.Family) {
        guard variable.storage.isNumeric else { return nil }
        let f = variable.displayFormat.uppercased()
        switch family {
        case .spss:
            let name = f.prefix { $0.isLetter }
            guard ["DATE", "ADATE", "EDATE", "JDATE", "SDATE"].contains(String(name)) else { return nil }
            self = .spssSeconds
        case .stata:
            let body = f.hasPrefix("%-") ? f.dropFirst(2) : f.dropFirst()
            guard f.hasPrefix("%"), body.hasPrefix("TD") || body.hasPrefix("D") else { return nil }
            self = .stataDays
        }
    }

    /// `YYYY-MM-DD` for a whole-day value in years 1000–9999, else nil.
    func isoText(_ value: Double) -> [UInt8]? {
        guard value.isFinite else { return nil }
        var days = value
        if self == .spssSeconds {
            guard value.truncatingRemainder(dividingBy: 86_400) == 0 else { return nil }
            days = value / 86_400
        }
        guard days.rounded() == days, abs(days) < 4e6 else { return nil }
        let (y, m, d) = civilDate(daysSince1970: Int64(days) - epochOffsetDays)
        guard (1000...9999).contains(y) else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(10)
        func put(_ n: Int64, _ width: Int) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var v = n
            for i in stride(from: width - 1, through: 0, by: -1) { digits[i] += UInt8(v % 10); v /= 10 }
            out += digits
        }
        put(y, 4); out.append(UInt8(ascii: "-")); put(m, 2); out.append(UInt8(ascii: "-")); put(d, 2)
        return out
    }

    /// The stored number for `YYYY-MM-DD` text, or nil when the text is not a valid date.
    func value(isoText bytes: UnsafeRawBufferPointer) -> Double? {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var n: Int64 = 0
            for i in range {
                let b = bytes[i]
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) else { return nil }
                n = n * 10 + Int64(b - UInt8(ascii: "0"))
            }
            return n
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10),
              (1...12).contains(m), d >= 1, d <= Normaliser.daysInMonth(year: Int(y), month: Int(m)) else { return nil }
        let days = daysSince1970(year: y, month: m, day: d) + epochOffsetDays
        return self == .spssSeconds ? Double(days) * 86_400 : Double(days)
    }
}

/// Proleptic Gregorian calendar: days since 1970-01-01 (counting in 400-year eras of 146 097
/// days, with years starting in March so the leap day falls at the end).
private func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let monthFromMarch = (month + 9) % 12
    let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
}

/// The inverse of `daysSince1970`.
private func civilDate(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthFromMarch = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
    let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
}
