import SluisIO

/// Writes an SPSS or Stata file through ReadStat's writer (`ReadStatCWriter`, the C wrapper).
///
/// ReadStat hands the bytes it produces to a "data writer" callback; this class forwards them
/// to a `ByteSink` (an `AtomicFile`, an encryptor, a hasher), parking any error the sink throws
/// and rethrowing it when ReadStat returns. Columns are addressed by index in the order added.
final class ReadStatEncoder {
    let path: String
    let format: ReadStatFileFormat
    private let writer: ReadStatCWriter
    private let forwarder: ReadStatWriteOutput
    private var variables: [ReadStatVariableHandle] = []
    private var labelSets: [String: ReadStatLabelSetHandle] = [:]
    /// Reused NUL-terminated copy of a string cell (ReadStat takes C strings).
    private var cString: UnsafeMutablePointer<CChar>
    private var cStringCapacity = 256

    init(path: String, sink: ByteSink, format: ReadStatFileFormat) throws {
        self.path = path
        self.format = format
        let forwarder = ReadStatWriteOutput(sink)
        let zlib: Bool? = format == .zsav ? true : format == .sav ? false : nil
        guard let writer = ReadStatCWriter(spssZlibCompressed: zlib, output: forwarder) else {
            throw ReadStatError.unwritable(path: path, readStatMessage: "out of memory")
        }
        self.forwarder = forwarder
        self.writer = writer
        self.cString = .allocate(capacity: cStringCapacity)
    }

    deinit {
        cString.deallocate()
    }

    func setFileLabel(_ label: String) throws {
        guard !label.isEmpty else { return }
        try check(writer.setFileLabel(label))
    }

    /// The time recorded in the header; the source's, so that a rewrite is reproducible.
    func setTimestamp(_ seconds: Int) throws {
        try check(writer.setTimestamp(seconds))
    }

    /// Stata only: the dta version (104–119) to write.
    func setStataVersion(_ version: Int) throws {
        guard format == .dta, (104...119).contains(version) else { return }
        try check(writer.setFormatVersion(UInt8(version)))
    }

    /// Declares a value-label set; Stata takes only integral numeric keys (others are skipped).
    func addLabelSet(_ set: ReadStatLabelSet) {
        guard labelSets[set.name] == nil else { return }
        let storage: ReadStatStorage = set.isString ? .string : (format == .dta ? .int32 : .double)
        guard let handle = writer.addLabelSet(storage: storage, name: set.name) else { return }
        for entry in set.labels {
            switch entry.value {
            case let .number(x):
                if format == .dta {
                    if let n = Int32(exactly: x) { handle.label(n, entry.label) }
                } else {
                    handle.label(x, entry.label)
                }
            case let .string(s):
                handle.label(s, entry.label)
            case let .taggedMissing(tag):
                if let ascii = tag.asciiValue { handle.label(tag: CChar(bitPattern: ascii), entry.label) }
            }
        }
        labelSets[set.name] = handle
    }

    /// Declares a variable with its metadata; returns its column index.
    func addVariable(_ v: ReadStatVariable) throws -> Int {
        guard let handle = writer.addVariable(name: v.name, storage: v.storage, width: v.storage == .string ? v.storageWidth : 0) else {
            throw ReadStatError.unwritable(path: path, readStatMessage: "out of memory")
        }
        if !v.label.isEmpty { writer.setLabel(handle, v.label) }
        if !v.displayFormat.isEmpty { writer.setFormat(handle, v.displayFormat) }
        if v.displayWidth > 0 { writer.setDisplayWidth(handle, v.displayWidth) }
        writer.setMeasure(handle, v.measure)
        writer.setAlignment(handle, v.alignment)
        if let name = v.labelSetName, let set = labelSets[name] { writer.setLabelSet(handle, set) }
        for range in v.missingValues {
            switch (range.low, range.high) {
            case let (.number(lo), .number(hi)):
                try check(writer.addMissing(handle, low: lo, high: hi))
            case let (.string(lo), .string(hi)):
                try check(writer.addMissing(handle, low: lo, high: hi))
            default:
                continue
            }
        }
        variables.append(handle)
        return variables.count - 1
    }

    /// Writes the header; ReadStat needs the number of rows now.
    func begin(rowCount: Int) throws {
        try check(writer.begin(stata: format == .dta, rowCount: rowCount))
        try check(writer.validateMetadata())
        for v in variables { try check(writer.validate(v)) }
    }

    func beginRow() throws { try check(writer.beginRow()) }

    func endRow() throws { try check(writer.endRow()) }

    func end() throws { try check(writer.end()) }

    /// Inserts a string cell (bytes copied and NUL-terminated).
    func insertString(_ bytes: UnsafeRawBufferPointer, column: Int) throws {
        if bytes.count + 1 > cStringCapacity {
            cString.deallocate()
            cStringCapacity = max(bytes.count + 1, cStringCapacity * 2)
            cString = .allocate(capacity: cStringCapacity)
        }
        if let base = bytes.baseAddress { UnsafeMutableRawPointer(cString).copyMemory(from: base, byteCount: bytes.count) }
        cString[bytes.count] = 0
        try check(writer.insertString(variables[column], cString))
    }

    /// Inserts a numeric cell already parsed for the column's storage.
    func insertNumber(_ value: ParsedNumber, column: Int) throws {
        let v = variables[column]
        switch value {
        case .missing: try check(writer.insertMissing(v))
        case let .tagged(tag): try check(writer.insertTaggedMissing(v, tag))
        case let .integer(n): try check(writer.insertInteger(v, n))
        case let .float(x): try check(writer.insertFloat(v, x))
        case let .double(x): try check(writer.insertDouble(v, x))
        }
    }

    private func check(_ status: ReadStatStatus) throws {
        if let error = forwarder.error { throw error }
        guard status.isOK else {
            throw ReadStatError.unwritable(path: path, readStatMessage: status.message)
        }
    }
}

/// Hands ReadStat's output to the sink, parking the first error the sink throws (ReadStat then
/// sees -1 and stops; `check` rethrows the parked error). The one type `ReadStatCWriter` hands
/// its bytes to (see `ReadStatParseHandler` for why it is fixed).
final class ReadStatWriteOutput {
    let sink: ByteSink
    var error: Error?
    init(_ sink: ByteSink) { self.sink = sink }

    func forward(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard error == nil else { return -1 }
        do {
            try sink.write(bytes)
            return bytes.count
        } catch {
            self.error = error
            return -1
        }
    }
}
