/// The character encodings sluis reads text files in. Output is always UTF-8.
///
/// The raw value is the name used in `pipeline.json` (`"encoding": "windows-1252"`).
public enum TextEncoding: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case utf8 = "utf-8"
    case windows1252 = "windows-1252"
    case iso88591 = "iso-8859-1"

    /// The config spelling (`utf-8`, `windows-1252`, `iso-8859-1`), as reports show it.
    public var description: String { rawValue }

    /// Accepts the usual spellings: `utf8`, `UTF-8`, `cp1252`, `latin1`, `iso-8859-1`.
    public init?(name: String) {
        switch String(name.lowercased().map { $0 == "_" ? "-" : $0 }) {
        case "utf-8", "utf8": self = .utf8
        case "windows-1252", "cp1252", "win-1252": self = .windows1252
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1": self = .iso88591
        default: return nil
        }
    }
}
