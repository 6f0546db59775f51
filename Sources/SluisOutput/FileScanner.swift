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
}

/// Streams one text file (CSV, TSV, text) and looks for key-shaped tokens, known keys and
/// one-row-per-unit columns. Columns are field numbers in delimited files (delimiter taken from
/// the first line) and byte columns in other text. Memory: one block, one line, and per column a
/// set of 64-bit hashes of the first `uniquenessRowLimit` rows.
final class FileScanner {
    static let maximumFindingsPerKind = 50
    static let uniquenessRowLimit = 1_000_000
    static let minimumRowsForUnit = 10

    let formats: [KeyFormat]
    let keys: KeyHashSet?
    let delimited: Bool
    // One thread; the hot loop runs without run-time exclusivity checks.
    @exclusivity(unchecked) private(set) var findings: [ScanFinding] = []
    @exclusivity(unchecked) private(set) var findingCounts: [ScanFinding.Kind: Int] = [:]
    @exclusivity(unchecked) private(set) var lineCount = 0
    @exclusivity(unchecked) private var delimiter: UInt8 = 0x2C
    @exclusivity(unchecked) private var distinct: [Set<UInt64>?] = []
    /// Whether any column is still all-distinct (once none is, values are no longer hashed).
    @exclusivity(unchecked) private var tracking = true
    /// `formatLength[n]`: some key format has n digits; `keyLength[n]`: some key is n bytes long
    /// (tables instead of sets: looked up for every token).
    private let formatLength: UnsafeMutablePointer<Bool>
    private let keyLength: UnsafeMutablePointer<Bool>
    /// Byte classes for the scanning loop: 0 other, 1 digit, 2 letter, 3 quote and 4 delimiter
    /// (both only in delimited files), so the loop takes one table load and one branch per byte.
    /// Raw pointers, not arrays: no retain and release per line of a file of short lines.
    private let classes: UnsafeMutablePointer<UInt8>
    static let longestToken = 256

    init(formats: [KeyFormat], keys: KeyHashSet?, delimited: Bool) {
        self.formats = formats
        self.keys = keys
        self.delimited = delimited
        formatLength = .allocate(capacity: Self.longestToken + 1)
        formatLength.initialize(repeating: false, count: Self.longestToken + 1)
        for format in formats where format.digits <= Self.longestToken { formatLength[format.digits] = true }
        keyLength = .allocate(capacity: Self.longestToken + 1)
        keyLength.initialize(repeating: false, count: Self.longestToken + 1)
        for n in keys?.lengths ?? [] where n <= Self.longestToken { keyLength[n] = true }
        classes = .allocate(capacity: 256)
        classes.initialize(repeating: 0, count: 256)
        for b in 0x30...0x39 { classes[b] = 1 }
        for b in 0x41...0x5A { classes[b] = 2 }
        for b in 0x61...0x7A { classes[b] = 2 }
    }

    deinit {
        formatLength.deallocate()
        keyLength.deallocate()
        classes.deallocate()
    }

    /// Scans `path`; `tracksUnits` asks for the one-row-per-unit check (files without evidence).
    func scan(path: String, tracksUnits: Bool) throws {
        let input = try FileInput(path: path)
        var block = [UInt8](repeating: 0, count: 1 << 20)
        var carry: [UInt8] = []
        while true {
            let n = try block.withUnsafeMutableBytes { try input.read(into: $0) }
            if n == 0 { break }
            var start = 0
            block.withUnsafeBytes { all in
                // swift-format-ignore: NeverForceUnwrap
                // Safe: `block` is a 1 MiB array, so its buffer has a base address.
                let base = all.baseAddress!
                // Line ends found with memchr (vectorised), not a byte loop.
                while start < n, let hit = memchr(base + start, 0x0A, n - start) {
                    let i = UnsafeRawPointer(hit) - base
                    if carry.isEmpty {
                        scanLine(UnsafeRawBufferPointer(start: base + start, count: i - start), tracksUnits: tracksUnits)
                    } else {
                        carry.append(contentsOf: UnsafeRawBufferPointer(start: base + start, count: i - start))
                        carry.withUnsafeBytes { scanLine($0, tracksUnits: tracksUnits) }
                        carry.removeAll(keepingCapacity: true)
                    }
                    start = i + 1
                }
            }
            carry.append(contentsOf: block[start..<n])
            if carry.count > 64 << 20 { throw OutputError.requestInvalid(path: path, detail: "line \(lineCount + 1) is longer than 64 MiB") }
        }
        if !carry.isEmpty { carry.withUnsafeBytes { scanLine($0, tracksUnits: tracksUnits) } }
        if tracksUnits && delimited && lineCount - 1 >= Self.minimumRowsForUnit {
            for (c, set) in distinct.enumerated() where set != nil {
                record(ScanFinding(kind: .oneRowPerUnit, line: nil, column: c + 1,
                                   detail: "all \(lineCount - 1) rows hold a different value"))
            }
        }
    }

    private func record(_ f: ScanFinding) {
        let count = findingCounts[f.kind, default: 0] + 1
        findingCounts[f.kind] = count
        if count <= Self.maximumFindingsPerKind { findings.append(f) }
    }

    private func scanLine(_ raw: UnsafeRawBufferPointer, tracksUnits: Bool) {
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
                // A token: a maximal run of ASCII letters and digits.
                var j = i + 1
                var allDigits = c == 1
                while j < n {
                    let d = table[Int(base[j])]
                    if d == 1 { j += 1 } else if d == 2 { allDigits = false; j += 1 } else { break }
                }
                let length = min(j - i, Self.longestToken)
                if allDigits && formatLength[length] {
                    // A fraction's digits (after a decimal point) are not a key.
                    let afterPoint = i > 1 && base[i - 1] == 0x2E && table[Int(base[i - 2])] == 1
                    if !afterPoint {
                        let column = delimited ? field : i + 1
                        for f in formats where f.digits == j - i {
                            record(ScanFinding(kind: .keyFormat, line: lineCount, column: column, detail: f.name))
                        }
                    }
                }
                if keyLength[length], let keys, keys.contains(UnsafeRawBufferPointer(start: base + i, count: j - i)) {
                    record(ScanFinding(kind: .knownKey, line: lineCount, column: delimited ? field : i + 1, detail: nil))
                }
                i = j
            }
            if notes { noteValue(UnsafeRawBufferPointer(start: base + fieldStart, count: n - fieldStart), field: field) }
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

    private func detectDelimiter(_ line: UnsafeRawBufferPointer) {
        var best: UInt8 = 0x2C, bestCount = 0
        for d in [UInt8(0x2C), 0x3B, 0x09, 0x7C] {
            let c = line.reduce(0) { $0 + ($1 == d ? 1 : 0) }
            if c > bestCount { best = d; bestCount = c }
        }
        delimiter = best
    }

}
