import SluisCore
import SluisFormats

/// Opens microdata for `output table` and `output model` with sluis's own streaming readers:
/// CSV (delimiter detected from the header), SPSS and Stata through ReadStat.
public enum MicrodataSource {
    /// A streaming reader for `path`, chosen by its extension; refuses an unknown extension.
    public static func open(path: String) throws -> RowSource {
        switch DataFileFormat(path: path) {
        case .csv?: return try CSVReader(path: path)
        case .sav?, .zsav?, .dta?: return try ReadStatReader(path: path)
        case nil:
            throw OutputError.usage("\(path): unknown data format; use .csv, .tsv, .sav, .zsav or .dta")
        }
    }
}
