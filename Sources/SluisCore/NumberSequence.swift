/// The BSN and phone-number part of the residual scan: reads one *number sequence* — digit groups
/// joined by separators — and finds the BSNs and Dutch phone numbers in it, byte by byte.
///
/// Why a sequence and not a pattern per kind: people group these numbers every way the
/// keyboard allows (`06-12345678`, `(0356) 933330`, `+31(0)55 2525578`, `123.456.782`,
/// `1234 56 782`, no-break spaces from a word processor), and two numbers can stand side by side
/// (`06 12345678 / 020 1234567`). So the groups are read once, then split into identifiers at
/// white-space boundaries: a candidate starts at the sequence's start or after white space and
/// ends at its end or before white space; `.`, `-`, `/` and parentheses only join groups.
///
/// Rules (docs/pipeline.md, "Residual identifiers", states them for users):
/// - separators: space, tab, `.`, `-`, `/`, `(`, `)`, no-break and other Unicode spaces
///   (U+00A0, U+2000–U+200A, U+202F, U+3000), Unicode dashes (U+2010–U+2015, U+2212), soft
///   hyphen, zero-width characters (U+200B–U+200D, U+2060, U+FEFF); up to three between groups.
/// - phone: `+31`, `0031` or `31`, an optional trunk `0`, then nine digits not starting with 0;
///   or ten digits from a trunk `0` whose next digit is not 0 (area codes of 2–4 digits, 06
///   mobiles, 08x/09x). The first group of a national number or of `31…`, and the last group of
///   any, has two digits or more (`012345678.0` is a numeric BSN, not a phone number).
/// - BSN: eight or nine digits passing the 11-check (eight are left-padded with 0, as the
///   normaliser does), as one group, as groups of 2–4 digits, or — when the value is nothing
///   else — in any grouping the normaliser accepts, but never as groups of exactly four digits
///   each (`1990 2000`, `2042-2052`: years); `.0…` after the digits (a numeric export) is allowed.
/// - not identifiers: dates (`d-m-yyyy`, `yyyy-mm-dd` with `-`, `/` or `.`, a valid day), compact
///   dates of 1900–2099 (`yyyymmdd`, `ddmmyyyy`) as a lone 8-digit BSN candidate, numbers glued
///   to a letter or continued by `,`/`:` and a digit (decimals, times), and BSN-like amounts
///   after `€`.
@usableFromInline
enum NumberSequence {
    /// Scratch layout: the digits (one per byte), then each group's end as a digit count, then
    /// what follows each group (`endOfSequence`, `whiteSpace`, or the single joining character).
    @usableFromInline static let maxDigits = 24
    @usableFromInline static let maxGroups = 16
    @usableFromInline static let groupEndOffset = 24
    @usableFromInline static let afterOffset = 40
    @usableFromInline static let scratchByteCount = 56
    @usableFromInline static let endOfSequence: UInt8 = 0
    @usableFromInline static let whiteSpace: UInt8 = 1
    @usableFromInline static let otherJoin: UInt8 = 2

    /// Reads the sequence whose first digit is at `start`, adds what it holds to `found`, and
    /// returns the index after it.
    @inlinable
    static func scan(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int, scratch s: UnsafeMutablePointer<UInt8>,
                     found: inout UInt8) -> Int {
        var k = start
        var digitCount = 0
        var groups = 0
        var tainted = false  // no identifier may end at the last group
        while true {
            while k < n && ResidualScanner.isDigit(p[k]) && digitCount < maxDigits {
                s[digitCount] = p[k] &- 0x30
                digitCount += 1
                k += 1
            }
            s[groupEndOffset + groups] = UInt8(digitCount)
            groups += 1
            if k < n && ResidualScanner.isDigit(p[k]) {
                // Longer than any identifier: skip the rest of the run; nothing ends here.
                while k < n && ResidualScanner.isDigit(p[k]) { k += 1 }
                s[afterOffset + groups - 1] = endOfSequence
                tainted = true
                break
            }
            var m = k
            var units = 0
            var white = false
            var single: UInt8 = 0
            while units < 3 && m < n {
                let length = separatorLength(p, m, n, white: &white)
                if length == 0 { break }
                single = units == 0 && length == 1 ? p[m] : otherJoin
                m += length
                units += 1
            }
            if units > 0 && m < n && ResidualScanner.isDigit(p[m]) && groups < maxGroups && digitCount < maxDigits {
                s[afterOffset + groups - 1] = white ? whiteSpace : (single == 0x2D || single == 0x2E || single == 0x2F ? single : otherJoin)
                k = m
                continue
            }
            s[afterOffset + groups - 1] = endOfSequence
            if units == 0 && k < n {
                let c = p[k]
                if ResidualScanner.isLetter(c) || ((c == 0x2C || c == 0x3A) && k + 1 < n && ResidualScanner.isDigit(p[k + 1])) {
                    tainted = true
                }
            }
            break
        }
        // Most numbers in kept columns are short: no BSN or phone number has fewer than 8 digits.
        guard digitCount >= 8 else { return k }
        let plus = start > 0 && p[start - 1] == 0x2B
        let amount = afterCurrencySign(p, start)
        var g = 0
        while g < groups {
            if let e = dateEnd(s, g, groups) {
                g = nextStart(s, e, groups)
                continue
            }
            if let e = phoneEnd(s, g, groups, plus: plus && g == 0, tainted: tainted) {
                found |= ResidualKind.phone.bit
                g = e
                continue
            }
            if !(amount && g == 0), let e = bsnEnd(s, g, groups, tainted: tainted, p: p, start: start, end: k, n: n) {
                found |= ResidualKind.bsn.bit
                g = e
                continue
            }
            g = nextStart(s, g + 1, groups)
        }
        return k
    }

    /// The byte length of the separator at `k`, or 0; sets `white` when it is white space.
    @inlinable
    static func separatorLength(_ p: UnsafePointer<UInt8>, _ k: Int, _ n: Int, white: inout Bool) -> Int {
        switch p[k] {
        case 0x20, 0x09: white = true; return 1
        case 0x2D, 0x2E, 0x2F, 0x28, 0x29: return 1
        case 0xC2:
            guard k + 1 < n else { return 0 }
            if p[k + 1] == 0xA0 { white = true; return 2 }  // U+00A0 no-break space
            return p[k + 1] == 0xAD ? 2 : 0  // U+00AD soft hyphen
        case 0xE2:
            guard k + 2 < n else { return 0 }
            let b = p[k + 1], d = p[k + 2]
            if b == 0x80 {
                if d <= 0x8A || d == 0xAF { white = true; return 3 }  // U+2000–U+200A, U+202F
                if d <= 0x8D || (d >= 0x90 && d <= 0x95) { return 3 }  // zero-width U+200B–D, dashes U+2010–5
                return 0
            }
            if b == 0x81 && d == 0xA0 { return 3 }  // U+2060 word joiner
            if b == 0x88 && d == 0x92 { return 3 }  // U+2212 minus sign
            return 0
        case 0xE3:
            guard k + 2 < n, p[k + 1] == 0x80, p[k + 2] == 0x80 else { return 0 }
            white = true
            return 3  // U+3000 ideographic space
        case 0xEF:
            guard k + 2 < n, p[k + 1] == 0xBB, p[k + 2] == 0xBF else { return 0 }
            return 3  // U+FEFF zero-width no-break space
        default:
            return 0
        }
    }

    @inlinable static func groupStart(_ s: UnsafeMutablePointer<UInt8>, _ g: Int) -> Int { g == 0 ? 0 : Int(s[groupEndOffset + g - 1]) }
    @inlinable static func groupEnd(_ s: UnsafeMutablePointer<UInt8>, _ g: Int) -> Int { Int(s[groupEndOffset + g]) }
    @inlinable static func groupLength(_ s: UnsafeMutablePointer<UInt8>, _ g: Int) -> Int { groupEnd(s, g) - groupStart(s, g) }

    /// A candidate may end before group `e`: at the sequence's end, or before white space.
    @inlinable
    static func canEnd(_ s: UnsafeMutablePointer<UInt8>, _ e: Int, _ groups: Int, tainted: Bool) -> Bool {
        e == groups ? !tainted : s[afterOffset + e - 1] == whiteSpace
    }

    /// The first group at or after `g` that may start a candidate (it follows white space).
    @inlinable
    static func nextStart(_ s: UnsafeMutablePointer<UInt8>, _ g: Int, _ groups: Int) -> Int {
        var g = g
        while g < groups && s[afterOffset + g - 1] != whiteSpace { g += 1 }
        return g
    }

    /// The decimal value of digits `from..<to`.
    @inlinable
    static func value(_ s: UnsafeMutablePointer<UInt8>, _ from: Int, _ to: Int) -> Int {
        var v = 0
        for k in from..<to { v = v * 10 + Int(s[k]) }
        return v
    }

    @inlinable
    static func isDate(year: Int, month: Int, day: Int, years: ClosedRange<Int>) -> Bool {
        years.contains(year) && (1...12).contains(month) && day >= 1 && day <= Normaliser.daysInMonth(year: year, month: month)
    }

    /// Three groups from `g` joined twice by the same `-`, `/` or `.` that make a valid date
    /// (`d-m-yyyy` or `yyyy-m-d`, years 1800–2199): the index after them.
    @inlinable
    static func dateEnd(_ s: UnsafeMutablePointer<UInt8>, _ g: Int, _ groups: Int) -> Int? {
        guard g + 2 < groups else { return nil }
        let join = s[afterOffset + g]
        guard join == 0x2D || join == 0x2E || join == 0x2F, s[afterOffset + g + 1] == join else { return nil }
        let a = groupLength(s, g), b = groupLength(s, g + 1), c = groupLength(s, g + 2)
        // Shapes first: a longer group's value would not fit in an Int.
        guard (a <= 2 && b <= 2 && c == 4) || (a == 4 && b <= 2 && c <= 2) else { return nil }
        let va = value(s, groupStart(s, g), groupEnd(s, g))
        let vb = value(s, groupStart(s, g + 1), groupEnd(s, g + 1))
        let vc = value(s, groupStart(s, g + 2), groupEnd(s, g + 2))
        if a <= 2 && b <= 2 && c == 4 && isDate(year: vc, month: vb, day: va, years: 1800...2199) { return g + 3 }
        if a == 4 && b <= 2 && c <= 2 && isDate(year: va, month: vb, day: vc, years: 1800...2199) { return g + 3 }
        return nil
    }

    /// A phone number in groups `g..<e`: the smallest such `e`.
    @inlinable
    static func phoneEnd(_ s: UnsafeMutablePointer<UInt8>, _ g: Int, _ groups: Int, plus: Bool, tainted: Bool) -> Int? {
        let from = groupStart(s, g)
        let firstLength = groupLength(s, g)
        var e = g + 1
        while e <= groups && e - g <= 9 {
            let count = groupEnd(s, e - 1) - from
            if count > 14 { return nil }
            if count >= 9 && groupLength(s, e - 1) >= 2 && canEnd(s, e, groups, tainted: tainted) && isPhone(s + from, count, plus: plus, firstLength: firstLength) {
                return e
            }
            e += 1
        }
        return nil
    }

    /// The numbering plan's forms over `count` digits at `d` (see the type's rules).
    @inlinable
    static func isPhone(_ d: UnsafeMutablePointer<UInt8>, _ count: Int, plus: Bool, firstLength: Int) -> Bool {
        var rest = 0
        if plus {
            guard d[0] == 3 && d[1] == 1 else { return false }
            rest = 2
        } else if count >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 3 && d[3] == 1 {
            rest = 4
        } else if d[0] == 3 && d[1] == 1 && firstLength >= 2 {
            rest = 2
        } else {
            return count == 10 && d[0] == 0 && d[1] != 0 && firstLength >= 2
        }
        if count - rest == 10 && d[rest] == 0 { rest += 1 }  // the trunk 0, as in +31 (0)20…
        return count - rest == 9 && d[rest] != 0
    }

    /// A BSN in groups `g..<e` (see the type's rules): the smallest such `e`.
    @inlinable
    static func bsnEnd(_ s: UnsafeMutablePointer<UInt8>, _ g: Int, _ groups: Int, tainted: Bool,
                       p: UnsafePointer<UInt8>, start: Int, end: Int, n: Int) -> Int? {
        let from = groupStart(s, g)
        var shaped = true  // every group so far 2–4 digits
        var allFour = true
        var e = g + 1
        while e <= groups {
            let length = groupLength(s, e - 1)
            if length < 2 || length > 4 { shaped = false }
            if length != 4 { allFour = false }
            let count = groupEnd(s, e - 1) - from
            if count > 9 { return nil }
            if count >= 8 {
                // `.0…` after the digits: the fraction of a numeric export, as the normaliser allows.
                let zeroFraction = e + 1 == groups && !tainted && s[afterOffset + e - 1] == 0x2E
                    && (groupStart(s, e)..<groupEnd(s, e)).allSatisfy { s[$0] == 0 }
                let last = zeroFraction ? e + 1 : e
                if zeroFraction || canEnd(s, e, groups, tainted: tainted) {
                    let single = e - g == 1
                    let form: Bool
                    if single {
                        form = !(count == 8 && isCompactDate(s + from))
                    } else {
                        let wholeValue = g == 0 && last == groups && onlySeparators(p, 0, start, n) && onlySeparators(p, end, n, n)
                        form = !allFour && (shaped || wholeValue)
                    }
                    if form && passesElevenCheck(s + from, count) { return last }
                }
            }
            e += 1
        }
        return nil
    }

    /// The BSN 11-check over 8 (left-padded with 0) or 9 digit values; all zeros fail.
    @inlinable
    static func passesElevenCheck(_ d: UnsafeMutablePointer<UInt8>, _ count: Int) -> Bool {
        BSNElevenCheck.isValid(count: count) { k in Int(d[k]) }
    }

    /// `yyyymmdd` or `ddmmyyyy` with a year in 1900–2099.
    @inlinable
    static func isCompactDate(_ d: UnsafeMutablePointer<UInt8>) -> Bool {
        let v = value(d, 0, 8)
        if isDate(year: v / 10000, month: (v / 100) % 100, day: v % 100, years: 1900...2099) { return true }
        return isDate(year: v % 10000, month: (v / 10000) % 100, day: v / 1_000_000, years: 1900...2099)
    }

    /// Bytes `from..<to` are all separators.
    @inlinable
    static func onlySeparators(_ p: UnsafePointer<UInt8>, _ from: Int, _ to: Int, _ n: Int) -> Bool {
        var k = from
        var white = false
        while k < to {
            let length = separatorLength(p, k, n, white: &white)
            if length == 0 { return false }
            k += length
        }
        return true
    }

    /// `€` (optionally a space) right before the sequence: an amount such as `€ 12.345.678`.
    @inlinable
    static func afterCurrencySign(_ p: UnsafePointer<UInt8>, _ start: Int) -> Bool {
        var k = start
        if k > 0 && p[k - 1] == 0x20 { k -= 1 }
        if k >= 2 && p[k - 1] == 0xA0 && p[k - 2] == 0xC2 { k -= 2 }
        return k >= 3 && p[k - 3] == 0xE2 && p[k - 2] == 0x82 && p[k - 1] == 0xAC
    }
}
