import SluisCore
import SluisIO

/// Writes rows as RFC 4180 CSV in a given dialect, quoting a field only when it holds the
/// delimiter, a double quote, CR or LF (and a lone empty field, so its row is not a blank line).
///
/// Output goes to the byte sink in blocks of at least `blockByteCount` (1 MiB by default), so an
/// encryptor behind it sees large writes. `finish()` flushes the last block; the sink itself is
/// finished by its owner.
public final class CSVWriter: RowSink {
    /// The dialect written (delimiter, line ending, byte order mark).
    public let dialect: CSVDialect
    /// Data rows written (the header not counted).
    @exclusivity(unchecked) public private(set) var rowCount = 0
    /// Bytes handed to the sink so far.
    @exclusivity(unchecked) public private(set) var byteCount: UInt64 = 0

    private let sink: ByteSink
    private let blockByteCount: Int
    @exclusivity(unchecked) private var buffer: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) private var used = 0
    @exclusivity(unchecked) private var needsQuote = [Bool](repeating: false, count: 256)
    private let lineEnding: [UInt8]

    /// A writer into `sink`; with a byte order mark in the dialect it is written first.
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

    /// Writes the header row: the output columns' names.
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

    /// Writes one row, quoting only the fields that need it.
    public func writeRow(_ fields: FieldView) throws {
        var worst = lineEnding.count + 2
        for k in 0..<fields.count { worst += 2 * fields[k].count + 3 }
        if used + worst > capacity { try flush(); reserve(worst) }
        let out = buffer.assumingMemoryBound(to: UInt8.self)
        var o = used
        let d = dialect.delimiter
        let dWord = UInt64(d) &* 0x0101_0101_0101_0101
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
                // Check and copy eight bytes at a time (SWAR): fields are short, so a call to
                // memmove and a per-byte table lookup cost more than the copy itself. Bytes
                // copied before a special byte is found are overwritten by the quoted form.
                var quote = false
                var i = 0
                while i &+ 8 <= n {
                    let w = UnsafeRawPointer(bytes + i).loadUnaligned(as: UInt64.self)
                    if Self.hasSpecialByte(w, delimiterWord: dWord) { quote = true; break }
                    (buffer + o + i).storeBytes(of: w, as: UInt64.self)
                    i &+= 8
                }
                if !quote {
                    while i < n {
                        let c = bytes[i]
                        if nq[Int(c)] { quote = true; break }
                        out[o + i] = c
                        i += 1
                    }
                }
                if !quote {
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

    /// Appends rows already formatted in this writer's dialect, exactly as `writeRow` would
    /// have written them (`FilePipeline` formats its batches on the reading thread), and passes
    /// them straight to the byte sink: no copy into this writer's buffer.
    public func writeFormatted(_ bytes: UnsafeRawBufferPointer, rowCount rows: Int) throws {
        try flush()
        if bytes.count > 0 {
            try sink.write(bytes)
            byteCount += UInt64(bytes.count)
        }
        rowCount += rows
    }

    /// True when a byte of `w` is the delimiter, a double quote, CR or LF. (The classic
    /// has-zero-byte test: never wrong about whether there is one.)
    @inlinable @inline(__always)
    public static func hasSpecialByte(_ w: UInt64, delimiterWord: UInt64) -> Bool {
        @inline(__always) func zero(_ x: UInt64) -> UInt64 { (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 }
        return (zero(w ^ delimiterWord) | zero(w ^ 0x2222_2222_2222_2222) | zero(w ^ 0x0A0A_0A0A_0A0A_0A0A)
                | zero(w ^ 0x0D0D_0D0D_0D0D_0D0D)) != 0
    }

    /// Hands the last block to the sink; the sink itself is finished by its owner.
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
        growBuffer(&buffer, capacity: &capacity, used: used, needed: used + extra, alignment: 64)
    }
}
