/// The kinds of data file a `pipeline.json` entry can name: delimited text, or an SPSS/Stata
/// file read and written through ReadStat (docs/formats-spss-stata.md).
public enum DataFileFormat: String, CaseIterable, Codable, Sendable {
    case csv, sav, zsav, dta

    /// The format a path's extension names: `.csv`, `.tsv`, `.txt` are CSV; `.sav`, `.zsav`,
    /// `.dta` (any case) SPSS and Stata; nil otherwise.
    public init?(path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "csv", "tsv", "txt": self = .csv
        case "sav": self = .sav
        case "zsav": self = .zsav
        case "dta": self = .dta
        default: return nil
        }
    }

    /// The format a config names: `csv`, `sav`, `zsav`, `dta`, also `spss` and `stata`.
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
}
