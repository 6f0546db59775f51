import SluisCore
import SluisIO

/// A streaming, byte-level RFC 4180 reader: `read(2)` in large blocks, a quote-aware scan, and
/// rows handed out as byte ranges into the block, so memory stays flat however large the file.
///
/// Why its own parser: the CSV packages on the mirror are ~60× slower and load whole files
/// (shared/platform-notes.md). Rows without quotes or non-ASCII bytes are handed out in place,
/// without copying; other rows are unquoted, validated (UTF-8) or transcoded (Windows-1252,
/// ISO-8859-1) field by field into a row buffer, so errors can name the line and column.
///
/// Accepted: `,` `;` tab `|` delimiters (detected from the header when not given), LF and CRLF
/// line endings (a lone CR is data), a UTF-8 byte order mark, quoted fields with embedded
/// delimiters, doubled quotes and line breaks. A quote inside an unquoted field is data. Blank
/// lines are skipped when the header has more than one column.
public final class CSVReader: RowSource {
    /// The file read, for messages.
    public let path: String
    /// The header's column names (`#N` for an unnamed column).
    public private(set) var columnNames: [String] = []
    /// The (0-based) columns whose header name is empty or white space; `columnNames` calls them `#N`.
    public private(set) var unnamedColumns: Set<Int> = []
    /// The dialect found: the delimiter (given or detected), the header's line ending, and whether a BOM was present.
    public private(set) var dialect = CSVDialect()
    /// How the file's bytes are decoded (everything is handed out as UTF-8).
    public let encoding: TextEncoding
    /// Data rows delivered so far.
    @exclusivity(unchecked) public private(set) var rowCount = 0
    /// Bytes read from the source so far.
    @exclusivity(unchecked) public private(set) var byteCount: UInt64 = 0

    private let source: ByteSource
    private let blockByteCount: Int
    private let maximumRowByteCount: Int
    @exclusivity(unchecked) var buffer: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) var end = 0
    @exclusivity(unchecked) var atEndOfInput = false
    @exclusivity(unchecked) var line = 1
    @exclusivity(unchecked) var starts: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) var ends: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) var fieldCapacity = 64
    /// 1 for the bytes that end an unquoted field: the delimiter, LF and CR.
    let classes = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    private let rowBuffer = FieldBuffer()
    @exclusivity(unchecked) private var scratch: [UInt8] = []

    /// Opens `source` and reads the header. `delimiter` nil means: detect it from the header line.
    public init(source: ByteSource, path: String, delimiter: UInt8? = nil, encoding: TextEncoding = .utf8,
                blockByteCount: Int = 1 << 20, maximumRowByteCount: Int = 64 << 20) throws {
        self.source = source
        self.path = path
        self.encoding = encoding
        self.blockByteCount = max(blockByteCount, 16)
        self.maximumRowByteCount = max(maximumRowByteCount, self.blockByteCount)
        self.capacity = self.blockByteCount
        self.buffer = .allocate(byteCount: capacity, alignment: 64)
        self.starts = .allocate(capacity: fieldCapacity)
        self.ends = .allocate(capacity: fieldCapacity)
        classes.initialize(repeating: 0, count: 256)
        try readHeader(configuredDelimiter: delimiter)
    }

    /// Opens the file at `path`.
    public convenience init(path: String, delimiter: UInt8? = nil, encoding: TextEncoding = .utf8) throws {
        try self.init(source: try FileInput(path: path), path: path, delimiter: delimiter, encoding: encoding)
    }

    deinit {
        // The block held raw identifiers: clear it before the memory is reused.
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: capacity)
        buffer.deallocate()
        starts.deallocate()
        ends.deallocate()
        classes.deallocate()
    }

    /// Whether `scanPlainRow` is tried first (true except in tests, which compare both scans).
    nonisolated(unsafe) static var scansPlainRows = true

    /// Streams every data row to `body` with its 1-based line number; a row with the wrong number of fields is an error naming its line.
    public func forEachRow(_ body: (FieldView, Int) throws -> Void) throws {
        let width = columnNames.count
        let plainFirst = Self.scansPlainRows
        while true {
            if start >= end {
                if atEndOfInput { return }
                try refill()
                continue
            }
            var fieldCount = 0, high: UInt8 = 0, quoted = false, newlines = 0
            var next = plainFirst ? scanPlainRow(from: start, fieldCount: &fieldCount, high: &high) : -1
            if next < 0 {
                next = try scanRow(from: start, fieldCount: &fieldCount, high: &high, quoted: &quoted, newlines: &newlines)
                if next < 0 { try refill(); continue }
            }
            let rowLine = line
            start = next
            line += 1 + newlines
            if fieldCount == 1 && width > 1 && ends[0] == starts[0] { continue }  // blank line
            guard fieldCount == width else {
                throw CSVError.raggedRow(file: path, line: rowLine, expectedFieldCount: width, foundFieldCount: fieldCount)
            }
            rowCount += 1
            if !quoted && (high < 0x80 || (encoding == .utf8 && isValidUTF8Row(fieldCount: fieldCount))) {
                try body(FieldView(base: UnsafeRawPointer(buffer), starts: UnsafePointer(starts), ends: UnsafePointer(ends), count: fieldCount), rowLine)
            } else if encoding == .utf8 {
                try decodeRowInPlace(fieldCount: fieldCount, line: rowLine)
                try body(FieldView(base: UnsafeRawPointer(buffer), starts: UnsafePointer(starts), ends: UnsafePointer(ends), count: fieldCount), rowLine)
            } else {
                try decodeRow(fieldCount: fieldCount, line: rowLine)
                try body(rowBuffer.view, rowLine)
            }
        }
    }

    func position(line: Int, column index: Int) -> SourcePosition {
        SourcePosition(file: path, line: line, columnNumber: index + 1,
                       columnName: index < columnNames.count ? columnNames[index] : nil)
    }

    /// True when the unquoted row's bytes, delimiters included, are valid UTF-8: then so is each
    /// field (a delimiter is ASCII, so no sequence spans two fields), and one pass does for all.
    /// When false, `decodeRowInPlace` finds the field to name in the error.
    @inline(__always)
    private func isValidUTF8Row(fieldCount: Int) -> Bool {
        let s = starts[0], e = ends[fieldCount - 1]
        return UTF8Text.isValid(UnsafeRawBufferPointer(start: buffer + s, count: e - s))
    }

    /// UTF-8 rows with quotes or non-ASCII bytes: unquotes in place (the row is fully scanned
    /// and never scanned again, and unquoting only shortens a field) and validates UTF-8, so the
    /// row is still handed out without copying.
    private func decodeRowInPlace(fieldCount: Int, line rowLine: Int) throws {
        let p = buffer.assumingMemoryBound(to: UInt8.self)
        let quote = CSVDialect.quote
        var fieldLine = rowLine
        for k in 0..<fieldCount {
            let s = starts[k]
            let e = ends[k]
            var high: UInt8 = 0
            var newlines = 0
            if e > s && p[s] == quote {
                var r = s + 1
                var w = s
                let last = e - 1  // the closing quote
                while r < last {
                    let c = p[r]
                    p[w] = c
                    w += 1
                    r += c == quote ? 2 : 1
                    high |= c
                    if c == 0x0A { newlines += 1 }
                }
                ends[k] = w
            } else {
                for i in s..<e { high |= p[i] }
            }
            if high >= 0x80 && !UTF8Text.isValid(UnsafeRawBufferPointer(start: p + s, count: ends[k] - s)) {
                throw CSVError.invalidByteSequence(at: position(line: fieldLine, column: k), encoding: encoding)
            }
            fieldLine += newlines
        }
    }

    /// Unquotes and transcodes (single-byte encodings) the fields of the current row into `rowBuffer`.
    private func decodeRow(fieldCount: Int, line rowLine: Int) throws {
        rowBuffer.removeAll()
        let p = UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self)
        var fieldLine = rowLine
        for k in 0..<fieldCount {
            var s = starts[k]
            var e = ends[k]
            scratch.removeAll(keepingCapacity: true)
            var high: UInt8 = 0
            let isQuoted = e > s && p[s] == CSVDialect.quote
            if isQuoted { s += 1; e -= 1 }
            var i = s
            var newlines = 0
            while i < e {
                let c = p[i]
                if isQuoted && c == CSVDialect.quote { i += 1 }  // the first of a doubled quote
                if c == 0x0A { newlines += 1 }
                high |= c
                if c < 0x80 || encoding == .utf8 {
                    scratch.append(c)
                } else {
                    guard let v = TextTranscoding.scalar(of: c, in: encoding) else {
                        throw CSVError.invalidByteSequence(at: position(line: fieldLine, column: k), encoding: encoding)
                    }
                    appendScalar(v)
                }
                i += 1
            }
            if high >= 0x80 && encoding == .utf8 {
                let valid = scratch.withUnsafeBytes { UTF8Text.isValid($0) }
                if !valid { throw CSVError.invalidByteSequence(at: position(line: fieldLine, column: k), encoding: encoding) }
            }
            rowBuffer.append(scratch)
            fieldLine += newlines
        }
        scratch.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) }
    }

    private func appendScalar(_ v: UInt32) {
        // Single-byte code pages map only into the Basic Multilingual Plane: always a scalar.
        if let scalar = Unicode.Scalar(v) { UTF8Text.append(scalar, to: &scratch) }
    }

    // MARK: buffering

    /// Moves the unparsed tail to the front and reads more; grows the buffer when one row fills it.
    private func refill() throws {
        if start > 0 {
            let remaining = end - start
            if remaining > 0 { buffer.copyMemory(from: buffer + start, byteCount: remaining) }
            end = remaining
            start = 0
        }
        if end == capacity {
            guard capacity < maximumRowByteCount else {
                throw CSVError.rowTooLong(file: path, line: line, limitByteCount: maximumRowByteCount)
            }
            let newCapacity = min(capacity * 2, maximumRowByteCount)
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 64)
            grown.copyMemory(from: buffer, byteCount: end)
            buffer.deallocate()
            buffer = grown
            capacity = newCapacity
        }
        let n = try source.readFully(into: UnsafeMutableRawBufferPointer(start: buffer + end, count: min(capacity - end, max(blockByteCount, capacity - end))))
        if n == 0 { atEndOfInput = true }
        end += n
        byteCount += UInt64(n)
    }

    func growFieldCapacity() {
        let newCapacity = fieldCapacity * 2
        let ns = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
        let ne = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
        ns.update(from: starts, count: fieldCapacity)
        ne.update(from: ends, count: fieldCapacity)
        starts.deallocate()
        ends.deallocate()
        starts = ns
        ends = ne
        fieldCapacity = newCapacity
    }

    // MARK: header

    private func readHeader(configuredDelimiter: UInt8?) throws {
        try refill()
        while end < 3 && !atEndOfInput { try refill() }
        let p = buffer.assumingMemoryBound(to: UInt8.self)
        if end >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF {
            guard encoding == .utf8 else { throw CSVError.byteOrderMarkMismatch(file: path, encoding: encoding) }
            dialect.byteOrderMark = true
            start = 3
        }
        let headerEnd = try findHeaderEnd()
        if headerEnd.lineEnd == start && atEndOfInput { throw CSVError.missingHeader(file: path) }
        dialect.delimiter = configuredDelimiter ?? headerEnd.detected
        dialect.lineEnding = headerEnd.crlf ? .crlf : .lf
        for d in [dialect.delimiter, 0x0A, 0x0D] { classes[Int(d)] = 1 }

        var fieldCount = 0, high: UInt8 = 0, quoted = false, newlines = 0
        var next = -1
        while next < 0 {
            next = try scanRow(from: start, fieldCount: &fieldCount, high: &high, quoted: &quoted, newlines: &newlines)
            if next < 0 { try refill() }
        }
        try decodeRow(fieldCount: fieldCount, line: 1)
        start = next
        line = 2 + newlines
        let view = rowBuffer.view
        var names: [String] = []
        var seen: [String: [Int]] = [:]
        for k in 0..<fieldCount {
            let name = String(decoding: view[k], as: UTF8.self)
            guard !name.allSatisfy({ $0 == " " || $0 == "\t" }) else {
                if fieldCount == 1 { throw CSVError.missingHeader(file: path) }
                // An empty name (Excel writes one for a trailing delimiter) is addressed by its
                // position, `#7`, in pipeline.json and in messages.
                let positional = "#\(k + 1)"
                names.append(positional)
                unnamedColumns.insert(k)
                seen[positional, default: []].append(k + 1)
                continue
            }
            names.append(name)
            seen[name, default: []].append(k + 1)
        }
        if let duplicate = names.first(where: { (seen[$0]?.count ?? 0) > 1 }) {
            throw CSVError.duplicateColumnName(file: path, name: duplicate, columnNumbers: seen[duplicate] ?? [])
        }
        columnNames = names
    }

    /// Scans the header line (quote-aware) for its end, its line ending and the most frequent
    /// candidate delimiter outside quotes (`,` on a tie or when there is none).
    private func findHeaderEnd() throws -> (lineEnd: Int, crlf: Bool, detected: UInt8) {
        while true {
            let p = buffer.assumingMemoryBound(to: UInt8.self)
            var counts = [Int](repeating: 0, count: 256)
            var inQuotes = false
            var i = start
            while i < end {
                let c = p[i]
                if c == CSVDialect.quote { inQuotes.toggle() }
                else if !inQuotes {
                    if c == 0x0A {
                        let crlf = i > start && p[i - 1] == 0x0D
                        return (i, crlf, bestDelimiter(counts))
                    }
                    counts[Int(c)] += 1
                }
                i += 1
            }
            if atEndOfInput { return (end, false, bestDelimiter(counts)) }
            try refill()
        }
    }

    private func bestDelimiter(_ counts: [Int]) -> UInt8 {
        var best: UInt8 = 0x2C
        var bestCount = 0
        for d in CSVDialect.supportedDelimiters where counts[Int(d)] > bestCount {
            best = d
            bestCount = counts[Int(d)]
        }
        return best
    }
}
