import CReadStat

/// The one owner of ReadStat's parser state: every call into ReadStat's reading side goes through
/// here, and no ReadStat type leaves this file (other than to `ReadStatValueText`).
///
/// ReadStat drives parsing with C callbacks; each pass hands them a context object through the
/// `user_ctx` pointer, the callbacks write into it, and a Swift error thrown inside a callback is
/// parked there, the parse aborted, and the error rethrown when ReadStat returns.
///
/// Two passes: `readMetadata()` (header, variables, value labels; no cell values) and
/// `readRows(…)` (values streamed to a `FieldBuffer`, one row at a time, memory flat).
final class ReadStatParser {
    let path: String
    let format: ReadStatFileFormat
    private let parser: UnsafeMutablePointer<readstat_parser_t>

    init(path: String, format: ReadStatFileFormat) throws {
        guard let parser = readstat_parser_init() else {
            throw ReadStatError.unreadable(path: path, readStatMessage: "out of memory")
        }
        self.path = path
        self.format = format
        self.parser = parser
    }

    deinit { readstat_parser_free(parser) }

    /// Reads the header, the variables and the value labels. When the file says its text is
    /// UTF-8, later passes skip ReadStat's conversion to UTF-8 (iconv, about a tenth of the
    /// reading time).
    func readMetadata() throws -> ReadStatMetadata {
        let context = PassContext(format: format, rows: nil)
        try run(context, handleValues: false)
        // ReadStat keeps the encoding name's pointer without copying, so only NULL (no
        // conversion) is ever passed; its default is a static "UTF-8".
        // Stata 118 and later store UTF-8 by definition and say nothing.
        let stataUTF8 = format == .dta && context.metadata.formatVersion >= 118
        if stataUTF8 || ["utf-8", "utf8"].contains(context.fileEncoding.lowercased()) {
            readstat_set_handler_character_encoding(parser, nil)
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
            let rows = RowAssembler(variableCount: variables.count, dateUnits: units, buffer: buffer, body: body)
            let context = PassContext(format: format, rows: rows)
            try run(context, handleValues: true)
            return rows.rowsDelivered
        }
    }

    /// Counts rows by reading them (for files whose header does not say); values are not converted.
    func countRows() throws -> Int {
        let context = PassContext(format: format, rows: nil)
        try run(context, handleValues: true)
        return context.rowsSeen
    }

    /// One parse. Every handler is installed on every pass, because ReadStat 1.1.8's SPSS reader
    /// crashes when a value handler is set without a variable handler; the context decides
    /// what each callback does.
    private func run(_ context: PassContext, handleValues: Bool) throws {
        readstat_set_metadata_handler(parser, onMetadata)
        readstat_set_variable_handler(parser, onVariable)
        readstat_set_value_label_handler(parser, onValueLabel)
        readstat_set_value_handler(parser, handleValues ? onValue : nil)
        let ctx = Unmanaged.passUnretained(context).toOpaque()
        let result: readstat_error_t = withExtendedLifetime(context) {
            switch format {
            case .sav, .zsav: return readstat_parse_sav(parser, path, ctx)
            case .dta: return readstat_parse_dta(parser, path, ctx)
            }
        }
        if let error = context.error { throw error }
        guard result == READSTAT_OK else {
            throw ReadStatError.unreadable(path: path, readStatMessage: readStatMessage(result))
        }
    }
}

/// ReadStat's fixed text for an error code (never contains data).
func readStatMessage(_ code: readstat_error_t) -> String {
    guard let text = readstat_error_message(code) else { return "error \(code.rawValue)" }
    return String(cString: text)
}

// MARK: - Pass context

/// What one parse collects: the metadata (always, it is cheap) and, when streaming rows, the
/// row being assembled.
private final class PassContext {
    var metadata: ReadStatMetadata
    /// The file's character encoding as its header states it, or empty.
    var fileEncoding = ""
    let rows: RowAssembler?
    var rowsSeen = 0
    var error: Error?
    init(format: ReadStatFileFormat, rows: RowAssembler?) {
        self.metadata = ReadStatMetadata(format: format)
        self.rows = rows
    }
}

private final class RowAssembler {
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

// MARK: - Callbacks (plain C functions; the context arrives as `ctx`)

private let handlerOK = Int32(READSTAT_HANDLER_OK)
private let handlerAbort = Int32(READSTAT_HANDLER_ABORT)

private func onMetadata(_ metadata: UnsafeMutablePointer<readstat_metadata_t>?, _ ctx: UnsafeMutableRawPointer?) -> Int32 {
    guard let metadata, let ctx else { return handlerAbort }
    let context = Unmanaged<PassContext>.fromOpaque(ctx).takeUnretainedValue()
    let rows = Int(readstat_get_row_count(metadata))
    context.metadata.rowCount = rows >= 0 ? rows : nil
    context.metadata.fileLabel = readstat_get_file_label(metadata).map { String(cString: $0) } ?? ""
    context.metadata.formatVersion = Int(readstat_get_file_format_version(metadata))
    context.metadata.modifiedTime = Int(readstat_get_modified_time(metadata))
    context.fileEncoding = readstat_get_file_encoding(metadata).map { String(cString: $0) } ?? ""
    if context.metadata.format != .dta {
        context.metadata.format = readstat_get_compression(metadata) == READSTAT_COMPRESS_BINARY ? .zsav : .sav
    }
    return handlerOK
}

private func onVariable(_ index: Int32, _ variable: UnsafeMutablePointer<readstat_variable_t>?,
                        _ labelSetName: UnsafePointer<CChar>?, _ ctx: UnsafeMutableRawPointer?) -> Int32 {
    guard let variable, let ctx else { return handlerAbort }
    let context = Unmanaged<PassContext>.fromOpaque(ctx).takeUnretainedValue()
    context.metadata.variables.append(describeVariable(variable, labelSetName: labelSetName, format: context.metadata.format))
    return handlerOK
}

private func onValueLabel(_ labelSetName: UnsafePointer<CChar>?, _ value: readstat_value_t,
                          _ label: UnsafePointer<CChar>?, _ ctx: UnsafeMutableRawPointer?) -> Int32 {
    guard let labelSetName, let ctx else { return handlerAbort }
    let context = Unmanaged<PassContext>.fromOpaque(ctx).takeUnretainedValue()
    let name = String(cString: labelSetName)
    let key = labelKey(value)
    let isString = readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING
    var set = context.metadata.labelSets[name] ?? ReadStatLabelSet(name: name, isString: isString)
    set.labels.append(ReadStatValueLabel(value: key, label: label.map { String(cString: $0) } ?? ""))
    context.metadata.labelSets[name] = set
    return handlerOK
}

private func onValue(_ row: Int32, _ variable: UnsafeMutablePointer<readstat_variable_t>?,
                     _ value: readstat_value_t, _ ctx: UnsafeMutableRawPointer?) -> Int32 {
    guard let variable, let ctx else { return handlerAbort }
    // Called once per cell: borrow the context without retaining it.
    return Unmanaged<PassContext>.fromOpaque(ctx)._withUnsafeGuaranteedRef {
        $0.accept(value, index: Int(readstat_variable_get_index(variable)), row: Int(row))
    }
}

extension PassContext {
    /// One cell: appended to the row; the row is handed on when its last variable arrives.
    func accept(_ value: readstat_value_t, index: Int, row: Int) -> Int32 {
        guard let rows else {
            if index == 0 { rowsSeen += 1 }
            return handlerOK
        }
        return rows.accept(value, index: index, row: row) ? handlerOK : abort(rows)
    }

    private func abort(_ rows: RowAssembler) -> Int32 {
        error = rows.error
        return handlerAbort
    }
}

extension RowAssembler {
    /// Returns false when the body threw (the error is kept in `error`).
    func accept(_ value: readstat_value_t, index: Int, row: Int) -> Bool {
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

// MARK: - Conversions from ReadStat's C structures

private func describeVariable(_ v: UnsafeMutablePointer<readstat_variable_t>, labelSetName: UnsafePointer<CChar>?,
                              format: ReadStatFileFormat) -> ReadStatVariable {
    let storage = storageOf(readstat_variable_get_type(v))
    let displayFormat = readstat_variable_get_format(v).map { String(cString: $0) } ?? ""
    var missing: [ReadStatMissingRange] = []
    for i in 0..<readstat_variable_get_missing_ranges_count(v) {
        missing.append(ReadStatMissingRange(low: labelKey(readstat_variable_get_missing_range_lo(v, i)),
                                            high: labelKey(readstat_variable_get_missing_range_hi(v, i))))
    }
    return ReadStatVariable(
        name: readstat_variable_get_name(v).map { String(cString: $0) } ?? "",
        storage: storage,
        storageWidth: declaredWidth(v, storage: storage, format: format, displayFormat: displayFormat),
        label: readstat_variable_get_label(v).map { String(cString: $0) } ?? "",
        displayFormat: displayFormat,
        displayWidth: Int(readstat_variable_get_display_width(v)),
        measure: measureOf(readstat_variable_get_measure(v)),
        alignment: alignmentOf(readstat_variable_get_alignment(v)),
        labelSetName: labelSetName.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 },
        missingValues: missing)
}

/// The width the file declares for a string (SPSS `A11` → 11, Stata `str11` → 11). ReadStat's
/// storage width is rounded up to 8 bytes for SPSS and counts a terminating NUL for Stata, so
/// writing it back would widen the variable on every round trip.
private func declaredWidth(_ v: UnsafeMutablePointer<readstat_variable_t>, storage: ReadStatStorage,
                           format: ReadStatFileFormat, displayFormat: String) -> Int {
    let stored = Int(readstat_variable_get_storage_width(v))
    guard storage == .string else { return stored }
    if format == .dta {
        return readstat_variable_get_type(v) == READSTAT_TYPE_STRING_REF ? 2045 : max(1, stored - 1)
    }
    if displayFormat.hasPrefix("A"), let width = Int(displayFormat.dropFirst()), (1...stored).contains(width) {
        return width
    }
    return stored
}

func storageOf(_ type: readstat_type_t) -> ReadStatStorage {
    switch type {
    case READSTAT_TYPE_STRING, READSTAT_TYPE_STRING_REF: return .string
    case READSTAT_TYPE_INT8: return .int8
    case READSTAT_TYPE_INT16: return .int16
    case READSTAT_TYPE_INT32: return .int32
    case READSTAT_TYPE_FLOAT: return .float
    default: return .double
    }
}

private func measureOf(_ m: readstat_measure_t) -> ReadStatMeasure {
    switch m {
    case READSTAT_MEASURE_NOMINAL: return .nominal
    case READSTAT_MEASURE_ORDINAL: return .ordinal
    case READSTAT_MEASURE_SCALE: return .scale
    default: return .unknown
    }
}

private func alignmentOf(_ a: readstat_alignment_t) -> ReadStatAlignment {
    switch a {
    case READSTAT_ALIGNMENT_LEFT: return .left
    case READSTAT_ALIGNMENT_CENTER: return .center
    case READSTAT_ALIGNMENT_RIGHT: return .right
    default: return .unknown
    }
}

/// A value as a label key or missing-value bound (metadata, not cell data).
private func labelKey(_ value: readstat_value_t) -> ReadStatValue {
    if readstat_value_is_tagged_missing(value) != 0 {
        return .taggedMissing(Character(Unicode.Scalar(UInt8(bitPattern: readstat_value_tag(value)))))
    }
    switch readstat_value_type(value) {
    case READSTAT_TYPE_STRING, READSTAT_TYPE_STRING_REF:
        return .string(readstat_string_value(value).map { String(cString: $0) } ?? "")
    case READSTAT_TYPE_INT8: return .number(Double(readstat_int8_value(value)))
    case READSTAT_TYPE_INT16: return .number(Double(readstat_int16_value(value)))
    case READSTAT_TYPE_INT32: return .number(Double(readstat_int32_value(value)))
    case READSTAT_TYPE_FLOAT: return .number(Double(readstat_float_value(value)))
    default: return .number(readstat_double_value(value))
    }
}
