import SluisCore

/// Byte-level UTF-8 validation and single-byte-to-UTF-8 transcoding, for one field at a time,
/// so an error can name the line and column it was found in.
public enum TextTranscoding {
    /// True when `bytes` are well-formed UTF-8 (no overlong forms, no surrogates, ≤ U+10FFFF).
    @inlinable
    public static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        var i = 0
        while i < n {
            // Skip ASCII eight bytes at a time: most text is mostly ASCII.
            // swift-format-ignore: NeverForceUnwrap
            // Safe: i + 8 <= n: the buffer is not empty, so it has a base address.
            while i &+ 8 <= n && UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
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

    /// Windows-1252 code points for bytes 0x80…0x9F; 0 where the code page leaves the byte undefined.
    public static let windows1252High: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    /// The Unicode scalar for one byte of a single-byte encoding, or nil when it is undefined.
    @inlinable
    public static func scalar(of byte: UInt8, in encoding: TextEncoding) -> UInt32? {
        if byte < 0x80 { return UInt32(byte) }
        switch encoding {
        case .utf8: return nil
        case .iso88591: return UInt32(byte)
        case .windows1252:
            if byte >= 0xA0 { return UInt32(byte) }
            let v = windows1252High[Int(byte - 0x80)]
            return v == 0 ? nil : v
        }
    }

}
