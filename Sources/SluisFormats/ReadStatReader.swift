/// Reads an SPSS (.sav, .zsav) or Stata (.dta) file as a `RowSource`.
///
/// `init` reads the header, the variables and their value labels (ReadStat's first pass, no cell
/// values), so the columns and the metadata are known before any row; a file ReadStat cannot
/// read fails here, before anything is written. `forEachRow` then streams the rows through
/// ReadStat's value callback: each row is assembled in one reused `FieldBuffer`, so memory stays
/// flat however many rows the file has. Every value arrives as UTF-8 text (see
/// `ReadStatValueText.swift`); line numbers are row number + 1.
public final class ReadStatReader: RowSource {
    /// The file read, for messages.
    public let path: String
    /// The header, variables and value labels read by `init`, before any row.
    public let metadata: ReadStatMetadata
    private let parser: ReadStatParser
    private let buffer: FieldBuffer

    /// Opens `path`; the format comes from the extension unless stated.
    public init(path: String, format: ReadStatFileFormat? = nil) throws {
        guard let format = format ?? ReadStatFileFormat(path: path) else {
            throw ReadStatError.unknownFormat(path: path)
        }
        let parser = try ReadStatParser(path: path, format: format)
        self.path = path
        self.parser = parser
        self.metadata = try parser.readMetadata()
        self.buffer = FieldBuffer(byteCapacity: 1 << 14, fieldCapacity: max(metadata.variables.count, 4))
    }

    /// The file's format (from the extension or as stated).
    public var format: ReadStatFileFormat { metadata.format }

    /// The variable names, in file order.
    public var columnNames: [String] { metadata.variables.map(\.name) }

    /// Streams every row to `body` as UTF-8 fields with its line number (row number + 1).
    public func forEachRow(_ body: (FieldView, Int) throws -> Void) throws {
        buffer.removeAll()
        let delivered = try parser.readRows(variables: metadata.variables, into: buffer, body)
        // A file cut at a row boundary can parse cleanly; the header's count tells.
        if let announced = metadata.rowCount, delivered != announced {
            throw ReadStatError.unreadable(path: path, readStatMessage:
                "the file holds \(delivered) complete rows but its header announces \(announced) (truncated?)")
        }
    }

    /// The number of rows: from the file header when it states it, otherwise by reading the file
    /// once without converting values (the writer needs the count before the first row).
    public func rowCount() throws -> Int {
        if let count = metadata.rowCount { return count }
        return try parser.countRows()
    }
}
