/// Makes text safe to record in the audit log, `reason.json`, `--list` and the run's output.
///
/// Much of what the intake records was written by someone else: upload names chosen by the
/// uploader, and error messages that quote what a package *claims* (its project) before anything
/// in it was verified. Such text is bounded (an unsigned package may claim a 3 MB project string)
/// and escaped (C0 and C1 controls, DEL, bidirectional overrides and isolates, line and paragraph
/// separators become `\u{…}`), so it can neither flood a log nor rewrite a terminal.
public enum RecordedText {
    /// At most this many characters of any recorded text; longer text ends in `…`.
    public static let maximumCharacterCount = 256

    /// The escaped text, cut to `limit` characters.
    public static func safe(_ text: String, limit: Int = maximumCharacterCount) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit {
                out += "…"
                break
            }
            if isUnsafe(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }

    /// A file name given as raw bytes (a directory entry), which may not be UTF-8: invalid bytes
    /// are shown as `\xNN`, the rest as `safe` shows it.
    public static func safe(nameBytes bytes: [UInt8], limit: Int = maximumCharacterCount) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return safe(text, limit: limit) }
        var out = ""
        for b in bytes.prefix(limit) {
            if b >= 0x20 && b < 0x7F && b != 0x5C { out.unicodeScalars.append(Unicode.Scalar(b)) } else {
                out += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
        }
        return bytes.count > limit ? out + "…" : out
    }

    /// Controls, DEL, and the format characters that reorder or hide text on a terminal.
    static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: return true
        default: return false
        }
    }
}
