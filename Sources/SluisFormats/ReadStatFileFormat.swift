/// The statistical-package file formats sluis reads and writes through ReadStat.
public enum ReadStatFileFormat: String, Sendable, CaseIterable, Codable {
    /// SPSS system file (byte-code "row" compression, as SPSS writes by default).
    case sav
    /// SPSS system file with zlib "binary" compression (SPSS 21 and later).
    case zsav
    /// Stata data file (versions 104–119; ReadStat writes the source's version or 118).
    case dta

    /// The format named by a path's extension (case-insensitive), or nil.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        self.init(rawValue: path[path.index(after: dot)...].lowercased())
    }

    /// The format named in a config (`"sav"`, `"zsav"`, `"dta"`, also `"spss"` and `"stata"`).
    public init?(name: String) {
        switch name.lowercased() {
        case "sav", "spss": self = .sav
        case "zsav": self = .zsav
        case "dta", "stata": self = .dta
        default: return nil
        }
    }

    /// SPSS and Stata format strings, label sets and missing values do not translate into each
    /// other; metadata is copied only within one family.
    public var family: Family { self == .dta ? .stata : .spss }

    /// The two families whose metadata (formats, label sets, missing values) is copied between files.
    public enum Family: Sendable { case spss, stata }

    /// The conventional extension, without the dot.
    public var fileExtension: String { rawValue }
}
