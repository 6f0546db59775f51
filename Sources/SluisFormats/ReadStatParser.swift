/// Reads an SPSS or Stata file through ReadStat's parser (`ReadStatCParser`, the C wrapper).
///
/// ReadStat drives parsing with callbacks; each pass hands them a context object (a
/// `ReadStatParseHandler`), the callbacks write into it, and a Swift error thrown inside a callback is
/// parked there, the parse aborted, and the error rethrown when ReadStat returns.
///
/// Two passes: `readMetadata()` (header, variables, value labels; no cell values) and
/// `readRows(…)` (values streamed to a `FieldBuffer`, one row at a time, memory flat).
final class ReadStatParser {
    let path: String
    let format: ReadStatFileFormat
    private let parser: ReadStatCParser

    init(path: String, format: ReadStatFileFormat) throws {
        guard let parser = ReadStatCParser() else {
            throw ReadStatError.unreadable(path: path, readStatMessage: "out of memory")
        }
        self.path = path
        self.format = format
        self.parser = parser
    }

    /// Reads the header, the variables and the value labels. When the file says its text is
    /// UTF-8, later passes skip ReadStat's conversion to UTF-8 (iconv, about a tenth of the
    /// reading time).
    func readMetadata() throws -> ReadStatMetadata {
        let context = ReadStatParseContext(format: format, rows: nil)
        try run(context, handleValues: false)
        // Stata 118 and later store UTF-8 by definition and say nothing.
        let stataUTF8 = format == .dta && context.metadata.formatVersion >= 118
        if stataUTF8 || ["utf-8", "utf8"].contains(context.fileEncoding.lowercased()) {
            parser.skipEncodingConversion()
        }
        return context.metadata
    }

    /// Streams every row: the text of each value is appended to `buffer`, and `body` gets the
    /// row with its line (row number + 1) when the last variable of the row has arrived.
    /// Returns the number of rows delivered.
    @discardableResult
    func readRows(variables: [ReadStatVariable], into buffer: FieldBuffer,
                  _ body: (FieldView, Int) throws -> Void) throws -> Int {
        try withoutActuallyEscaping(body) { body in
            let units = variables.map { ReadStatDateUnit(variable: $0, family: format.family) }
            let rows = ReadStatRowAssembler(variableCount: variables.count, dateUnits: units, buffer: buffer, body: body)
            let context = ReadStatParseContext(format: format, rows: rows)
            try run(context, handleValues: true)
            return rows.rowsDelivered
        }
    }

    /// Counts rows by reading them (for files whose header does not say); values are not converted.
    func countRows() throws -> Int {
        let context = ReadStatParseContext(format: format, rows: nil)
        try run(context, handleValues: true)
        return context.rowsSeen
    }

    /// One parse; the context decides what each callback does.
    private func run(_ context: ReadStatParseContext, handleValues: Bool) throws {
        let status = parser.parse(path: path, stata: format == .dta, handler: context, handleValues: handleValues)
        if let error = context.error { throw error }
        guard status.isOK else {
            throw ReadStatError.unreadable(path: path, readStatMessage: status.message)
        }
    }
}

// MARK: - Pass context

/// What one parse collects: the metadata (always, it is cheap) and, when streaming rows, the
/// row being assembled.
/// (The one type `ReadStatCParser` reports to: see `ReadStatParseHandler` for why it is fixed.)
final class ReadStatParseContext: ReadStatParseHandler {
    var metadata: ReadStatMetadata
    /// The file's character encoding as its header states it, or empty.
    var fileEncoding = ""
    let rows: ReadStatRowAssembler?
    var rowsSeen = 0
    var error: Error?
    init(format: ReadStatFileFormat, rows: ReadStatRowAssembler?) {
        self.metadata = ReadStatMetadata(format: format)
        self.rows = rows
    }

    // MARK: Callbacks

    func metadata(_ m: ReadStatMetadataRef) -> Bool {
        let rows = m.rowCount
        metadata.rowCount = rows >= 0 ? rows : nil
        metadata.fileLabel = m.fileLabel
        metadata.formatVersion = m.formatVersion
        metadata.modifiedTime = m.modifiedTime
        fileEncoding = m.fileEncoding
        if metadata.format != .dta {
            metadata.format = m.isBinaryCompressed ? .zsav : .sav
        }
        return true
    }

    func variable(_ variable: ReadStatVariableRef, labelSetName: UnsafePointer<CChar>?) -> Bool {
        metadata.variables.append(describeVariable(variable, labelSetName: labelSetName, format: metadata.format))
        return true
    }

    func valueLabel(setName: UnsafePointer<CChar>, value: ReadStatCell, label: UnsafePointer<CChar>?) -> Bool {
        let name = String(cString: setName)
        let key = labelKey(value)
        var set = metadata.labelSets[name] ?? ReadStatLabelSet(name: name, isString: value.isString)
        set.labels.append(ReadStatValueLabel(value: key, label: label.map { String(cString: $0) } ?? ""))
        metadata.labelSets[name] = set
        return true
    }

    func value(_ value: ReadStatCell, variableIndex: Int, row: Int) -> Bool {
        accept(value, index: variableIndex, row: row)
    }
}

final class ReadStatRowAssembler {
    let variableCount: Int
    /// Per variable: how its dates are stored, when it is a date variable.
    let dateUnits: [ReadStatDateUnit?]
    let buffer: FieldBuffer
    let body: (FieldView, Int) throws -> Void
    var rowsDelivered = 0
    var error: Error?
    init(variableCount: Int, dateUnits: [ReadStatDateUnit?], buffer: FieldBuffer,
         body: @escaping (FieldView, Int) throws -> Void) {
        self.variableCount = variableCount
        self.dateUnits = dateUnits
        self.buffer = buffer
        self.body = body
    }
}

extension ReadStatParseContext {
    /// One cell: appended to the row; the row is handed on when its last variable arrives.
    @inline(__always)
    func accept(_ value: ReadStatCell, index: Int, row: Int) -> Bool {
        guard let rows else {
            if index == 0 { rowsSeen += 1 }
            return true
        }
        return rows.accept(value, index: index, row: row) ? true : abort(rows)
    }

    private func abort(_ rows: ReadStatRowAssembler) -> Bool {
        error = rows.error
        return false
    }
}

extension ReadStatRowAssembler {
    /// Returns false when the body threw (the error is kept in `error`).
    func accept(_ value: ReadStatCell, index: Int, row: Int) -> Bool {
        appendText(of: value, dateUnit: index < dateUnits.count ? dateUnits[index] : nil, to: buffer)
        guard index == variableCount - 1 else { return true }
        do {
            try body(buffer.view, row + 2)
            buffer.removeAll()
            rowsDelivered += 1
            return true
        } catch {
            self.error = error
            return false
        }
    }
}

// MARK: - Conversions from what ReadStat reports

private func describeVariable(_ v: ReadStatVariableRef, labelSetName: UnsafePointer<CChar>?,
                              format: ReadStatFileFormat) -> ReadStatVariable {
    let storage = v.storage
    let displayFormat = v.displayFormat
    let missing = v.missingRanges.map { ReadStatMissingRange(low: labelKey($0.low), high: labelKey($0.high)) }
    return ReadStatVariable(
        name: v.name,
        storage: storage,
        storageWidth: declaredWidth(v, storage: storage, format: format, displayFormat: displayFormat),
        label: v.label,
        displayFormat: displayFormat,
        displayWidth: v.displayWidth,
        measure: v.measure,
        alignment: v.alignment,
        labelSetName: labelSetName.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 },
        missingValues: missing)
}

/// The width the file declares for a string (SPSS `A11` → 11, Stata `str11` → 11). ReadStat's
/// storage width is rounded up to 8 bytes for SPSS and counts a terminating NUL for Stata, so
/// writing it back would widen the variable on every round trip.
private func declaredWidth(_ v: ReadStatVariableRef, storage: ReadStatStorage,
                           format: ReadStatFileFormat, displayFormat: String) -> Int {
    let stored = v.storageWidth
    guard storage == .string else { return stored }
    if format == .dta {
        return v.isStringReference ? 2045 : max(1, stored - 1)
    }
    if displayFormat.hasPrefix("A"), let width = Int(displayFormat.dropFirst()), (1...stored).contains(width) {
        return width
    }
    return stored
}

/// A value as a label key or missing-value bound (metadata, not cell data).
private func labelKey(_ value: ReadStatCell) -> ReadStatValue {
    if value.isTaggedMissing {
        return .taggedMissing(Character(Unicode.Scalar(value.tag)))
    }
    switch value.storage {
    case .string: return .string(value.string.map { String(cString: $0) } ?? "")
    case .int8: return .number(Double(value.int8))
    case .int16: return .number(Double(value.int16))
    case .int32: return .number(Double(value.int32))
    case .float: return .number(Double(value.float))
    case .double: return .number(value.double)
    }
}
