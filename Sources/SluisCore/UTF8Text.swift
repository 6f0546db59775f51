/// UTF-8, by hand once: validation of untrusted bytes and encoding of one scalar.
///
/// Why not only the standard library: validation runs on every non-ASCII CSV field and must skip
/// ASCII eight bytes at a time without building a `String`; encoding appends into a caller's
/// reusable byte buffer. Everything in sluis that validates or encodes UTF-8 by hand — the CSV
/// reader and its single-byte transcoding, the JSON reader's `\u` escapes, output control's
/// request texts — calls these, so "valid UTF-8" means one thing everywhere.
public enum UTF8Text {
    /// True when `bytes` are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
    /// nothing above U+10FFFF).
    @inlinable
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress else { return true }
        var i = 0
        while i < n {
            // Skip ASCII eight bytes at a time: most text is mostly ASCII.
            while i &+ 8 <= n && (base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i &+= 8
            }
            if i >= n { break }
            let c = bytes[i]
            if c < 0x80 { i += 1; continue }
            if c < 0xC2 { return false }
            if c < 0xE0 {
                guard i + 1 < n, bytes[i + 1] & 0xC0 == 0x80 else { return false }
                i += 2
            } else if c < 0xF0 {
                guard i + 2 < n else { return false }
                let c1 = bytes[i + 1], c2 = bytes[i + 2]
                guard c1 & 0xC0 == 0x80, c2 & 0xC0 == 0x80 else { return false }
                if c == 0xE0 && c1 < 0xA0 { return false }  // overlong
                if c == 0xED && c1 >= 0xA0 { return false }  // surrogate
                i += 3
            } else if c < 0xF5 {
                guard i + 3 < n else { return false }
                let c1 = bytes[i + 1], c2 = bytes[i + 2], c3 = bytes[i + 3]
                guard c1 & 0xC0 == 0x80, c2 & 0xC0 == 0x80, c3 & 0xC0 == 0x80 else { return false }
                if c == 0xF0 && c1 < 0x90 { return false }  // overlong
                if c == 0xF4 && c1 >= 0x90 { return false }  // > U+10FFFF
                i += 4
            } else {
                return false
            }
        }
        return true
    }

    /// True when `bytes` are well-formed UTF-8.
    @inlinable
    public static func isValid(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { isValid($0) } }

    /// `bytes` as a `String` when they are well-formed UTF-8, else nil (never a repaired string).
    @inlinable
    public static func string(_ bytes: [UInt8]) -> String? {
        isValid(bytes) ? String(decoding: bytes, as: UTF8.self) : nil
    }

    /// Appends the UTF-8 encoding (one to four bytes) of `scalar` to `out`.
    @inlinable
    public static func append(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        let v = scalar.value
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x1_0000 {
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }
}
