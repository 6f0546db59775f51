import SluisCore
import SluisIO

/// Writes rows as RFC 4180 CSV in a given dialect, quoting a field only when it holds the
/// delimiter, a double quote, CR or LF (and a lone empty field, so its row is not a blank line).
///
/// Output goes to the byte sink in blocks of at least `blockByteCount` (1 MiB by default), so an
/// encryptor behind it sees large writes. `finish()` flushes the last block; the sink itself is
/// finished by its owner.
public final class CSVWriter: RowSink {
    public let dialect: CSVDialect
    @exclusivity(unchecked) public private(set) var rowCount = 0
    @exclusivity(unchecked) public private(set) var byteCount: UInt64 = 0

    private let sink: ByteSink
    private let blockByteCount: Int
    @exclusivity(unchecked) private var buffer: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) private var used = 0
    @exclusivity(unchecked) private var needsQuote = [Bool](repeating: false, count: 256)
    private let lineEnding: [UInt8]

    public init(sink: ByteSink, dialect: CSVDialect = CSVDialect(), blockByteCount: Int = 1 << 20) {
        self.sink = sink
        self.dialect = dialect
        self.blockByteCount = max(blockByteCount, 64)
        self.capacity = self.blockByteCount * 2
        self.buffer = .allocate(byteCount: capacity, alignment: 64)
        self.lineEnding = dialect.lineEnding.bytes
        for c in [dialect.delimiter, CSVDialect.quote, 0x0A, 0x0D] { needsQuote[Int(c)] = true }
        if dialect.byteOrderMark { append([0xEF, 0xBB, 0xBF]) }
    }

    deinit { buffer.deallocate() }

    public func writeHeader(_ columns: [OutputColumn]) throws {
        try writeHeader(names: columns.map(\.name))
    }

    /// Writes a header row of column names.
    public func writeHeader(names: [String]) throws {
        let fields = FieldBuffer()
        for name in names { fields.append(Array(name.utf8)) }
        try writeRow(fields.view)
        rowCount -= 1
    }

    public func writeRow(_ fields: FieldView) throws {
        var worst = lineEnding.count + 2
        for k in 0..<fields.count { worst += 2 * fields[k].count + 3 }
        if used + worst > capacity { try flush(); reserve(worst) }
        let out = buffer.assumingMemoryBound(to: UInt8.self)
        var o = used
        let d = dialect.delimiter
        needsQuote.withUnsafeBufferPointer { nq in
            for k in 0..<fields.count {
                if k > 0 { out[o] = d; o += 1 }
                let f = fields[k]
                let n = f.count
                guard n > 0, let base = f.baseAddress else {
                    if fields.count == 1 { out[o] = 0x22; out[o + 1] = 0x22; o += 2 }
                    continue
                }
                let bytes = base.assumingMemoryBound(to: UInt8.self)
                var quote = false
                for i in 0..<n where nq[Int(bytes[i])] { quote = true; break }
                if !quote {
                    (buffer + o).copyMemory(from: base, byteCount: n)
                    o += n
                } else {
                    out[o] = 0x22; o += 1
                    for i in 0..<n {
                        let c = bytes[i]
                        if c == 0x22 { out[o] = 0x22; o += 1 }
                        out[o] = c; o += 1
                    }
                    out[o] = 0x22; o += 1
                }
            }
        }
        for b in lineEnding { out[o] = b; o += 1 }
        used = o
        rowCount += 1
        if used >= blockByteCount { try flush() }
    }

    public func finish() throws { try flush() }

    /// Hands the buffered bytes to the sink.
    public func flush() throws {
        guard used > 0 else { return }
        try sink.write(UnsafeRawBufferPointer(start: buffer, count: used))
        byteCount += UInt64(used)
        used = 0
    }

    private func append(_ bytes: [UInt8]) {
        reserve(bytes.count)
        for b in bytes { buffer.storeBytes(of: b, toByteOffset: used, as: UInt8.self); used += 1 }
    }

    private func reserve(_ extra: Int) {
        guard used + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < used + extra { newCapacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 64)
        grown.copyMemory(from: buffer, byteCount: used)
        buffer.deallocate()
        buffer = grown
        capacity = newCapacity
    }
}
