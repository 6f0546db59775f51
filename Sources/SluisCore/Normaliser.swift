/// Why an identifier could not be normalised. Reported as counts per column and reason, with
/// line numbers — never with the value.
public enum NormalisationFailure: String, CaseIterable, Codable, Sendable, Error {
    case empty
    case invalidCharacters = "invalid-characters"
    case wrongLength = "wrong-length"
    case checksum = "failed-11-check"
    case allZeros = "all-zeros"
    case impossibleDate = "impossible-date"
    case unrecognisedFormat = "unrecognised-format"
    case outOfRange = "out-of-range"
    /// A coded column's value that is not one of its codes (`"codes"` or value labels).
    case unknownCode = "unknown-code"
    /// A number whose thousands and decimal separators could be read two ways (`1.234`).
    case ambiguousNumber = "ambiguous-number"
}

/// The documented, versioned rules that turn the ways people write an identifier into one
/// canonical byte string before it is pseudonymised (docs/format.md, "Normalisation").
///
/// Changing any rule changes pseudonyms, so every change bumps `version`, which manifests record.
public enum Normaliser {
    /// The version of the rules below.
    public static let version = 1

    /// Normalises `input` (UTF-8) of the given kind into `out` (cleared first).
    /// Returns nil on success, or why the value is not a valid identifier of that kind.
    @inlinable
    public static func normalise(_ kind: IdentifierKind, _ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> NormalisationFailure? {
        out.removeAll(keepingCapacity: true)
        switch kind {
        case .bsn: return bsn(input, into: &out)
        case .date: return date(input, into: &out)
        case .postcode: return postcode(input, into: &out)
        case .housenumber: return housenumber(input, into: &out)
        case .sex: return sex(input, into: &out)
        case .name: return name(input, into: &out)
        case .text: return text(input, into: &out)
        }
    }

    /// Convenience for tests and small inputs.
    public static func normalise(_ kind: IdentifierKind, _ input: String) -> Result<String, NormalisationFailure> {
        var out: [UInt8] = []
        var bytes = Array(input.utf8)
        let failure = bytes.withUnsafeMutableBytes { normalise(kind, UnsafeRawBufferPointer($0), into: &out) }
        bytes.removeAll()
        if let failure { return .failure(failure) }
        return .success(String(decoding: out, as: UTF8.self))
    }

    // MARK: bsn

    /// Burgerservicenummer: spaces, dots and dashes removed; 8 digits left-padded to 9; must pass
    /// the 11-check (9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 mod 11); 000000000 is invalid.
    /// A numeric source value such as `12345678.0` (SPSS/Stata) is accepted: when the value is
    /// digits, one dot and only zeros after it, the dot and zeros are dropped.
    @inlinable
    public static func bsn(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> NormalisationFailure? {
        // The common case, nine plain digits, without the general path's separator handling
        // (the same result: nothing to remove, nothing to pad).
        if input.count == 9, let base = input.baseAddress {
            let word = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
            let last = base.load(fromByteOffset: 8, as: UInt8.self)
            if word & 0xF0F0_F0F0_F0F0_F0F0 == 0x3030_3030_3030_3030,
               (word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0 == 0x3030_3030_3030_3030,
               last &- 0x30 < 10 {
                if word == 0x3030_3030_3030_3030 && last == 0x30 { return .allZeros }
                let sum = BSNElevenCheck.weightedSum { k in
                    Int(k < 8 ? UInt8(truncatingIfNeeded: word >> UInt64(8 &* k)) &- 0x30 : last &- 0x30)
                }
                guard BSNElevenCheck.passes(weightedSum: sum) else { return .checksum }
                out.append(contentsOf: input)
                return nil
            }
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var sawAny = false
        var end = input.count
        // A decimal fraction of zeros from a numeric source: "123456782.0" / "123456782.000" —
        // only when the value is digits, one dot and zeros, so a dotted BSN ("056.748.000") keeps its last group.
        if let dot = lastIndex(of: 0x2E, in: input), dot > 0, dot < end - 1 {
            var numeric = true
            for i in 0..<dot where input[i] < 0x30 || input[i] > 0x39 { numeric = false; break }
            if numeric {
                for i in (dot + 1)..<end where input[i] != 0x30 { numeric = false; break }
            }
            if numeric { end = dot }
        }
        var i = 0
        while i < end {
            let c = input[i]
            i += 1
            if c == 0x20 || c == 0x2E || c == 0x2D || c == 0x09 { continue }
            sawAny = true
            guard c >= 0x30 && c <= 0x39 else { return .invalidCharacters }
            if count == 9 { return .wrongLength }
            withUnsafeMutableBytes(of: &digits) { $0[count] = c &- 0x30 }
            count += 1
        }
        if !sawAny { return .empty }
        guard count == 8 || count == 9 else { return .wrongLength }
        // Left-pad 8 digits to 9 without allocating: shift the tuple's bytes right by one.
        if count == 8 {
            withUnsafeMutableBytes(of: &digits) { raw in
                var k = 8
                while k > 0 { raw[k] = raw[k - 1]; k -= 1 }
                raw[0] = 0
            }
        }
        var sum = 0
        var allZero = true
        withUnsafeBytes(of: digits) { d in
            sum = BSNElevenCheck.weightedSum { k in Int(d[k]) }
            for k in 0..<9 where d[k] != 0 { allZero = false }
        }
        if allZero { return .allZeros }
        guard BSNElevenCheck.passes(weightedSum: sum) else { return .checksum }
        // One append of the nine ASCII digits (an append per byte costs as much as the checks).
        withUnsafeMutableBytes(of: &digits) { d in
            for k in 0..<9 { d[k] &+= 0x30 }
            out.append(contentsOf: UnsafeRawBufferPointer(d))
        }
        return nil
    }

    /// True when the nine ASCII digits at `p` pass the BSN 11-check and are not all zeros.
    @inlinable
    public static func passesElevenCheck(_ p: UnsafeRawBufferPointer) -> Bool {
        guard p.count == 9 else { return false }
        for k in 0..<9 where p[k] &- 0x30 > 9 { return false }
        return BSNElevenCheck.isValid(count: 9) { k in Int(p[k] &- 0x30) }
    }

    // MARK: date

    /// Dates to ISO `YYYY-MM-DD`. Accepted: `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYYMMDD`,
    /// `D-M-YYYY`, `D/M/YYYY`, `D.M.YYYY` (day first, the Dutch order; one or two digits for day and
    /// month), each optionally followed by a time after a space or `T`, which is ignored.
    /// Years 1800–2199; impossible dates (31 April, 29 February in a common year) are invalid.
    @inlinable
    public static func date(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> NormalisationFailure? {
        var year = 0, month = 0, day = 0
        if let failure = parseDate(input, year: &year, month: &month, day: &day) { return failure }
        appendISODate(year: year, month: month, day: day, prefix: 10, to: &out)
        return nil
    }

    /// The first `prefix` bytes of `YYYY-MM-DD` (4: the year, 7: year and month, 10: all),
    /// appended in one call: an append per digit measured as costly as parsing the date.
    @inlinable
    public static func appendISODate(year: Int, month: Int, day: Int, prefix: Int, to out: inout [UInt8]) {
        withISODate(year: year, month: month, day: day, prefix: prefix) { out.append(contentsOf: $0) }
    }

    /// Calls `body` with the first `prefix` bytes of `YYYY-MM-DD`, held on the stack (the
    /// pipeline packs them into its batch without an array in between).
    @inlinable @inline(__always)
    public static func withISODate<R>(year: Int, month: Int, day: Int, prefix: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition((1000...9999).contains(year) && (1...12).contains(month) && (1...31).contains(day) && (1...10).contains(prefix))
        var text: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
            UInt8(year / 1000) &+ 0x30, UInt8((year / 100) % 10) &+ 0x30, UInt8((year / 10) % 10) &+ 0x30, UInt8(year % 10) &+ 0x30,
            0x2D, UInt8(month / 10) &+ 0x30, UInt8(month % 10) &+ 0x30,
            0x2D, UInt8(day / 10) &+ 0x30, UInt8(day % 10) &+ 0x30)
        return try withUnsafeBytes(of: &text) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<prefix])) }
    }

    /// Parses a date in the formats `date(_:into:)` accepts into its year, month and day.
    @inlinable
    public static func parseDate(_ input: UnsafeRawBufferPointer, year: inout Int, month: inout Int, day: inout Int) -> NormalisationFailure? {
        var start = 0
        var end = input.count
        while start < end && isSpace(input[start]) { start += 1 }
        while end > start && isSpace(input[end - 1]) { end -= 1 }
        if start == end { return .empty }
        // Split into up to three digit groups separated by one separator kind, in one pass that
        // stops at a time part: the first space or 'T' after at least 8 characters (before
        // that, either is an invalid character).
        // Up to three (value, digit count) groups, in a tuple so that nothing is allocated per value.
        var groups: ((Int, Int), (Int, Int), (Int, Int)) = ((0, 0), (0, 0), (0, 0))
        var groupCount = 0
        var value = 0
        var digitCount = 0
        var separator: UInt8 = 0
        var i = start
        while i < end {
            let c = input[i]
            if c >= 0x30 && c <= 0x39 {
                if digitCount >= 8 { return .unrecognisedFormat }
                value = value * 10 + Int(c - 0x30)
                digitCount += 1
            } else if c == 0x2D || c == 0x2F || c == 0x2E {
                if separator == 0 { separator = c } else if separator != c { return .unrecognisedFormat }
                if digitCount == 0 || groupCount == 2 { return .unrecognisedFormat }
                if groupCount == 0 { groups.0 = (value, digitCount) } else { groups.1 = (value, digitCount) }
                groupCount += 1
                value = 0
                digitCount = 0
            } else if (c == 0x20 || c == 0x54) && i - start >= 8 {
                break
            } else {
                return .invalidCharacters
            }
            i += 1
        }
        if digitCount == 0 { return .unrecognisedFormat }
        if groupCount == 0 { groups.0 = (value, digitCount) } else if groupCount == 1 { groups.1 = (value, digitCount) } else { groups.2 = (value, digitCount) }
        groupCount += 1
        if groupCount == 1 {
            guard groups.0.1 == 8 else { return .unrecognisedFormat }
            let v = groups.0.0
            year = v / 10000; month = (v / 100) % 100; day = v % 100
        } else if groupCount == 3 {
            if groups.0.1 == 4 && groups.1.1 <= 2 && groups.2.1 <= 2 {
                year = groups.0.0; month = groups.1.0; day = groups.2.0
            } else if groups.2.1 == 4 && groups.0.1 <= 2 && groups.1.1 <= 2 {
                day = groups.0.0; month = groups.1.0; year = groups.2.0
            } else {
                return .unrecognisedFormat
            }
        } else {
            return .unrecognisedFormat
        }
        guard (1800...2199).contains(year) else { return .outOfRange }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else { return .impossibleDate }
        return nil
    }

    /// Days in a month of the Gregorian calendar (leap years included): the one calendar rule sluis has.
    @inlinable
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // MARK: postcode

    /// Dutch postcodes: spaces removed, letters upper-cased, then `[1-9][0-9]{3}[A-Z]{2}`.
    @inlinable
    public static func postcode(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> NormalisationFailure? {
        var n = 0
        for c in input {
            if isSpace(c) { continue }
            var u = c
            if u >= 0x61 && u <= 0x7A { u -= 0x20 }
            if n < 4 {
                guard u >= 0x30 && u <= 0x39 else { return u >= 0x41 && u <= 0x5A ? .unrecognisedFormat : .invalidCharacters }
                if n == 0 && u == 0x30 { return .unrecognisedFormat }
            } else if n < 6 {
                guard u >= 0x41 && u <= 0x5A else { return .unrecognisedFormat }
            } else {
                return .wrongLength
            }
            out.append(u)
            n += 1
        }
        if n == 0 { return .empty }
        return n == 6 ? nil : .wrongLength
    }

    // MARK: housenumber

    /// House numbers: the number without leading zeros (1–99999), then any addition
    /// (toevoeging) upper-cased with spaces, dashes and slashes removed: `012 a` → `12A`, `7-bis` → `7BIS`.
    @inlinable
    public static func housenumber(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> NormalisationFailure? {
        var i = 0
        let n = input.count
        while i < n && isSpace(input[i]) { i += 1 }
        if i == n { return .empty }
        var number = 0
        var digits = 0
        while i < n, input[i] >= 0x30, input[i] <= 0x39 {
            number = number * 10 + Int(input[i] - 0x30)
            digits += 1
            if digits > 7 { return .outOfRange }
            i += 1
        }
        guard digits > 0 else { return .unrecognisedFormat }
        guard (1...99999).contains(number) else { return .outOfRange }
        appendDigits(number, width: 1, to: &out)
        while i < n {
            var c = input[i]
            i += 1
            if isSpace(c) || c == 0x2D || c == 0x2F { continue }
            if c >= 0x61 && c <= 0x7A { c -= 0x20 }
            guard (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) else { return .invalidCharacters }
            out.append(c)
            if out.count > 16 { return .wrongLength }
        }
        return nil
    }

    // MARK: sex

    /// Sex to `M` or `V` (the CBS codes 1 and 2): `m`, `man`, `male`, `1` → `M`;
    /// `v`, `vrouw`, `f`, `female`, `w`, `2` → `V`; case-insensitive, trimmed. Anything else is invalid.
    @inlinable
    public static func sex(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> NormalisationFailure? {
        var word: [UInt8] = []
        for c in input where !isSpace(c) {
            word.append(c >= 0x41 && c <= 0x5A ? c + 0x20 : c)
            if word.count > 8 { return .unrecognisedFormat }
        }
        if word.isEmpty { return .empty }
        switch String(decoding: word, as: UTF8.self) {
        case "m", "man", "male", "1": out.append(0x4D)
        case "v", "vrouw", "f", "female", "w", "2": out.append(0x56)
        default: return .unrecognisedFormat
        }
        return nil
    }

    // MARK: text

    /// Free identifiers compared exactly: leading and trailing white space removed, nothing else.
    @inlinable
    public static func text(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> NormalisationFailure? {
        var start = 0
        var end = input.count
        while start < end && isSpace(input[start]) { start += 1 }
        while end > start && isSpace(input[end - 1]) { end -= 1 }
        if start == end { return .empty }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[start..<end]))
        return nil
    }

    // MARK: helpers

    @inlinable
    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

    @inlinable
    static func lastIndex(of byte: UInt8, in p: UnsafeRawBufferPointer) -> Int? {
        var i = p.count - 1
        while i >= 0 { if p[i] == byte { return i }; i -= 1 }
        return nil
    }

    /// Appends a non-negative value in decimal, zero-padded to `width`, without allocating.
    @inlinable
    static func appendDigits(_ value: Int, width: Int, to out: inout [UInt8]) {
        if width == 2 && value < 100 {
            out.append(UInt8(value / 10) &+ 0x30)
            out.append(UInt8(value % 10) &+ 0x30)
            return
        }
        if width == 4 && value < 10000 {
            out.append(UInt8(value / 1000) &+ 0x30)
            out.append(UInt8((value / 100) % 10) &+ 0x30)
            out.append(UInt8((value / 10) % 10) &+ 0x30)
            out.append(UInt8(value % 10) &+ 0x30)
            return
        }
        var count = 1
        var v = value / 10
        while v > 0 { count += 1; v /= 10 }
        let total = max(count, width)
        let start = out.count
        for _ in 0..<total { out.append(0x30) }
        v = value
        var i = start + total - 1
        repeat { out[i] = UInt8(v % 10) + 0x30; v /= 10; i -= 1 } while v > 0
    }

    /// Appends a possibly negative integer in decimal.
    @inlinable
    static func appendSigned(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(0x2D) }
        appendDigits(value.magnitude > UInt(Int.max) ? 0 : abs(value), width: 1, to: &out)
    }
}
