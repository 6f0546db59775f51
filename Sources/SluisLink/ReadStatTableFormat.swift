import SluisCore
import SluisFormats
import SluisIO

/// SPSS (`.sav`, `.zsav`) and Stata (`.dta`) in, the same format out: kept variables keep their
/// labels, formats and missing values; RINPERSOONS and RINPERSOON become fixed-width string
/// variables. ReadStat's writer needs the row count first; it comes from the file's header (or a
/// counting pass), never from holding rows.
public struct ReadStatTableFormat: LinkTableFormat {
    /// The format has no settings: everything comes from the file read.
    public init() {}

    /// True for `.sav`, `.zsav` and `.dta` names.
    public func canRead(path: String) -> Bool { ReadStatFileFormat(path: path) != nil }

    /// Opens the SPSS/Stata file for streaming rows.
    public func openSource(path: String) throws -> RowSource { try ReadStatReader(path: path) }

    /// A writer of the same format as `source` (which must be a `ReadStatReader`), carrying its metadata.
    public func makeSink(for source: RowSource, writingTo output: ByteSink) throws -> RowSink {
        guard let reader = source as? ReadStatReader else { throw ReadStatError.unknownFormat(path: source.path) }
        return try ReadStatWriter(path: source.path, sink: output, format: reader.format, source: reader.metadata,
                                  rowCount: try reader.rowCount())
    }
}

/// The table formats `sluis link` and the intake job read and write.
public enum LinkFormats {
    /// Every format, CSV first; the first whose `canRead` accepts a path handles it.
    public static var all: [LinkTableFormat] { [CSVTableFormat(), ReadStatTableFormat()] }
}
