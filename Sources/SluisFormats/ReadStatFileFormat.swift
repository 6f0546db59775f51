import SluisCore

/// The statistical-package file formats sluis reads and writes through ReadStat: the statistical
/// cases of `DataFileFormat`, which alone decides what an extension or a config name means.
public enum ReadStatFileFormat: String, Sendable, CaseIterable, Codable {
    /// SPSS system file (byte-code "row" compression, as SPSS writes by default).
    case sav
    /// SPSS system file with zlib "binary" compression (SPSS 21 and later).
    case zsav
    /// Stata data file (versions 104–119; ReadStat writes the source's version or 118).
    case dta

    /// The ReadStat format of `format`, or nil for CSV.
    public init?(_ format: DataFileFormat) {
        switch format {
        case .csv: return nil
        case .sav: self = .sav
        case .zsav: self = .zsav
        case .dta: self = .dta
        }
    }

    /// The format named by a path's extension (`DataFileFormat(path:)`), or nil for CSV or unknown.
    public init?(path: String) {
        guard let format = DataFileFormat(path: path) else { return nil }
        self.init(format)
    }

    /// The format named in a config (`DataFileFormat(name:)`: `"sav"`, `"zsav"`, `"dta"`, also
    /// `"spss"` and `"stata"`), or nil for CSV or unknown.
    public init?(name: String) {
        guard let format = DataFileFormat(name: name) else { return nil }
        self.init(format)
    }

    /// The same format as a `DataFileFormat`.
    public var dataFileFormat: DataFileFormat {
        switch self {
        case .sav: return .sav
        case .zsav: return .zsav
        case .dta: return .dta
        }
    }

    /// SPSS and Stata format strings, label sets and missing values do not translate into each
    /// other; metadata is copied only within one family.
    public var family: Family { self == .dta ? .stata : .spss }

    /// The two families whose metadata (formats, label sets, missing values) is copied between files.
    public enum Family: Sendable { case spss, stata }

    /// The conventional extension, without the dot.
    public var fileExtension: String { dataFileFormat.fileExtension }
}
