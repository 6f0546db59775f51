/// The kinds of direct identifier the residual scan looks for in kept columns.
public enum ResidualKind: String, CaseIterable, Sendable, Codable {
    /// Eight or nine digits that pass the BSN 11-check (eight: a BSN whose leading zero was lost),
    /// alone or grouped (docs/pipeline.md, "Residual identifiers").
    case bsn
    case email
    /// Dutch phone numbers: every number of the national numbering plan written nationally (ten
    /// digits from a trunk 0) or internationally (`+31`, `0031`, `31`, with or without `(0)`),
    /// in any grouping.
    case phone
    /// An IBAN (two letters, two check digits, 11–30 letters and digits) whose mod-97 check holds.
    case iban
    /// A postcode `1234AB` / `1234 AB` together with another number (a house number) in the same value.
    case postcodeHouseNumber = "postcode-housenumber"

    /// This kind's bit in a per-column mask of kinds found (one byte holds all five).
    public var bit: UInt8 { 1 << UInt8(ResidualKind.allCases.firstIndex(of: self) ?? 0) }
}

/// Finds values that look like direct identifiers, byte by byte, without regular expressions,
/// so every kept value of a large file can be scanned at parsing speed.
///
/// Findings are a bit set per value (`ResidualKind.bit`); callers count them with line numbers.
/// The scanner never keeps or returns the matched text. BSNs and phone numbers are found in
/// number sequences (`ResidualScanner+Numbers.swift`); e-mail addresses, IBANs and postcodes here.
public enum ResidualScanner {
    /// The shortest value in which anything can be found (a postcode and a house number, `1234AB 1`,
    /// is the shortest finding there is, less a space); shorter values are never scanned.
    public static let minimumByteCount = 6

    /// The kinds found in one UTF-8 value, as a bit set.
    @inlinable
    public static func scan(_ field: UnsafeRawBufferPointer) -> UInt8 {
        let n = field.count
        guard n >= minimumByteCount, let base = field.baseAddress else { return 0 }
        let p = base.assumingMemoryBound(to: UInt8.self)
        // Every kind needs a digit or an '@': most free text has neither and is done here.
        var candidate = false
        for k in 0..<n {
            let c = p[k]
            if c &- 0x30 < 10 || c == 0x40 { candidate = true; break }
        }
        guard candidate else { return 0 }
        // Scratch for one number sequence, on the stack (NumberSequence.scratchByteCount bytes).
        var scratch: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &scratch) { raw in
            scanCandidate(p, n, scratch: raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self))
        }
    }

    @inlinable
    static func scanCandidate(_ p: UnsafePointer<UInt8>, _ n: Int, scratch: UnsafeMutablePointer<UInt8>) -> UInt8 {
        var found: UInt8 = 0
        var digitRuns = 0
        var postcode = false
        var sequenceEnd = 0
        var i = 0
        while i < n {
            let c = p[i]
            if isDigit(c) {
                var j = i
                while j < n && isDigit(p[j]) { j += 1 }
                digitRuns += 1
                if i == 0 || !isAlphanumeric(p[i - 1]) {
                    if j - i == 4 && c != 0x30 && isPostcodeLetters(p, j, n) { postcode = true }
                    // Each number sequence (digit groups and their separators) is read once.
                    if i >= sequenceEnd && !continuesNumber(p, i) {
                        sequenceEnd = NumberSequence.scan(p, i, n, scratch: scratch, found: &found)
                    }
                }
                i = j
                continue
            }
            if c == 0x40 {  // @
                if isEmail(p, i, n) { found |= ResidualKind.email.bit }
            } else if isLetter(c), i + 3 < n, isLetter(p[i + 1]), isDigit(p[i + 2]), isDigit(p[i + 3]),
                      i == 0 || !isAlphanumeric(p[i - 1]) {
                // An IBAN's digit groups are not read again as a phone number or BSN.
                let end = ibanEnd(p, i, n)
                if end > 0 { found |= ResidualKind.iban.bit; i = end; continue }
            }
            i += 1
        }
        if postcode && digitRuns >= 2 { found |= ResidualKind.postcodeHouseNumber.bit }
        return found
    }

    @inlinable static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
    @inlinable static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) &- 0x61 < 26 }
    @inlinable static func isAlphanumeric(_ c: UInt8) -> Bool { isDigit(c) || isLetter(c) }

    /// A digit after `12,` or `12:` continues a decimal or a time, so it starts no identifier.
    @inlinable
    static func continuesNumber(_ p: UnsafePointer<UInt8>, _ i: Int) -> Bool {
        i >= 2 && (p[i - 1] == 0x2C || p[i - 1] == 0x3A) && isDigit(p[i - 2])
    }

    /// Two letters after a 4-digit run (optionally one space between), not followed by a letter.
    @inlinable
    static func isPostcodeLetters(_ p: UnsafePointer<UInt8>, _ at: Int, _ n: Int) -> Bool {
        var k = at
        if k < n && p[k] == 0x20 { k += 1 }
        guard k + 1 < n, isLetter(p[k]), isLetter(p[k + 1]) else { return false }
        return k + 2 == n || !isLetter(p[k + 2])
    }

    /// A local part of at least one character before `@`, and a domain with a dot and a
    /// two-letter-or-longer top-level label after it.
    @inlinable
    static func isEmail(_ p: UnsafePointer<UInt8>, _ at: Int, _ n: Int) -> Bool {
        guard at > 0 else { return false }
        let before = p[at - 1]
        guard isAlphanumeric(before) || before == 0x2E || before == 0x5F || before == 0x2D || before == 0x2B else { return false }
        var k = at + 1
        var lastDot = -1
        while k < n {
            let c = p[k]
            if isAlphanumeric(c) || c == 0x2D { k += 1; continue }
            if c == 0x2E && k > at + 1 { lastDot = k; k += 1; continue }
            break
        }
        var end = k
        if end > 0 && p[end - 1] == 0x2E {
            end -= 1  // a full stop after the address
            lastDot = -1
            var t = end - 1
            while t > at + 1 { if p[t] == 0x2E { lastDot = t; break }; t -= 1 }
        }
        guard lastDot > at + 1, lastDot < end else { return false }
        var letters = 0
        for t in (lastDot + 1)..<end { guard isLetter(p[t]) else { return false }; letters += 1 }
        return letters >= 2
    }

    /// IBAN: country letters, check digits, then letters and digits (single spaces allowed
    /// between groups of four), 15–34 characters in all, and mod-97 of the rearranged value is 1.
    /// Returns the index after the IBAN, or 0 when there is none at `at`.
    @inlinable
    static func ibanEnd(_ p: UnsafePointer<UInt8>, _ at: Int, _ n: Int) -> Int {
        var k = at + 4
        // mod 97 of the BBAN part, then the country letters and check digits.
        var remainder: UInt64 = 0
        var count = 4
        while k < n && count < 34 {
            let c = p[k]
            if isDigit(c) {
                remainder = (remainder * 10 + UInt64(c - 0x30)) % 97
            } else if isLetter(c) {
                remainder = (remainder * 100 + UInt64((c | 0x20) - 0x61 + 10)) % 97
            } else if c == 0x20 && k + 1 < n && isAlphanumeric(p[k + 1]) && count % 4 == 0 {
                k += 1
                continue
            } else {
                break
            }
            count += 1
            k += 1
        }
        guard count >= 15, k == n || !isAlphanumeric(p[k]) else { return 0 }
        for t in 0..<4 {
            let c = p[at + t]
            if isDigit(c) { remainder = (remainder * 10 + UInt64(c - 0x30)) % 97 }
            else { remainder = (remainder * 100 + UInt64((c | 0x20) - 0x61 + 10)) % 97 }
        }
        return remainder == 1 ? k : 0
    }
}
