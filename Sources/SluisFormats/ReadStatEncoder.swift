#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CReadStat
import SluisIO

/// The one owner of ReadStat's writer state: every call into ReadStat's writing side goes through
/// here, and no ReadStat type leaves this file.
///
/// ReadStat hands the bytes it produces to a C "data writer" callback; this class forwards them
/// to a `ByteSink` (an `AtomicFile`, an encryptor, a hasher), parking any error the sink throws
/// and rethrowing it when ReadStat returns. Columns are addressed by index in the order added.
final class ReadStatEncoder {
    let path: String
    let format: ReadStatFileFormat
    private let writer: UnsafeMutablePointer<readstat_writer_t>
    private let sink: ByteSink
    private var variables: [UnsafeMutablePointer<readstat_variable_t>] = []
    private var labelSets: [String: UnsafeMutablePointer<readstat_label_set_t>] = [:]
    fileprivate var sinkError: Error?
    /// Reused NUL-terminated copy of a string cell (ReadStat takes C strings).
    private var cString: UnsafeMutablePointer<CChar>
    private var cStringCapacity = 256

    init(path: String, sink: ByteSink, format: ReadStatFileFormat) throws {
        guard let writer = readstat_writer_init() else {
            throw ReadStatError.unwritable(path: path, readStatMessage: "out of memory")
        }
        self.path = path
        self.format = format
        self.writer = writer
        self.sink = sink
        self.cString = .allocate(capacity: cStringCapacity)
        readstat_set_data_writer(writer, forwardToSink)
        switch format {
        case .zsav: readstat_writer_set_compression(writer, READSTAT_COMPRESS_BINARY)
        case .sav: readstat_writer_set_compression(writer, READSTAT_COMPRESS_ROWS)
        case .dta: break
        }
    }

    /// C strings ReadStat points to without copying, freed with the writer.
    private var retainedCStrings: [UnsafeMutablePointer<CChar>] = []

    deinit {
        readstat_writer_free(writer)
        cString.deallocate()
        for s in retainedCStrings { free(s) }
    }

    private func retainedCString(_ s: String) -> UnsafeMutablePointer<CChar>? {
        guard let copy = strdup(s) else { return nil }
        retainedCStrings.append(copy)
        return copy
    }

    func setFileLabel(_ label: String) throws {
        guard !label.isEmpty else { return }
        try check(readstat_writer_set_file_label(writer, label))
    }

    /// The time recorded in the header; the source's, so that a rewrite is reproducible.
    func setTimestamp(_ seconds: Int) throws {
        try check(readstat_writer_set_file_timestamp(writer, time_t(seconds)))
    }

    /// Stata only: the dta version (104–119) to write.
    func setStataVersion(_ version: Int) throws {
        guard format == .dta, (104...119).contains(version) else { return }
        try check(readstat_writer_set_file_format_version(writer, UInt8(version)))
    }

    /// Declares a value-label set; Stata takes only integral numeric keys (others are skipped).
    func addLabelSet(_ set: ReadStatLabelSet) {
        guard labelSets[set.name] == nil else { return }
        let type: readstat_type_t = set.isString ? READSTAT_TYPE_STRING : (format == .dta ? READSTAT_TYPE_INT32 : READSTAT_TYPE_DOUBLE)
        guard let handle = readstat_add_label_set(writer, type, set.name) else { return }
        for entry in set.labels {
            switch entry.value {
            case let .number(x):
                if format == .dta {
                    if let n = Int32(exactly: x) { readstat_label_int32_value(handle, n, entry.label) }
                } else {
                    readstat_label_double_value(handle, x, entry.label)
                }
            case let .string(s):
                readstat_label_string_value(handle, s, entry.label)
            case let .taggedMissing(tag):
                if let ascii = tag.asciiValue { readstat_label_tagged_value(handle, CChar(bitPattern: ascii), entry.label) }
            }
        }
        labelSets[set.name] = handle
    }

    /// Declares a variable with its metadata; returns its column index.
    func addVariable(_ v: ReadStatVariable) throws -> Int {
        let type = readStatType(v.storage)
        guard let handle = readstat_add_variable(writer, v.name, type, v.storage == .string ? v.storageWidth : 0) else {
            throw ReadStatError.unwritable(path: path, readStatMessage: "out of memory")
        }
        if !v.label.isEmpty { readstat_variable_set_label(handle, v.label) }
        if !v.displayFormat.isEmpty { readstat_variable_set_format(handle, v.displayFormat) }
        if v.displayWidth > 0 { readstat_variable_set_display_width(handle, Int32(v.displayWidth)) }
        readstat_variable_set_measure(handle, measure(v.measure))
        readstat_variable_set_alignment(handle, alignment(v.alignment))
        if let name = v.labelSetName, let set = labelSets[name] { readstat_variable_set_label_set(handle, set) }
        for range in v.missingValues {
            switch (range.low, range.high) {
            case let (.number(lo), .number(hi)):
                try check(lo == hi ? readstat_variable_add_missing_double_value(handle, lo)
                                   : readstat_variable_add_missing_double_range(handle, lo, hi))
            case let (.string(lo), .string(hi)):
                // ReadStat keeps these pointers (it does not copy), so they live as long as the writer.
                let low = retainedCString(lo), high = lo == hi ? low : retainedCString(hi)
                try check(lo == hi ? readstat_variable_add_missing_string_value(handle, low)
                                   : readstat_variable_add_missing_string_range(handle, low, high))
            default:
                continue
            }
        }
        variables.append(handle)
        return variables.count - 1
    }

    /// Writes the header; ReadStat needs the number of rows now.
    func begin(rowCount: Int) throws {
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        switch format {
        case .sav, .zsav: try check(readstat_begin_writing_sav(writer, ctx, rowCount))
        case .dta: try check(readstat_begin_writing_dta(writer, ctx, rowCount))
        }
        try check(readstat_validate_metadata(writer))
        for v in variables { try check(readstat_validate_variable(writer, v)) }
    }

    func beginRow() throws { try check(readstat_begin_row(writer)) }

    func endRow() throws { try check(readstat_end_row(writer)) }

    func end() throws { try check(readstat_end_writing(writer)) }

    /// Inserts a string cell (bytes copied and NUL-terminated).
    func insertString(_ bytes: UnsafeRawBufferPointer, column: Int) throws {
        if bytes.count + 1 > cStringCapacity {
            cString.deallocate()
            cStringCapacity = max(bytes.count + 1, cStringCapacity * 2)
            cString = .allocate(capacity: cStringCapacity)
        }
        if let base = bytes.baseAddress { UnsafeMutableRawPointer(cString).copyMemory(from: base, byteCount: bytes.count) }
        cString[bytes.count] = 0
        try check(readstat_insert_string_value(writer, variables[column], cString))
    }

    /// Inserts a numeric cell already parsed for the column's storage.
    func insertNumber(_ value: ParsedNumber, column: Int) throws {
        let v = variables[column]
        switch value {
        case .missing: try check(readstat_insert_missing_value(writer, v))
        case let .tagged(tag): try check(readstat_insert_tagged_missing_value(writer, v, tag))
        case let .integer(n):
            switch readstat_variable_get_type(v) {
            case READSTAT_TYPE_INT8: try check(readstat_insert_int8_value(writer, v, Int8(n)))
            case READSTAT_TYPE_INT16: try check(readstat_insert_int16_value(writer, v, Int16(n)))
            default: try check(readstat_insert_int32_value(writer, v, n))
            }
        case let .float(x): try check(readstat_insert_float_value(writer, v, x))
        case let .double(x): try check(readstat_insert_double_value(writer, v, x))
        }
    }

    private func check(_ code: readstat_error_t) throws {
        if let error = sinkError { throw error }
        guard code == READSTAT_OK else {
            throw ReadStatError.unwritable(path: path, readStatMessage: readStatMessage(code))
        }
    }

    fileprivate func forward(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard sinkError == nil else { return -1 }
        do {
            try sink.write(bytes)
            return bytes.count
        } catch {
            sinkError = error
            return -1
        }
    }
}

/// ReadStat's data-writer callback: `ctx` is the encoder passed to `readstat_begin_writing_*`.
private func forwardToSink(_ data: UnsafeRawPointer?, _ length: Int, _ ctx: UnsafeMutableRawPointer?) -> Int {
    guard let ctx else { return -1 }
    let encoder = Unmanaged<ReadStatEncoder>.fromOpaque(ctx).takeUnretainedValue()
    return encoder.forward(UnsafeRawBufferPointer(start: data, count: length))
}

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

private func measure(_ m: ReadStatMeasure) -> readstat_measure_t {
    switch m {
    case .unknown: return READSTAT_MEASURE_UNKNOWN
    case .nominal: return READSTAT_MEASURE_NOMINAL
    case .ordinal: return READSTAT_MEASURE_ORDINAL
    case .scale: return READSTAT_MEASURE_SCALE
    }
}

private func alignment(_ a: ReadStatAlignment) -> readstat_alignment_t {
    switch a {
    case .unknown: return READSTAT_ALIGNMENT_UNKNOWN
    case .left: return READSTAT_ALIGNMENT_LEFT
    case .center: return READSTAT_ALIGNMENT_CENTER
    case .right: return READSTAT_ALIGNMENT_RIGHT
    }
}
