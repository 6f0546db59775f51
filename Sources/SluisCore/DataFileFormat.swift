/// The kinds of data file a `pipeline.json` entry can name: delimited text, or an SPSS/Stata
/// file read and written through ReadStat (docs/formats-spss-stata.md).
///
/// This is sluis's one format-from-extension and format-from-name table: the ReadStat formats
/// (`ReadStatFileFormat` in SluisFormats), the link table formats and output control's microdata
/// reader all ask it, so a file is never CSV to one command and SPSS to another.
public enum DataFileFormat: String, CaseIterable, Codable, Sendable {
    case csv, sav, zsav, dta

    /// The format a path's extension names: `.csv`, `.tsv`, `.txt` are CSV; `.sav`, `.zsav`,
    /// `.dta` (any case) SPSS and Stata; nil otherwise. The extension is what follows the last dot
    /// of the last path component; a name that starts with its only dot (`.sav`, a hidden file)
    /// has no extension, as in POSIX tools and Python's `os.path.splitext`.
    public init?(path: String) {
        guard let ext = Self.fileExtension(of: path) else { return nil }
        switch ext.lowercased() {
        case "csv", "tsv", "txt": self = .csv
        case "sav": self = .sav
        case "zsav": self = .zsav
        case "dta": self = .dta
        default: return nil
        }
    }

    /// The format a config names: `csv`, `sav`, `zsav`, `dta`, also `spss` and `stata` (any case).
    public init?(name: String) {
        switch name.lowercased() {
        case "csv": self = .csv
        case "sav", "spss": self = .sav
        case "zsav": self = .zsav
        case "dta", "stata": self = .dta
        default: return nil
        }
    }

    /// SPSS or Stata: read and written through ReadStat.
    public var isStatistical: Bool { self != .csv }

    /// The extension an output in this format gets, without the dot.
    public var fileExtension: String { rawValue }

    /// The text after the last dot of `path`'s last component, or nil when there is none: no dot,
    /// only a leading dot, or a path that ends in `/` (a folder).
    private static func fileExtension(of path: String) -> Substring? {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return name[name.index(after: dot)...]
    }
}
