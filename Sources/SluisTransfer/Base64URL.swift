import Foundation

/// base64url without padding (RFC 4648 §5, RFC 7515 §2), the alphabet of JWT segments and receipts.
///
/// Decoding is strict: only the 64 URL-safe characters, no padding, no white space, and a length
/// that a real encoding can have (a remainder of 1 is impossible) with zero unused low bits, so
/// that every byte string has exactly one accepted text form.
public enum Base64URL {
    /// The unpadded base64url text of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// The bytes of a strict base64url text, or nil.
    public static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var standard = [UInt8]()
        standard.reserveCapacity(text.utf8.count + 3)
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                standard.append(c)
            case UInt8(ascii: "-"): standard.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): standard.append(UInt8(ascii: "/"))
            default: return nil
            }
        }
        let remainder = standard.count % 4
        guard remainder != 1 else { return nil }
        if remainder > 0 { standard += [UInt8](repeating: UInt8(ascii: "="), count: 4 - remainder) }
        guard let data = Data(base64Encoded: Data(standard)) else { return nil }
        let bytes = [UInt8](data)
        // Canonical form only: re-encoding must give the same text (no stray low bits).
        guard encode(bytes).utf8.elementsEqual(text.utf8) else { return nil }
        return bytes
    }
}
