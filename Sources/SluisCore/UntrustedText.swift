/// Text someone else wrote (a package's sender, an uploader, a file's header) on its way to a
/// terminal, a log or a file: the one place that decides which characters are shown as escapes.
///
/// Why: a string such as a project id or a file name is shown to an intake officer. Control
/// characters could move the cursor, recolour or clear the terminal or forge a line of output;
/// bidi overrides and other format characters reorder or hide what is shown (a name that reads
/// `report.csv` but is not). Every such character is written as a visible escape instead, and
/// long text is cut, so an attacker's string can neither steer the terminal nor flood a log.
///
/// Escaped: C0 and C1 controls and DEL (general category Cc), format characters (Cf: bidi
/// embeddings, overrides and isolates U+202A–U+202E, U+2066–U+2069, marks U+200E/U+200F/U+061C,
/// zero-width characters, soft hyphen, tags…), and the line and paragraph separators U+2028/U+2029.
/// The result is idempotent: escaping escaped text changes nothing.
public enum UntrustedText {
    /// Unicode scalars kept of a string shown in messages and reports, unless told otherwise.
    public static let defaultMaxScalars = 256

    /// True for a character that must not reach a terminal, a log or a file as itself.
    @inlinable
    public static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v < 0x20 || (v >= 0x7F && v <= 0x9F) { return true }
        if v < 0x7F { return false }
        switch u.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    /// True when `s` has no character to escape and is at most `maxScalars` long.
    public static func isPlain(_ s: String, maxScalars: Int = defaultMaxScalars) -> Bool {
        var count = 0
        for u in s.unicodeScalars {
            count += 1
            if count > maxScalars || needsEscape(u) { return false }
        }
        return true
    }

    /// `s` with every character `needsEscape` names written as `\u{XXXX}`, cut after `maxScalars`
    /// scalars with `…` and the number left out.
    public static func escaped(_ s: String, maxScalars: Int = defaultMaxScalars) -> String {
        var clean = true
        var count = 0
        for u in s.unicodeScalars {
            count += 1
            if needsEscape(u) || count > maxScalars { clean = false; break }
        }
        if clean { return s }
        var out = String.UnicodeScalarView()
        var kept = 0
        var total = 0
        for u in s.unicodeScalars {
            total += 1
            guard kept < maxScalars else { continue }
            kept += 1
            if needsEscape(u) {
                out.append(contentsOf: "\\u{".unicodeScalars)
                out.append(contentsOf: hex(u.value, minimumDigits: 4).unicodeScalars)
                out.append("}")
            } else {
                out.append(u)
            }
        }
        var result = String(out)
        if total > kept { result += "…(\(total - kept) more characters)" }
        return result
    }

    /// JSON text (from `CanonicalJSON`) with every character `needsEscape` names inside its strings
    /// written as a JSON `\uXXXX` escape (a surrogate pair above U+FFFF). The JSON means the
    /// same; only its bytes become safe to show. (JSON encoders already escape C0 controls.)
    public static func jsonEscaped(_ bytes: [UInt8]) -> [UInt8] {
        // Fast path: only bytes ≥ 0x7F can start such a character once C0 is escaped.
        guard bytes.contains(where: { $0 >= 0x7F }) else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        for u in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            // C0 outside strings is the JSON's own white space; inside, the encoder escaped it already.
            if u.value >= 0x20 && needsEscape(u) {
                let units = u.value > 0xFFFF ? Array(String(u).utf16) : [UInt16(u.value)]
                for unit in units { out.append(contentsOf: Array(("\\u" + hex(UInt32(unit), minimumDigits: 4)).utf8)) }
            } else {
                UTF8.encode(u) { out.append($0) }
            }
        }
        return out
    }

    static func hex(_ v: UInt32, minimumDigits: Int) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, minimumDigits - digits.count)) + digits
    }
}
