import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// One finding in an output file. It names the place and the kind, never the value.
public struct ScanFinding: Codable, Equatable, Sendable {
    /// What kind of thing was found.
    public enum Kind: String, Codable, Sendable {
        /// A token in the shape of a key (`detail` names the format, e.g. RINPERSOON).
        case keyFormat = "key-format"
        /// A token that is one of the environment's keys (`--keys`).
        case knownKey = "known-key"
        /// A column whose values are all different over at least `minimumRows` rows: one row per unit.
        case oneRowPerUnit = "one-row-per-unit"
    }
    /// What was found.
    public var kind: Kind
    /// 1-based line, when the finding has one.
    public var line: Int?
    /// 1-based column (a field of delimited text, a byte of plain text), when the finding has one.
    public var column: Int?
    /// The key format's name or the column's header; never the token.
    public var detail: String?
    /// The part of an XLSX workbook the finding is in (`xl/worksheets/sheet1.xml`), when the
    /// file is one; its line is then the sheet's row and its column the sheet's column (A = 1).
    public var part: String?

    /// A finding at `line` and `column` of a file, or of `part` of a workbook.
    public init(kind: Kind, line: Int?, column: Int?, detail: String?, part: String? = nil) {
        self.kind = kind
        self.line = line
        self.column = column
        self.detail = detail
        self.part = part
    }
}

/// Streams one text file (CSV, TSV, text) and looks for key-shaped tokens, known keys and
/// one-row-per-unit columns. Columns are field numbers in delimited files (delimiter taken from
/// the first line) and byte columns in other text. Memory: one block (and the longest line, up
/// to 64 MiB), and per column a set of 64-bit hashes of the first `uniquenessRowLimit` rows.
///
/// Two ways through a line, with the same findings: line by line (`scanLine`, a byte-class table
/// per byte) while the one-row-per-unit check still needs each field's value, and otherwise a
/// block at a time 64 bytes per step (`FileScanner+Blocks.swift`), looking closer only where a run
/// of letters and digits is as long as some key.
final class FileScanner {
    static let maximumFindingsPerKind = 50
    static let uniquenessRowLimit = 1_000_000
    static let minimumRowsForUnit = 10

    let formats: [KeyFormat]
    let keys: KeyHashSet?
    let delimited: Bool
    let tracksUnits: Bool
    // One thread; the hot loop runs without run-time exclusivity checks.
    @exclusivity(unchecked) private(set) var findings: [ScanFinding] = []
    @exclusivity(unchecked) private(set) var findingCounts: [ScanFinding.Kind: Int] = [:]
    @exclusivity(unchecked) var lineCount = 0
    @exclusivity(unchecked) var delimiter: UInt8 = 0x2C
    /// Called with every finding, also those past `maximumFindingsPerKind` (the XLSX reader
    /// notes which shared strings hold a finding, to report them at every cell that uses them).
    var onFinding: ((ScanFinding) -> Void)?
    @exclusivity(unchecked) private var distinct: [Set<UInt64>?] = []
    /// Whether any column is still all-distinct (once none is, values are no longer hashed).
    @exclusivity(unchecked) private var tracking = true
    /// The field-number cursor of the block scan (see `field(lineStart:at:in:)`).
    @exclusivity(unchecked) var fieldCursor = (lineStart: -1, position: 0, field: 1, inQuotes: false)
    /// `formatLength[n]`: some key format has n digits; `keyShape[n]`: 0 no key is n bytes long,
    /// 1 every key of n bytes is digits only, 2 some key of n bytes holds another byte (tables
    /// instead of sets: looked up for every candidate token).
    let formatLength: UnsafeMutablePointer<Bool>
    let keyShape: UnsafeMutablePointer<UInt8>
    /// The shortest token that can be a finding (a format's digits or a key's length); the block
    /// scan looks closer only at runs of letters and digits at least this long.
    let shortestCandidate: Int
    /// Byte classes for the scanning loop: 0 other, 1 digit, 2 letter, 3 quote and 4 delimiter
    /// (both only in delimited files), so the loop takes one table load and one branch per byte.
    /// Raw pointers, not arrays: no retain and release per line of a file of short lines.
    private let classes: UnsafeMutablePointer<UInt8>
    static let longestToken = 256
    /// Chunks of 64 bytes whose masks the block scan computes per call (16 KiB of text).
    static let maskGroupChunkCount = 256
    /// The block scan's masks of one group: letters and digits, then line feeds.
    let maskBuffer: UnsafeMutablePointer<UInt64>

    /// `tracksUnits` asks for the one-row-per-unit check (files without evidence). `keys` must be
    /// this thread's own (`KeyHashSet.copy()`).
    init(formats: [KeyFormat], keys: KeyHashSet?, delimited: Bool, tracksUnits: Bool) {
        self.formats = formats
        self.keys = keys
        self.delimited = delimited
        self.tracksUnits = tracksUnits
        formatLength = .allocate(capacity: Self.longestToken + 1)
        formatLength.initialize(repeating: false, count: Self.longestToken + 1)
        for format in formats where format.digits <= Self.longestToken { formatLength[format.digits] = true }
        keyShape = .allocate(capacity: Self.longestToken + 1)
        keyShape.initialize(repeating: 0, count: Self.longestToken + 1)
        for n in keys?.lengths ?? [] where n <= Self.longestToken { keyShape[n] = 1 }
        for n in keys?.lengthsWithNonDigits ?? [] where n <= Self.longestToken { keyShape[n] = 2 }
        var shortest = Int.max
        for n in 1...Self.longestToken where formatLength[n] || keyShape[n] != 0 { shortest = min(shortest, n); break }
        shortestCandidate = min(shortest, Self.longestToken + 1)
        maskBuffer = .allocate(capacity: 2 * Self.maskGroupChunkCount)
        maskBuffer.initialize(repeating: 0, count: 2 * Self.maskGroupChunkCount)
        classes = .allocate(capacity: 256)
        classes.initialize(repeating: 0, count: 256)
        for b in 0x30...0x39 { classes[b] = 1 }
        for b in 0x41...0x5A { classes[b] = 2 }
        for b in 0x61...0x7A { classes[b] = 2 }
    }

    deinit {
        formatLength.deallocate()
        keyShape.deallocate()
        maskBuffer.deallocate()
        classes.deallocate()
    }

    func record(_ f: ScanFinding) {
        onFinding?(f)
        let count = findingCounts[f.kind, default: 0] + 1
        findingCounts[f.kind] = count
        if count <= Self.maximumFindingsPerKind { findings.append(f) }
    }

    /// Whether the next line must go through `scanLine`: the header of a delimited file (its
    /// delimiter), and each row while the one-row-per-unit check still hashes field values.
    var needsLineByLine: Bool {
        delimited && (lineCount == 0 || (tracksUnits && tracking && lineCount <= Self.uniquenessRowLimit))
    }

    /// The one-row-per-unit findings, once the whole file is scanned.
    func finishUnits() {
        if tracksUnits && delimited && lineCount - 1 >= Self.minimumRowsForUnit {
            for (c, set) in distinct.enumerated() where set != nil {
                record(ScanFinding(kind: .oneRowPerUnit, line: nil, column: c + 1,
                                   detail: "all \(lineCount - 1) rows hold a different value"))
            }
        }
    }

    /// One line (without its line feed) the slow way: every field's value is seen.
    func scanLine(_ raw: UnsafeRawBufferPointer) {
        lineCount += 1
        var n = raw.count
        guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            if delimited && tracksUnits && lineCount > 1 { noteValue(raw, field: 1) }
            return
        }
        if n > 0 && base[n - 1] == 0x0D { n -= 1 }
        if lineCount == 1 && delimited {
            detectDelimiter(UnsafeRawBufferPointer(start: base, count: n))
            classes[0x22] = 3
            classes[Int(delimiter)] = 4
        }
        let notes = delimited && tracksUnits && tracking && lineCount > 1
        let table = classes
        do {
            var field = 1
            var fieldStart = 0
            var inQuotes = false
            var i = 0
            while i < n {
                let c = table[Int(base[i])]
                if c == 0 { i += 1; continue }
                if c == 3 { inQuotes.toggle(); i += 1; continue }
                if c == 4 {
                    if !inQuotes {
                        if notes { noteValue(UnsafeRawBufferPointer(start: base + fieldStart, count: i - fieldStart), field: field) }
                        field += 1
                        fieldStart = i + 1
                    }
                    i += 1
                    continue
                }
                i = judgeToken(at: i, firstClass: c, in: base, count: n, line: lineCount) { delimited ? field : i + 1 }
            }
            if notes { noteValue(UnsafeRawBufferPointer(start: base + fieldStart, count: n - fieldStart), field: field) }
        }
    }

    /// The findings for one token (a maximal run of letters and digits) on line `line`.
    /// `afterPoint`: the token follows a digit and a decimal point (a fraction's digits are not a
    /// key). `column` is asked only when there is a finding.
    @inline(__always)
    func judge(token: UnsafeRawBufferPointer, allDigits: Bool, afterPoint: Bool, line: Int?, column: () -> Int?) {
        let n = token.count
        let length = min(n, Self.longestToken)
        if allDigits && formatLength[length] && !afterPoint {
            let c = column()
            for f in formats where f.digits == n {
                record(ScanFinding(kind: .keyFormat, line: line, column: c, detail: f.name))
            }
        }
        // Only tokens of a key's exact shape are hashed: a letter rules out lengths of digit-only keys.
        let shape = keyShape[length]
        if shape != 0 && (allDigits || shape == 2 || n > Self.longestToken), let keys, keys.contains(token) {
            record(ScanFinding(kind: .knownKey, line: line, column: column(), detail: nil))
        }
    }

    @inline(__always)
    private func noteValue(_ value: UnsafeRawBufferPointer, field: Int) {
        guard tracking, lineCount - 1 <= Self.uniquenessRowLimit else { return }
        while distinct.count < field { distinct.append(lineCount == 2 ? Set<UInt64>() : nil) }
        // Optional chaining inserts in place (no copy of the set); nil: the column already repeated a value.
        guard let inserted = distinct[field - 1]?.insert(ByteKeyDictionary.hash(value)).inserted else { return }
        if !inserted {
            distinct[field - 1] = nil
            tracking = distinct.contains { $0 != nil }
        }
    }

    /// One value that is not a line of a file (an XLSX cell, a formula, an XML text node): its
    /// tokens are judged as `scanLine` judges them, and findings carry `line` and `column` as
    /// given.
    func scanValue(_ raw: UnsafeRawBufferPointer, line: Int?, column: Int?) {
        guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let n = raw.count
        let table = classes
        var i = 0
        while i < n {
            let c = table[Int(base[i])]
            guard c == 1 || c == 2 else { i += 1; continue }
            i = judgeToken(at: i, firstClass: c, in: base, count: n, line: line) { column }
        }
    }

    /// Judges the token that starts at `i` (a letter or digit, of class `firstClass`): a maximal
    /// run of ASCII letters and digits. Returns the offset just past it.
    @inline(__always)
    private func judgeToken(at i: Int, firstClass c: UInt8, in base: UnsafePointer<UInt8>, count n: Int, line: Int?,
                            column: () -> Int?) -> Int {
        let table = classes
        var j = i + 1
        var allDigits = c == 1
        while j < n {
            let d = table[Int(base[j])]
            if d == 1 { j += 1 } else if d == 2 { allDigits = false; j += 1 } else { break }
        }
        judge(token: UnsafeRawBufferPointer(start: base + i, count: j - i), allDigits: allDigits,
              afterPoint: i > 1 && base[i - 1] == 0x2E && table[Int(base[i - 2])] == 1, line: line, column: column)
        return j
    }

    /// Starts the next row of a table that is not read as lines (an XLSX worksheet): the first
    /// row is its header, as a delimited file's first line is.
    func beginRow() { lineCount += 1 }

    /// Notes field `column`'s value in the current row (after `beginRow`) for the one-row-per-unit
    /// check, as `scanLine` notes each field of a delimited file's rows.
    func noteRowValue(_ value: UnsafeRawBufferPointer, column: Int) {
        if tracksUnits && tracking && lineCount > 1 { noteValue(value, field: column) }
    }

    private func detectDelimiter(_ line: UnsafeRawBufferPointer) {
        var best: UInt8 = 0x2C, bestCount = 0
        for d in [UInt8(0x2C), 0x3B, 0x09, 0x7C] {
            let c = line.reduce(0) { $0 + ($1 == d ? 1 : 0) }
            if c > bestCount { best = d; bestCount = c }
        }
        delimiter = best
    }

}
