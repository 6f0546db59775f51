import SluisCore

/// Single-byte-to-Unicode transcoding (ISO-8859-1, Windows-1252), for one field at a time, so an
/// error can name the line and column it was found in. UTF-8 itself is `UTF8Text` (SluisCore).
public enum TextTranscoding {
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
