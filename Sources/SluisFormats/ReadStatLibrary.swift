#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CReadStat

// The one file that imports ReadStat (habit 1: one small wrapper per C library). Why: auditing
// what sluis asks of ReadStat — which C calls, which pointers it keeps, which callbacks it makes —
// means reading this page only. It wraps ReadStat 1.1's parser (`readstat_parser_t` and its four
// handlers), its writer (`readstat_writer_t`, label sets, variables, cell inserts) and its value and
// variable accessors. No ReadStat type appears outside this file: the rest of SluisFormats sees
// `ReadStatCell`, `ReadStatVariableRef`, `ReadStatMetadataRef`, `ReadStatStatus`,
// `ReadStatCParser` and `ReadStatCWriter`; the callbacks call back into two concrete types the
// reading and writing sides define (`ReadStatParseContext`, conforming to `ReadStatParseHandler`,
// and `ReadStatWriteOutput`). Every accessor is a thin `@inline(__always)` call: the per-cell
// path inlines into the callers (whole-module builds).

/// A ReadStat result code; `message` is ReadStat's fixed text (never data).
struct ReadStatStatus {
    fileprivate let raw: readstat_error_t
    var isOK: Bool { raw == READSTAT_OK }
    var message: String {
        guard let text = readstat_error_message(raw) else { return "error \(raw.rawValue)" }
        return String(cString: text)
    }
}

/// One value as ReadStat delivers it (a cell, a label key or a missing-value bound).
struct ReadStatCell {
    fileprivate let raw: readstat_value_t

    @inline(__always) var isTaggedMissing: Bool { readstat_value_is_tagged_missing(raw) != 0 }
    @inline(__always) var isSystemMissing: Bool { readstat_value_is_system_missing(raw) != 0 }
    /// The tag letter of an extended missing value (`a`…`z`), as a byte.
    @inline(__always) var tag: UInt8 { UInt8(bitPattern: readstat_value_tag(raw)) }
    @inline(__always) var isNumeric: Bool { readstat_value_type_class(raw) == READSTAT_TYPE_CLASS_NUMERIC }
    @inline(__always) var isString: Bool { readstat_value_type_class(raw) == READSTAT_TYPE_CLASS_STRING }
    /// The storage type of the value (both ReadStat string kinds are `.string`).
    @inline(__always) var storage: ReadStatStorage { storageOf(readstat_value_type(raw)) }
    @inline(__always) var int8: Int8 { readstat_int8_value(raw) }
    @inline(__always) var int16: Int16 { readstat_int16_value(raw) }
    @inline(__always) var int32: Int32 { readstat_int32_value(raw) }
    @inline(__always) var float: Float { readstat_float_value(raw) }
    @inline(__always) var double: Double { readstat_double_value(raw) }
    /// The NUL-terminated UTF-8 text of a string value (owned by ReadStat for the callback).
    @inline(__always) var string: UnsafePointer<CChar>? { readstat_string_value(raw) }
    /// The same text's bytes without the NUL.
    @inline(__always) var stringBytes: UnsafeRawBufferPointer? {
        readstat_string_value(raw).map { UnsafeRawBufferPointer(start: $0, count: strlen($0)) }
    }
}

/// A variable ReadStat describes while parsing (valid during the callback only).
struct ReadStatVariableRef {
    fileprivate let raw: UnsafeMutablePointer<readstat_variable_t>

    @inline(__always) var index: Int { Int(readstat_variable_get_index(raw)) }
    var name: String { readstat_variable_get_name(raw).map { String(cString: $0) } ?? "" }
    var label: String { readstat_variable_get_label(raw).map { String(cString: $0) } ?? "" }
    var displayFormat: String { readstat_variable_get_format(raw).map { String(cString: $0) } ?? "" }
    var storage: ReadStatStorage { storageOf(readstat_variable_get_type(raw)) }
    /// Stata's long strings (strL), which ReadStat reports apart from fixed-width strings.
    var isStringReference: Bool { readstat_variable_get_type(raw) == READSTAT_TYPE_STRING_REF }
    var storageWidth: Int { Int(readstat_variable_get_storage_width(raw)) }
    var displayWidth: Int { Int(readstat_variable_get_display_width(raw)) }
    var measure: ReadStatMeasure {
        switch readstat_variable_get_measure(raw) {
        case READSTAT_MEASURE_NOMINAL: return .nominal
        case READSTAT_MEASURE_ORDINAL: return .ordinal
        case READSTAT_MEASURE_SCALE: return .scale
        default: return .unknown
        }
    }
    var alignment: ReadStatAlignment {
        switch readstat_variable_get_alignment(raw) {
        case READSTAT_ALIGNMENT_LEFT: return .left
        case READSTAT_ALIGNMENT_CENTER: return .center
        case READSTAT_ALIGNMENT_RIGHT: return .right
        default: return .unknown
        }
    }
    /// The declared missing-value ranges as (low, high) bounds.
    var missingRanges: [(low: ReadStatCell, high: ReadStatCell)] {
        (0..<readstat_variable_get_missing_ranges_count(raw)).map {
            (ReadStatCell(raw: readstat_variable_get_missing_range_lo(raw, $0)),
             ReadStatCell(raw: readstat_variable_get_missing_range_hi(raw, $0)))
        }
    }
}

/// The file header ReadStat reports (valid during the callback only).
struct ReadStatMetadataRef {
    fileprivate let raw: UnsafeMutablePointer<readstat_metadata_t>

    /// Negative when the header does not say.
    var rowCount: Int { Int(readstat_get_row_count(raw)) }
    var fileLabel: String { readstat_get_file_label(raw).map { String(cString: $0) } ?? "" }
    var formatVersion: Int { Int(readstat_get_file_format_version(raw)) }
    var modifiedTime: Int { Int(readstat_get_modified_time(raw)) }
    var fileEncoding: String { readstat_get_file_encoding(raw).map { String(cString: $0) } ?? "" }
    /// SPSS: the data is zlib-compressed (a .zsav file).
    var isBinaryCompressed: Bool { readstat_get_compression(raw) == READSTAT_COMPRESS_BINARY }
}

/// What a parse reports to. Each callback returns false to abort the parse (the handler keeps
/// the reason).
///
/// Why a protocol plus one fixed type (`ReadStatParseContext`, named by `ReadStatParser`): the
/// C callbacks cannot be generic, and calling the handler through a class hierarchy or an
/// existential costs an indirect call per cell that cannot be inlined (1–2 % of reading an SPSS
/// file, measured). With the concrete type the per-cell path inlines as it did before this
/// wrapper existed; the protocol states what the type must provide.
protocol ReadStatParseHandler: AnyObject {
    func metadata(_ metadata: ReadStatMetadataRef) -> Bool
    func variable(_ variable: ReadStatVariableRef, labelSetName: UnsafePointer<CChar>?) -> Bool
    func valueLabel(setName: UnsafePointer<CChar>, value: ReadStatCell, label: UnsafePointer<CChar>?) -> Bool
    func value(_ value: ReadStatCell, variableIndex: Int, row: Int) -> Bool
}

/// Owns a `readstat_parser_t` (freed in deinit).
final class ReadStatCParser {
    private let raw: UnsafeMutablePointer<readstat_parser_t>

    init?() {
        guard let raw = readstat_parser_init() else { return nil }
        self.raw = raw
    }

    deinit { readstat_parser_free(raw) }

    /// Stops ReadStat converting text to UTF-8 (iconv). ReadStat keeps the encoding name's pointer
    /// without copying, so only NULL (no conversion) is ever passed.
    func skipEncodingConversion() { readstat_set_handler_character_encoding(raw, nil) }

    /// One parse of the file at `path`. Every handler is installed on every pass, because
    /// ReadStat 1.1.8's SPSS reader crashes when a value handler is set without a variable
    /// handler; the value handler only when `handleValues`.
    func parse(path: String, stata: Bool, handler: ReadStatParseContext, handleValues: Bool) -> ReadStatStatus {
        readstat_set_metadata_handler(raw, onMetadata)
        readstat_set_variable_handler(raw, onVariable)
        readstat_set_value_label_handler(raw, onValueLabel)
        readstat_set_value_handler(raw, handleValues ? onValue : nil)
        let ctx = Unmanaged.passUnretained(handler).toOpaque()
        return withExtendedLifetime(handler) {
            ReadStatStatus(raw: stata ? readstat_parse_dta(raw, path, ctx) : readstat_parse_sav(raw, path, ctx))
        }
    }
}

private let handlerOK = Int32(READSTAT_HANDLER_OK)
private let handlerAbort = Int32(READSTAT_HANDLER_ABORT)

private func onMetadata(_ metadata: UnsafeMutablePointer<readstat_metadata_t>?, _ ctx: UnsafeMutableRawPointer?) -> Int32 {
    guard let metadata, let ctx else { return handlerAbort }
    let handler = Unmanaged<ReadStatParseContext>.fromOpaque(ctx).takeUnretainedValue()
    return handler.metadata(ReadStatMetadataRef(raw: metadata)) ? handlerOK : handlerAbort
}

private func onVariable(_ index: Int32, _ variable: UnsafeMutablePointer<readstat_variable_t>?,
                        _ labelSetName: UnsafePointer<CChar>?, _ ctx: UnsafeMutableRawPointer?) -> Int32 {
    guard let variable, let ctx else { return handlerAbort }
    let handler = Unmanaged<ReadStatParseContext>.fromOpaque(ctx).takeUnretainedValue()
    return handler.variable(ReadStatVariableRef(raw: variable), labelSetName: labelSetName) ? handlerOK : handlerAbort
}

private func onValueLabel(_ labelSetName: UnsafePointer<CChar>?, _ value: readstat_value_t,
                          _ label: UnsafePointer<CChar>?, _ ctx: UnsafeMutableRawPointer?) -> Int32 {
    guard let labelSetName, let ctx else { return handlerAbort }
    let handler = Unmanaged<ReadStatParseContext>.fromOpaque(ctx).takeUnretainedValue()
    return handler.valueLabel(setName: labelSetName, value: ReadStatCell(raw: value), label: label) ? handlerOK : handlerAbort
}

private func onValue(_ row: Int32, _ variable: UnsafeMutablePointer<readstat_variable_t>?,
                     _ value: readstat_value_t, _ ctx: UnsafeMutableRawPointer?) -> Int32 {
    guard let variable, let ctx else { return handlerAbort }
    // Called once per cell: borrow the handler without retaining it.
    return Unmanaged<ReadStatParseContext>.fromOpaque(ctx)._withUnsafeGuaranteedRef {
        $0.value(ReadStatCell(raw: value), variableIndex: Int(readstat_variable_get_index(variable)), row: Int(row))
    } ? handlerOK : handlerAbort
}

/// ReadStat's type code of a storage type, and back.
private func readStatType(_ s: ReadStatStorage) -> readstat_type_t {
    switch s {
    case .string: return READSTAT_TYPE_STRING
    case .int8: return READSTAT_TYPE_INT8
    case .int16: return READSTAT_TYPE_INT16
    case .int32: return READSTAT_TYPE_INT32
    case .float: return READSTAT_TYPE_FLOAT
    case .double: return READSTAT_TYPE_DOUBLE
    }
}

@inline(__always)
private func storageOf(_ type: readstat_type_t) -> ReadStatStorage {
    switch type {
    case READSTAT_TYPE_STRING, READSTAT_TYPE_STRING_REF: return .string
    case READSTAT_TYPE_INT8: return .int8
    case READSTAT_TYPE_INT16: return .int16
    case READSTAT_TYPE_INT32: return .int32
    case READSTAT_TYPE_FLOAT: return .float
    default: return .double
    }
}

/// A variable declared on a `ReadStatCWriter` (lives as long as the writer).
struct ReadStatVariableHandle {
    fileprivate let raw: UnsafeMutablePointer<readstat_variable_t>
    /// The storage type it was declared with.
    var storage: ReadStatStorage { storageOf(readstat_variable_get_type(raw)) }
}

/// A value-label set declared on a `ReadStatCWriter` (lives as long as the writer).
struct ReadStatLabelSetHandle {
    fileprivate let raw: UnsafeMutablePointer<readstat_label_set_t>

    func label(_ value: Double, _ label: String) { readstat_label_double_value(raw, value, label) }
    func label(_ value: Int32, _ label: String) { readstat_label_int32_value(raw, value, label) }
    func label(_ value: String, _ label: String) { readstat_label_string_value(raw, value, label) }
    func label(tag: CChar, _ label: String) { readstat_label_tagged_value(raw, tag, label) }
}

/// Owns a `readstat_writer_t` (freed in deinit) and the C strings ReadStat points to without
/// copying. The bytes ReadStat produces go to `output` (`ReadStatWriteOutput`, named by
/// `ReadStatEncoder`; a concrete type for the reason given at `ReadStatParseHandler`), whose
/// `forward` returns the count taken or -1.
final class ReadStatCWriter {
    private let raw: UnsafeMutablePointer<readstat_writer_t>
    private let output: ReadStatWriteOutput
    /// C strings ReadStat points to without copying, freed with the writer.
    private var retainedCStrings: [UnsafeMutablePointer<CChar>] = []

    /// `spssZlibCompressed`: true for SPSS .zsav (binary compression), false for .sav (row
    /// compression), nil for Stata (no compression setting).
    init?(spssZlibCompressed: Bool?, output: ReadStatWriteOutput) {
        guard let raw = readstat_writer_init() else { return nil }
        self.raw = raw
        self.output = output
        readstat_set_data_writer(raw, forwardToOutput)
        if let zlib = spssZlibCompressed {
            readstat_writer_set_compression(raw, zlib ? READSTAT_COMPRESS_BINARY : READSTAT_COMPRESS_ROWS)
        }
    }

    deinit {
        readstat_writer_free(raw)
        for s in retainedCStrings { free(s) }
    }

    private func retainedCString(_ s: String) -> UnsafeMutablePointer<CChar>? {
        guard let copy = strdup(s) else { return nil }
        retainedCStrings.append(copy)
        return copy
    }

    func setFileLabel(_ label: String) -> ReadStatStatus { ReadStatStatus(raw: readstat_writer_set_file_label(raw, label)) }
    func setTimestamp(_ seconds: Int) -> ReadStatStatus { ReadStatStatus(raw: readstat_writer_set_file_timestamp(raw, time_t(seconds))) }
    func setFormatVersion(_ version: UInt8) -> ReadStatStatus {
        ReadStatStatus(raw: readstat_writer_set_file_format_version(raw, version))
    }

    func addLabelSet(storage: ReadStatStorage, name: String) -> ReadStatLabelSetHandle? {
        readstat_add_label_set(raw, readStatType(storage), name).map { ReadStatLabelSetHandle(raw: $0) }
    }

    /// Declares a variable; `width` is a string's declared width (0 for numbers).
    func addVariable(name: String, storage: ReadStatStorage, width: Int) -> ReadStatVariableHandle? {
        readstat_add_variable(raw, name, readStatType(storage), width).map { ReadStatVariableHandle(raw: $0) }
    }

    func setLabel(_ v: ReadStatVariableHandle, _ label: String) { readstat_variable_set_label(v.raw, label) }
    func setFormat(_ v: ReadStatVariableHandle, _ format: String) { readstat_variable_set_format(v.raw, format) }
    func setDisplayWidth(_ v: ReadStatVariableHandle, _ width: Int) { readstat_variable_set_display_width(v.raw, Int32(width)) }
    func setMeasure(_ v: ReadStatVariableHandle, _ m: ReadStatMeasure) {
        let code: readstat_measure_t
        switch m {
        case .unknown: code = READSTAT_MEASURE_UNKNOWN
        case .nominal: code = READSTAT_MEASURE_NOMINAL
        case .ordinal: code = READSTAT_MEASURE_ORDINAL
        case .scale: code = READSTAT_MEASURE_SCALE
        }
        readstat_variable_set_measure(v.raw, code)
    }
    func setAlignment(_ v: ReadStatVariableHandle, _ a: ReadStatAlignment) {
        let code: readstat_alignment_t
        switch a {
        case .unknown: code = READSTAT_ALIGNMENT_UNKNOWN
        case .left: code = READSTAT_ALIGNMENT_LEFT
        case .center: code = READSTAT_ALIGNMENT_CENTER
        case .right: code = READSTAT_ALIGNMENT_RIGHT
        }
        readstat_variable_set_alignment(v.raw, code)
    }
    func setLabelSet(_ v: ReadStatVariableHandle, _ set: ReadStatLabelSetHandle) { readstat_variable_set_label_set(v.raw, set.raw) }

    /// A missing value (low == high) or range of numbers.
    func addMissing(_ v: ReadStatVariableHandle, low: Double, high: Double) -> ReadStatStatus {
        ReadStatStatus(raw: low == high ? readstat_variable_add_missing_double_value(v.raw, low)
                                        : readstat_variable_add_missing_double_range(v.raw, low, high))
    }

    /// A missing value (low == high) or range of strings; the copies live as long as the writer.
    func addMissing(_ v: ReadStatVariableHandle, low: String, high: String) -> ReadStatStatus {
        let lo = retainedCString(low), hi = low == high ? lo : retainedCString(high)
        return ReadStatStatus(raw: low == high ? readstat_variable_add_missing_string_value(v.raw, lo)
                                               : readstat_variable_add_missing_string_range(v.raw, lo, hi))
    }

    /// Writes the header (ReadStat needs the row count now).
    func begin(stata: Bool, rowCount: Int) -> ReadStatStatus {
        let ctx = Unmanaged.passUnretained(output).toOpaque()
        return ReadStatStatus(raw: stata ? readstat_begin_writing_dta(raw, ctx, rowCount)
                                         : readstat_begin_writing_sav(raw, ctx, rowCount))
    }

    func validateMetadata() -> ReadStatStatus { ReadStatStatus(raw: readstat_validate_metadata(raw)) }
    func validate(_ v: ReadStatVariableHandle) -> ReadStatStatus { ReadStatStatus(raw: readstat_validate_variable(raw, v.raw)) }
    @inline(__always) func beginRow() -> ReadStatStatus { ReadStatStatus(raw: readstat_begin_row(raw)) }
    @inline(__always) func endRow() -> ReadStatStatus { ReadStatStatus(raw: readstat_end_row(raw)) }
    func end() -> ReadStatStatus { ReadStatStatus(raw: readstat_end_writing(raw)) }

    @inline(__always) func insertString(_ v: ReadStatVariableHandle, _ text: UnsafePointer<CChar>) -> ReadStatStatus {
        ReadStatStatus(raw: readstat_insert_string_value(raw, v.raw, text))
    }
    @inline(__always) func insertMissing(_ v: ReadStatVariableHandle) -> ReadStatStatus {
        ReadStatStatus(raw: readstat_insert_missing_value(raw, v.raw))
    }
    @inline(__always) func insertTaggedMissing(_ v: ReadStatVariableHandle, _ tag: CChar) -> ReadStatStatus {
        ReadStatStatus(raw: readstat_insert_tagged_missing_value(raw, v.raw, tag))
    }
    /// An integer cell in the variable's own integer width.
    @inline(__always) func insertInteger(_ v: ReadStatVariableHandle, _ n: Int32) -> ReadStatStatus {
        switch readstat_variable_get_type(v.raw) {
        case READSTAT_TYPE_INT8: return ReadStatStatus(raw: readstat_insert_int8_value(raw, v.raw, Int8(n)))
        case READSTAT_TYPE_INT16: return ReadStatStatus(raw: readstat_insert_int16_value(raw, v.raw, Int16(n)))
        default: return ReadStatStatus(raw: readstat_insert_int32_value(raw, v.raw, n))
        }
    }
    @inline(__always) func insertFloat(_ v: ReadStatVariableHandle, _ x: Float) -> ReadStatStatus {
        ReadStatStatus(raw: readstat_insert_float_value(raw, v.raw, x))
    }
    @inline(__always) func insertDouble(_ v: ReadStatVariableHandle, _ x: Double) -> ReadStatStatus {
        ReadStatStatus(raw: readstat_insert_double_value(raw, v.raw, x))
    }
}

/// ReadStat's data-writer callback: `ctx` is the writer's output (which the writer keeps alive).
private func forwardToOutput(_ data: UnsafeRawPointer?, _ length: Int, _ ctx: UnsafeMutableRawPointer?) -> Int {
    guard let ctx else { return -1 }
    return Unmanaged<ReadStatWriteOutput>.fromOpaque(ctx)._withUnsafeGuaranteedRef {
        $0.forward(UnsafeRawBufferPointer(start: data, count: length))
    }
}
