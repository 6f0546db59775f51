import SluisCore
import SluisFormats
import SluisIO

/// SPSS (`.sav`, `.zsav`) and Stata (`.dta`) in, the same format out: kept variables keep their
/// labels, formats and missing values; RINPERSOONS and RINPERSOON become fixed-width string
/// variables. ReadStat's writer needs the row count first; it comes from the file's header (or a
/// counting pass), never from holding rows.
public struct ReadStatTableFormat: LinkTableFormat {
    public init() {}

    public func canRead(path: String) -> Bool { ReadStatFileFormat(path: path) != nil }

    public func openSource(path: String) throws -> RowSource { try ReadStatReader(path: path) }

    public func makeSink(for source: RowSource, writingTo output: ByteSink) throws -> RowSink {
        guard let reader = source as? ReadStatReader else { throw ReadStatError.unknownFormat(path: source.path) }
        return try ReadStatWriter(path: source.path, sink: output, format: reader.format, source: reader.metadata,
                                  rowCount: try reader.rowCount())
    }
}

/// The table formats `sluis link` and the intake job read and write.
public enum LinkFormats {
    public static var all: [LinkTableFormat] { [CSVTableFormat(), ReadStatTableFormat()] }
}
