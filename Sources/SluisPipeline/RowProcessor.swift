import SluisCore
import SluisCrypto
import SluisFormats

/// The reading thread's per-row work: keeps, normalises and generalises each field and packs
/// the output row into the current `RowBatch`. Pseudonyms and the residual scan of kept values
/// are left pending in the batch for whichever thread has time (`BatchConsumer.prepare`): both
/// only read what is already packed, and the scan's findings are counted in batch order, so
/// the report is the same whichever thread did the work.
///
/// Why a class of plain arrays: the step list as an enum with class payloads, or state captured
/// by a closure, costs a retain and release per field — more than the work itself at 10 M rows.
/// Everything here is a flat array or a value, and the batch is held `unowned(unsafe)` (its
/// owner, `FilePipeline.run`, keeps it alive).
///
/// With a CSV sink (`csv` set), rows are packed as that sink's CSV text (delimiters, quoting,
/// line endings, exactly as `CSVWriter.writeRow` writes them), with the pseudonyms' places
/// reserved: the writing thread fills those in and passes the batch on as it is. Why: packing
/// the fields here and formatting them there copied and checked every output byte twice, and
/// that formatting was ~17% of the writing thread, the busier of the two.
final class RowProcessor {
    /// Per source column: 0 keep, 4 keep and scan, 1 drop, 2 pseudonymise, 3 generalise,
    /// 5 pseudonymise through codes (`"codes"` or value labels), 6 ignore but require empty (an
    /// unclassified column with an empty name).
    let codes: [UInt8]
    /// Per source column: the scan slot (keep) or the identifier slot (pseudonymise, generalise).
    let slots: [Int]
    /// Per source column: the output column index (for invalid counts).
    let outputs: [Int]
    let kinds: [IdentifierKind]
    let policies: [InvalidIdentifierPolicy]
    /// Per identifier slot: the pseudonymiser index on the writing thread, or -1 (none: dry run or generalise).
    let macIndex: [Int]
    let generalisations: [Generalisation]
    /// Composite pseudonyms: source columns and kinds in domain order, their pseudonymiser index, policy, output.
    let compositeParts: [[(source: Int, kind: IdentifierKind)]]
    /// Per identifier slot: the codes of a coded column (code 5), else nil.
    let slotCodes: [ValueCodes?]
    /// Per composite and part (domain order): the part's codes, else nil.
    let compositeCodes: [[ValueCodes?]]
    /// Per composite: whether any part is coded.
    let compositeCoded: [Bool]
    let compositeMac: [Int]
    let compositePolicies: [InvalidIdentifierPolicy]
    let compositeOutputs: [Int]
    let width: Int
    let path: String
    let sourceNames: [String]
    /// CSV packing (see above): the output delimiter (as one byte and in every byte of a word),
    /// whether lines end in CR LF, and the number of output fields per row.
    private let csvMode: Bool
    private let csvDelimiter: UInt8
    private let csvDelimiterWord: UInt64
    private let csvCRLF: Bool
    private let outputFieldCount: Int
    /// The per-column tables above as plain memory for `process`: reading a class's array
    /// property per field costs a retain and release (measured 4% of the reading thread).
    private let codeTable: UnsafeMutableBufferPointer<UInt8>
    private let slotTable: UnsafeMutableBufferPointer<Int>
    private let outputTable: UnsafeMutableBufferPointer<Int>
    private let kindTable: UnsafeMutableBufferPointer<IdentifierKind>
    private let policyTable: UnsafeMutableBufferPointer<InvalidIdentifierPolicy>
    private let macTable: UnsafeMutableBufferPointer<Int>
    private let generalisationTable: UnsafeMutableBufferPointer<Generalisation>

    /// The batch being filled. Its buffers are used through the cursor below, a copy of its
    /// pointers and counts kept in this object, so the hot path touches no other object.
    private(set) var batch: RowBatch
    @exclusivity(unchecked) private var bytes: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var byteCapacity = 0
    @exclusivity(unchecked) private var used = 0
    @exclusivity(unchecked) private var starts: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private var ends: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private var fieldCount = 0
    @exclusivity(unchecked) private var rowCount = 0
    @exclusivity(unchecked) private var messages: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var messageCapacity = 0
    @exclusivity(unchecked) private var messageUsed = 0
    @exclusivity(unchecked) private var pending: UnsafeMutablePointer<RowBatch.Pending>
    @exclusivity(unchecked) private var pendingCount = 0
    @exclusivity(unchecked) private var scans: UnsafeMutablePointer<RowBatch.ScanJob>
    @exclusivity(unchecked) private var scanCount = 0
    @exclusivity(unchecked) private var scanLimit = 0
    @exclusivity(unchecked) private var rowMark = (used: 0, fields: 0, messages: 0, pending: 0, scans: 0)
    @exclusivity(unchecked) private var fieldLimit = 0
    @exclusivity(unchecked) private var pendingLimit = 0
    @exclusivity(unchecked) var normalised: [UInt8] = []
    @exclusivity(unchecked) var message: [UInt8] = []
    /// Invalid identifiers per output column, failing source column (the part, for a composite)
    /// and reason.
    @exclusivity(unchecked) var invalid: [InvalidIdentifierKey: LineTally] = [:]
    @exclusivity(unchecked) var rowsIn = 0
    @exclusivity(unchecked) var rowsOut = 0
    @exclusivity(unchecked) var rejected = 0

    init(codes: [UInt8], slots: [Int], outputs: [Int], kinds: [IdentifierKind], policies: [InvalidIdentifierPolicy],
         macIndex: [Int], generalisations: [Generalisation], compositeParts: [[(source: Int, kind: IdentifierKind)]],
         slotCodes: [ValueCodes?], compositeCodes: [[ValueCodes?]], compositeMac: [Int], compositePolicies: [InvalidIdentifierPolicy], compositeOutputs: [Int],
         width: Int, path: String, sourceNames: [String], batch: RowBatch,
         csv: CSVDialect? = nil, outputFieldCount: Int = 0) {
        csvMode = csv != nil
        csvDelimiter = csv?.delimiter ?? 0x2C
        csvDelimiterWord = UInt64(csvDelimiter) &* 0x0101_0101_0101_0101
        csvCRLF = csv?.lineEnding == .crlf
        self.outputFieldCount = outputFieldCount
        self.codes = codes
        self.slots = slots
        self.outputs = outputs
        self.kinds = kinds
        self.policies = policies
        self.macIndex = macIndex
        self.generalisations = generalisations
        self.compositeParts = compositeParts
        self.slotCodes = slotCodes
        self.compositeCodes = compositeCodes
        self.compositeCoded = compositeCodes.map { $0.contains { $0 != nil } }
        self.compositeMac = compositeMac
        self.compositePolicies = compositePolicies
        self.compositeOutputs = compositeOutputs
        self.width = width
        self.path = path
        self.sourceNames = sourceNames
        self.batch = batch
        codeTable = Self.table(codes)
        slotTable = Self.table(slots)
        outputTable = Self.table(outputs)
        kindTable = Self.table(kinds)
        policyTable = Self.table(policies)
        macTable = Self.table(macIndex)
        generalisationTable = Self.table(generalisations)
        self.bytes = batch.bytes
        self.starts = batch.starts
        self.ends = batch.ends
        self.messages = batch.messages
        self.pending = batch.pending
        self.scans = batch.scans
        attach(batch)
    }

    // MARK: the batch cursor

    /// Starts filling `batch` (empty).
    func attach(_ batch: RowBatch) {
        self.batch = batch
        bytes = batch.bytes; byteCapacity = batch.byteCapacity; used = batch.used
        starts = batch.starts; ends = batch.ends; fieldCount = batch.fieldCount; rowCount = batch.rowCount
        messages = batch.messages; messageCapacity = batch.messageCapacity; messageUsed = batch.messageUsed
        pending = batch.pending; pendingCount = batch.pendingCount
        scans = batch.scans; scanCount = batch.scanCount; scanLimit = batch.scanCapacity - batch.fieldsPerRow
        fieldLimit = batch.fieldCapacity - batch.fieldsPerRow
        pendingLimit = batch.pendingCapacity - batch.fieldsPerRow
    }

    /// Writes the cursor's counts back into the batch (before it is handed over or grown).
    func detach() {
        batch.used = used; batch.fieldCount = fieldCount; batch.rowCount = rowCount
        batch.messageUsed = messageUsed; batch.pendingCount = pendingCount; batch.scanCount = scanCount
    }

    /// Full enough to hand over: a row might not fit any more.
    var isFull: Bool { used >= RowBatch.targetByteCount || fieldCount > fieldLimit || pendingCount > pendingLimit || scanCount > scanLimit }

    @inline(__always)
    private func appendField(_ field: UnsafeRawBufferPointer) {
        if csvMode { appendCSVField(field); return }
        let n = field.count
        if used + n > byteCapacity { grow(bytes: n, messages: 0) }
        // swift-format-ignore: NeverForceUnwrap
        // Safe: n > 0: a non-empty buffer has a base address.
        if n > 0 { copyShort(from: field.baseAddress!, to: bytes + used, count: n) }
        starts[fieldCount] = used
        used += n
        ends[fieldCount] = used
        fieldCount += 1
    }

    /// Copies `n` bytes, eight at a time for short fields: most fields are a few bytes, and a
    /// call to memmove for each measured several percent of the reading thread.
    @inline(__always)
    private func copyShort(from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, count n: Int) {
        guard n <= 32 else { destination.copyMemory(from: source, byteCount: n); return }
        var i = 0
        while i &+ 8 <= n {
            destination.storeBytes(of: (source + i).loadUnaligned(as: UInt64.self), toByteOffset: i, as: UInt64.self)
            i &+= 8
        }
        while i < n {
            destination.storeBytes(of: source.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self)
            i &+= 1
        }
    }

    /// Appends `field` as CSV followed by the delimiter (`endCSVRow` turns the row's last one
    /// into the line ending). Unquoted fields are checked and copied eight bytes at a time.
    @inline(__always)
    private func appendCSVField(_ field: UnsafeRawBufferPointer) {
        let n = field.count
        if used &+ 2 &* n &+ 4 > byteCapacity { grow(bytes: 2 &* n &+ 4, messages: 0) }
        let out = bytes + used
        var quote = false
        if n > 0 {
            // swift-format-ignore: NeverForceUnwrap
            // Safe: n > 0: a non-empty buffer has a base address.
            let source = field.baseAddress!
            let d = csvDelimiter
            var i = 0
            while i &+ 8 <= n {
                let w = (source + i).loadUnaligned(as: UInt64.self)
                if CSVWriter.hasSpecialByte(w, delimiterWord: csvDelimiterWord) { quote = true; break }
                out.storeBytes(of: w, toByteOffset: i, as: UInt64.self)
                i &+= 8
            }
            if !quote {
                while i < n {
                    let c = source.load(fromByteOffset: i, as: UInt8.self)
                    if c == d || c == 0x22 || c == 0x0A || c == 0x0D { quote = true; break }
                    out.storeBytes(of: c, toByteOffset: i, as: UInt8.self)
                    i &+= 1
                }
            }
        }
        starts[fieldCount] = used
        if quote {
            used = appendQuoted(field, at: used)
        } else if n == 0 && outputFieldCount == 1 {
            used = appendEmptyQuotes(at: used)
        } else {
            used &+= n
        }
        ends[fieldCount] = used
        bytes.storeBytes(of: csvDelimiter, toByteOffset: used, as: UInt8.self)
        used &+= 1
        fieldCount &+= 1
    }

    /// The quoted form of a field holding a special byte: quotes doubled, the whole in quotes.
    @inline(never)
    private func appendQuoted(_ field: UnsafeRawBufferPointer, at start: Int) -> Int {
        var o = start
        bytes.storeBytes(of: 0x22 as UInt8, toByteOffset: o, as: UInt8.self); o += 1
        for c in field {
            if c == 0x22 { bytes.storeBytes(of: 0x22 as UInt8, toByteOffset: o, as: UInt8.self); o += 1 }
            bytes.storeBytes(of: c, toByteOffset: o, as: UInt8.self); o += 1
        }
        bytes.storeBytes(of: 0x22 as UInt8, toByteOffset: o, as: UInt8.self); o += 1
        return o
    }

    /// A lone empty field is written `""`, so its row is not a blank line (as `CSVWriter` does).
    @inline(never)
    private func appendEmptyQuotes(at start: Int) -> Int {
        bytes.storeBytes(of: 0x22 as UInt8, toByteOffset: start, as: UInt8.self)
        bytes.storeBytes(of: 0x22 as UInt8, toByteOffset: start + 1, as: UInt8.self)
        return start + 2
    }

    /// Ends a CSV row: its last delimiter becomes the line ending (room for one more byte was
    /// reserved with each field).
    @inline(__always)
    private func endCSVRow() {
        if fieldCount > rowMark.fields { used &-= 1 } else if used &+ 2 > byteCapacity { grow(bytes: 2, messages: 0) }
        if csvCRLF {
            bytes.storeBytes(of: 0x0D as UInt8, toByteOffset: used, as: UInt8.self)
            used &+= 1
        }
        bytes.storeBytes(of: 0x0A as UInt8, toByteOffset: used, as: UInt8.self)
        used &+= 1
    }

    @inline(__always)
    func appendEmpty() {
        if csvMode { appendCSVField(UnsafeRawBufferPointer(start: nil, count: 0)); return }
        starts[fieldCount] = used
        ends[fieldCount] = used
        fieldCount += 1
    }

    /// Reserves `width` bytes for the pseudonym of `message` (copied), computed later by the writing thread.
    @inline(__always)
    func appendPseudonym(pseudonymiser index: Int, message: UnsafeRawBufferPointer) {
        let n = message.count
        // CSV: the rendered pseudonym (digits) never needs quoting; one more byte for the delimiter and one spare.
        let reserve = csvMode ? width &+ 2 : width
        if used + reserve > byteCapacity || messageUsed + n > messageCapacity { grow(bytes: reserve, messages: n) }
        // swift-format-ignore: NeverForceUnwrap
        // Safe: n > 0: a non-empty buffer has a base address.
        if n > 0 { (messages + messageUsed).copyMemory(from: message.baseAddress!, byteCount: n) }
        pending[pendingCount] = RowBatch.Pending(field: fieldCount, pseudonymiser: index, messageStart: messageUsed, messageEnd: messageUsed + n)
        pendingCount += 1
        messageUsed += n
        starts[fieldCount] = used
        used += width
        ends[fieldCount] = used
        if csvMode {
            bytes.storeBytes(of: csvDelimiter, toByteOffset: used, as: UInt8.self)
            used &+= 1
        }
        fieldCount += 1
    }

    /// Leaves kept value `value`, just packed as the last field, to be scanned for residual
    /// identifiers by whichever thread prepares the batch. Values shorter than the shortest
    /// finding are skipped here; a value packed in quotes is scanned now (its packed bytes are
    /// not the value).
    @inline(__always)
    private func scanLater(_ value: UnsafeRawBufferPointer, slot: Int, line: Int) {
        guard value.count >= ResidualScanner.minimumByteCount else { return }
        let start = starts[fieldCount &- 1], end = ends[fieldCount &- 1]
        let found = end &- start == value.count ? RowBatch.unscanned : ResidualScanner.scan(value)
        scans[scanCount] = RowBatch.ScanJob(line: line, start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: end),
                                            slot: Int32(truncatingIfNeeded: slot), found: found)
        scanCount &+= 1
    }

    /// A rejected row's bytes are dropped, but its kept values were scanned before (their
    /// findings count, as they always have): scan them now, while their bytes are still here.
    @inline(never)
    private func scanRejectedRow() {
        for j in rowMark.scans..<scanCount where scans[j].found == RowBatch.unscanned {
            let job = scans[j]
            scans[j].found = ResidualScanner.scan(UnsafeRawBufferPointer(start: bytes + Int(job.start), count: Int(job.end - job.start)))
        }
    }

    @inline(never)
    private func grow(bytes extraBytes: Int, messages extraMessages: Int) {
        detach()
        if used + extraBytes > byteCapacity { batch.growBytes(extraBytes) }
        if messageUsed + extraMessages > messageCapacity { batch.growMessages(extraMessages) }
        attach(batch)
    }

    deinit {
        for i in normalised.indices { normalised[i] = 0 }
        for i in message.indices { message[i] = 0 }
        codeTable.deallocate(); slotTable.deallocate(); outputTable.deallocate(); kindTable.deallocate()
        policyTable.deallocate(); macTable.deallocate(); generalisationTable.deallocate()
    }

    private static func table<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
        let t = UnsafeMutableBufferPointer<T>.allocate(capacity: max(values.count, 1))
        _ = t.initialize(from: values)
        return UnsafeMutableBufferPointer(start: t.baseAddress, count: values.count)
    }

    /// Processes one row into the current batch (which must have room for a row).
    func process(_ row: FieldView, line: Int) throws {
        rowsIn += 1
        rowMark = (used, fieldCount, messageUsed, pendingCount, scanCount)
        var reject = false
        let count = codeTable.count
        let codes = codeTable, slots = slotTable, outputs = outputTable, kinds = kindTable
        let policies = policyTable, macIndex = macTable, generalisations = generalisationTable
        // The scratch value as a local for the row: a class's array property passed to
        // `withUnsafeBytes` is retained and released per field.
        var normalised: [UInt8] = []
        swap(&normalised, &self.normalised)
        defer { swap(&normalised, &self.normalised) }
        for index in 0..<count {
            switch codes[index] {
            case 0:
                appendField(row[index])
            case 4:
                let value = row[index]
                appendField(value)
                scanLater(value, slot: slots[index], line: line)
            case 1:
                continue
            case 2:
                let slot = slots[index]
                let value = row[index]
                // Nine plain digits that pass the 11-check are their own normal form (Normaliser.bsn).
                if kinds[slot] == .bsn && value.count == 9 && macIndex[slot] >= 0 && Normaliser.passesElevenCheck(value) {
                    appendPseudonym(pseudonymiser: macIndex[slot], message: value)
                } else if let failure = Normaliser.normalise(kinds[slot], row[index], into: &normalised) {
                    if kinds[slot] == .sex { try refuseNumericCode(row[index], failure: failure, line: line, column: index) }
                    try invalidValue(failure, output: outputs[index], policy: policies[slot], kind: kinds[slot].rawValue,
                                     line: line, column: index, reject: &reject)
                    appendEmpty()
                } else if macIndex[slot] >= 0 {
                    let mac = macIndex[slot]
                    normalised.withUnsafeBytes { appendPseudonym(pseudonymiser: mac, message: $0) }
                } else {
                    appendEmpty()
                }
            case 5:
                let slot = slots[index]
                if let failure = Self.normaliseCoded(slotCodes[slot], kinds[slot], row[index], into: &normalised) {
                    try invalidValue(failure, output: outputs[index], policy: policies[slot], kind: kinds[slot].rawValue,
                                     line: line, column: index, reject: &reject)
                    appendEmpty()
                } else if macIndex[slot] >= 0 {
                    let mac = macIndex[slot]
                    normalised.withUnsafeBytes { appendPseudonym(pseudonymiser: mac, message: $0) }
                } else {
                    appendEmpty()
                }
            case 6:
                if row[index].count != 0 { throw PipelineError.valueInUnnamedColumn(at: position(line: line, column: index)) }
            default:
                try generaliseField(row[index], index: index, slot: slots[index], line: line, reject: &reject, normalised: &normalised)
            }
        }
        if !compositeParts.isEmpty { try processComposites(row, line: line, normalised: &normalised, reject: &reject) }
        if reject {
            rejected += 1
            if scanCount > rowMark.scans { scanRejectedRow() }
            (used, fieldCount, messageUsed, pendingCount) = (rowMark.used, rowMark.fields, rowMark.messages, rowMark.pending)
        } else {
            if csvMode { endCSVRow() }
            rowsOut += 1
            rowCount += 1
        }
    }

    /// Generalises column `index` (identifier slot `slot`) and packs the result; an invalid value
    /// is counted and handled by its column's policy.
    @inline(__always)
    private func generaliseField(_ value: UnsafeRawBufferPointer, index: Int, slot: Int, line: Int, reject: inout Bool,
                                 normalised: inout [UInt8]) throws {
        let g = generalisationTable[slot]
        if let prefix = Self.datePrefix(g) {
            // Dates to a year or year-month as Generaliser does, packed without an array in between.
            var year = 0, month = 0, day = 0
            if let failure = Normaliser.parseDate(value, year: &year, month: &month, day: &day) {
                try invalidValue(failure, output: outputTable[index], policy: policyTable[slot], kind: g.name,
                                 line: line, column: index, reject: &reject)
                appendEmpty()
            } else {
                Normaliser.withISODate(year: year, month: month, day: day, prefix: prefix) { appendField($0) }
            }
        } else if let failure = Generaliser.generalise(g, value, into: &normalised) {
            try invalidValue(failure, output: outputTable[index], policy: policyTable[slot], kind: g.name,
                             line: line, column: index, reject: &reject)
            appendEmpty()
        } else {
            normalised.withUnsafeBytes { appendField($0) }
        }
    }

    /// How many bytes of `YYYY-MM-DD` a date generalisation keeps, or nil for the others.
    @inline(__always)
    private static func datePrefix(_ g: Generalisation) -> Int? {
        switch g {
        case .year: return 4
        case .yearMonth: return 7
        default: return nil
        }
    }
}
