import SluisCore
import SluisIO

/// Writes a table as an SPSS (.sav, .zsav) or Stata (.dta) file through ReadStat: a `RowSink`.
///
/// Bytes go to a `ByteSink` (an `AtomicFile`, an encryptor), so the writer never touches the
/// file system itself and a failed run leaves nothing behind once the owner discards the sink.
/// ReadStat writes the row count into the header before the first row, so the count is given
/// up front (`ReadStatReader.rowCount()` takes it from the source's header or counts the rows
/// in a first pass); writing another number of rows is an error. Rows are written as they come
/// — never held in memory.
///
/// Numeric cells are parsed back from their text (the reader's shortest round-trip form, so
/// kept values are bit-for-bit the source's); empty is system-missing, `.a`…`.z` Stata's
/// extended missing values. What each output column becomes: `ReadStatOutputPlan`.
public final class ReadStatWriter: RowSink {
    /// The output's name in messages.
    public let path: String
    /// The output's format: `.sav`, `.zsav` or `.dta`.
    public let format: ReadStatFileFormat
    private let encoder: ReadStatEncoder
    private let source: ReadStatMetadata?
    private let announcedRowCount: Int
    private let generalised: [String: ReadStatGeneralisedType]
    private var variables: [ReadStatVariable] = []
    private var dateUnits: [ReadStatDateUnit?] = []
    private var rowsWritten = 0
    private var headerWritten = false

    /// Starts an SPSS/Stata file on `sink`; the header follows with `writeHeader`.
    ///
    /// - Parameters:
    ///   - path: the output's name in messages.
    ///   - sink: where the file's bytes go.
    ///   - format: `.sav`, `.zsav` or `.dta`.
    ///   - source: the metadata of the file read (`ReadStatReader.metadata`); nil when the source
    ///     is not SPSS/Stata (only new and generalised columns then, or kept columns as strings).
    ///   - rowCount: the number of rows that will be written.
    ///   - generalised: the type of each generalised output column, by output column name.
    /// - Throws: `ReadStatError` when ReadStat cannot start a writer for the format.
    public init(path: String, sink: ByteSink, format: ReadStatFileFormat, source: ReadStatMetadata?,
                rowCount: Int, generalised: [String: ReadStatGeneralisedType] = [:]) throws {
        self.path = path
        self.format = format
        self.source = source
        self.announcedRowCount = rowCount
        self.generalised = generalised
        self.encoder = try ReadStatEncoder(path: path, sink: sink, format: format)
    }

    /// Declares the variables (with the source's labels, formats and missing values where kept) and starts the file.
    public func writeHeader(_ columns: [OutputColumn]) throws {
        precondition(!headerWritten, "writeHeader called twice")
        let plan = try ReadStatOutputPlan(columns: columns, source: source, format: format,
                                          generalised: generalised, path: path)
        if let source {
            try encoder.setFileLabel(source.fileLabel)
            if source.modifiedTime > 0 { try encoder.setTimestamp(source.modifiedTime) }
            if source.format == .dta { try encoder.setStataVersion(source.formatVersion) }
        }
        for set in plan.labelSets { encoder.addLabelSet(set) }
        for v in plan.variables { _ = try encoder.addVariable(v) }
        variables = plan.variables
        dateUnits = plan.variables.map { ReadStatDateUnit(variable: $0, family: format.family) }
        try encoder.begin(rowCount: announcedRowCount)
        headerWritten = true
    }

    /// Writes one row; its fields must match the variables, and no more rows than announced.
    public func writeRow(_ fields: FieldView) throws {
        precondition(headerWritten, "writeRow before writeHeader")
        let line = rowsWritten + 2
        guard fields.count == variables.count else {
            throw ReadStatError.fieldCountMismatch(path: path, line: line, expected: variables.count, found: fields.count)
        }
        guard rowsWritten < announcedRowCount else {
            throw ReadStatError.rowCountMismatch(path: path, announced: announcedRowCount, written: rowsWritten + 1)
        }
        try encoder.beginRow()
        for i in 0..<variables.count {
            let v = variables[i]
            let bytes = fields[i]
            if v.storage == .string {
                guard bytes.count <= v.storageWidth else {
                    throw ReadStatError.stringTooWide(position: position(line, i), byteCount: bytes.count, width: v.storageWidth)
                }
                try encoder.insertString(bytes, column: i)
            } else {
                guard let number = parseNumber(bytes, storage: v.storage, dateUnit: dateUnits[i]) else {
                    throw ReadStatError.notANumber(position: position(line, i), storage: v.storage.rawValue)
                }
                try encoder.insertNumber(number, column: i)
            }
        }
        try encoder.endRow()
        rowsWritten += 1
    }

    /// Ends the file; refuses when fewer rows were written than announced in the header.
    public func finish() throws {
        precondition(headerWritten, "finish before writeHeader")
        guard rowsWritten == announcedRowCount else {
            throw ReadStatError.rowCountMismatch(path: path, announced: announcedRowCount, written: rowsWritten)
        }
        try encoder.end()
    }

    private func position(_ line: Int, _ column: Int) -> SourcePosition {
        SourcePosition(file: path, line: line, columnNumber: column + 1, columnName: variables[column].name)
    }
}
