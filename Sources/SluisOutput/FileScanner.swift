import SluisIO

/// One finding in an output file. It names the place and the kind, never the value.
public struct ScanFinding: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// A token in the shape of a key (`detail` names the format, e.g. RINPERSOON).
        case keyFormat = "key-format"
        /// A token that is one of the environment's keys (`--keys`).
        case knownKey = "known-key"
        /// A column whose values are all different over at least `minimumRows` rows: one row per unit.
        case oneRowPerUnit = "one-row-per-unit"
    }
    public var kind: Kind
    public var line: Int?
    public var column: Int?
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
    private(set) var findings: [ScanFinding] = []
    private(set) var findingCounts: [ScanFinding.Kind: Int] = [:]
    private(set) var lineCount = 0
    private var delimiter: UInt8 = 0x2C
    private var distinct: [Set<UInt64>?] = []
    private let lengths: Set<Int>

    init(formats: [KeyFormat], keys: KeyHashSet?, delimited: Bool) {
        self.formats = formats
        self.keys = keys
        self.delimited = delimited
        self.lengths = Set(formats.map(\.digits))
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
            for i in 0..<n where block[i] == 0x0A {
                if carry.isEmpty {
                    block.withUnsafeBytes { scanLine(UnsafeRawBufferPointer(rebasing: $0[start..<i]), tracksUnits: tracksUnits) }
                } else {
                    carry.append(contentsOf: block[start..<i])
                    carry.withUnsafeBytes { scanLine($0, tracksUnits: tracksUnits) }
                    carry.removeAll(keepingCapacity: true)
                }
                start = i + 1
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
        findingCounts[f.kind, default: 0] += 1
        if findingCounts[f.kind]! <= Self.maximumFindingsPerKind { findings.append(f) }
    }

    private func scanLine(_ raw: UnsafeRawBufferPointer, tracksUnits: Bool) {
        lineCount += 1
        var line = raw
        if line.count > 0 && line[line.count - 1] == 0x0D { line = UnsafeRawBufferPointer(rebasing: line[0..<line.count - 1]) }
        if lineCount == 1 && delimited { detectDelimiter(line) }
        var field = 1
        var fieldStart = 0
        var inQuotes = false
        var i = 0
        let n = line.count
        while i < n {
            let b = line[i]
            if delimited && b == 0x22 { inQuotes.toggle(); i += 1; continue }
            if delimited && !inQuotes && b == delimiter {
                if tracksUnits && lineCount > 1 { noteValue(UnsafeRawBufferPointer(rebasing: line[fieldStart..<i]), field: field) }
                field += 1
                fieldStart = i + 1
                i += 1
                continue
            }
            if Self.isAlphanumeric(b) {
                var j = i
                var allDigits = true
                while j < n && (Self.isAlphanumeric(line[j])) {
                    if !(line[j] >= 0x30 && line[j] <= 0x39) { allDigits = false }
                    j += 1
                }
                let token = UnsafeRawBufferPointer(rebasing: line[i..<j])
                let column = delimited ? field : i + 1
                // A fraction's digits (after a decimal point) are not a key.
                let afterPoint = i > 0 && line[i - 1] == 0x2E && i > 1 && line[i - 2] >= 0x30 && line[i - 2] <= 0x39
                if allDigits && !afterPoint && lengths.contains(token.count) {
                    for f in formats where f.digits == token.count {
                        record(ScanFinding(kind: .keyFormat, line: lineCount, column: column, detail: f.name))
                    }
                }
                if let keys, keys.contains(token) {
                    record(ScanFinding(kind: .knownKey, line: lineCount, column: column, detail: nil))
                }
                i = j
                continue
            }
            i += 1
        }
        if delimited && tracksUnits && lineCount > 1 { noteValue(UnsafeRawBufferPointer(rebasing: line[fieldStart..<n]), field: field) }
    }

    private func noteValue(_ value: UnsafeRawBufferPointer, field: Int) {
        guard lineCount - 1 <= Self.uniquenessRowLimit else { return }
        while distinct.count < field { distinct.append(lineCount == 2 ? Set<UInt64>() : nil) }
        guard distinct[field - 1] != nil else { return }
        if !distinct[field - 1]!.insert(ByteKeyDictionary.hash(value)).inserted { distinct[field - 1] = nil }
    }

    private func detectDelimiter(_ line: UnsafeRawBufferPointer) {
        var best: UInt8 = 0x2C, bestCount = 0
        for d in [UInt8(0x2C), 0x3B, 0x09, 0x7C] {
            let c = line.reduce(0) { $0 + ($1 == d ? 1 : 0) }
            if c > bestCount { best = d; bestCount = c }
        }
        delimiter = best
    }

    @inline(__always)
    static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }
}
