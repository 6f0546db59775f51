import SluisFormats

/// The key scan of an Excel workbook (`.xlsx`, `.xlsm`): every cell of every worksheet, every
/// formula, every shared string and the text of every other XML part (comments, drawings,
/// charts, document properties), judged as a CSV's fields are (`FileScanner`).
///
/// Findings in a worksheet name its part (`xl/worksheets/sheet2.xml`), the row and the column
/// (A = 1); the sheet's first row is its header for the one-row-per-unit check, as a CSV's first
/// line is. A shared string is scanned once, where it is stored; each cell that shows a string
/// with a finding gets that finding, and a string with a finding that no cell shows is reported
/// in `xl/sharedStrings.xml` with its 1-based position as the line. Other parts report the
/// 1-based position of the text node or attribute value as the line; a part's name with a
/// finding is reported by its position in the archive. Memory: one part's XML
/// state, the shared strings' findings (not their text) and per column of the sheet being read
/// the one-row-per-unit hashes.
struct WorkbookScan {
    let formats: [KeyFormat]
    let keys: KeyHashSet?
    let tracksUnits: Bool
    private(set) var findings: [ScanFinding] = []
    private(set) var count = 0

    init(formats: [KeyFormat], keys: KeyHashSet?, tracksUnits: Bool) {
        self.formats = formats
        self.keys = keys
        self.tracksUnits = tracksUnits
    }

    /// Scans the workbook at `path`; throws `ZipError` when it cannot be read as one.
    mutating func scan(path: String) throws {
        let workbook = try XLSXWorkbook(path: path)
        var flagged = try sharedStringFindings(workbook)
        for part in workbook.worksheetParts {
            try scanWorksheet(workbook, part: part, flagged: &flagged)
        }
        // Strings with a finding that no cell shows: still in the file, so still reported.
        for (index, findings) in flagged.unshown() {
            for f in findings { add(ScanFinding(kind: f.kind, line: index + 1, column: nil, detail: f.detail, part: workbook.sharedStringsPart)) }
        }
        // The parts' names: a key in a name leaves with the workbook too. Reported as found in
        // the names, by position, never by the name itself.
        let names = makeScanner(delimited: false, tracksUnits: false)
        for (i, name) in workbook.partNames.enumerated() {
            Array(name.utf8).withUnsafeBytes { names.scanValue($0, line: i + 1, column: nil) }
        }
        take(names, part: "(the names of its parts)")
        for part in workbook.otherXMLParts {
            let scanner = makeScanner(delimited: false, tracksUnits: false)
            try workbook.readText(part) { ordinal, text in
                text.withUnsafeBytes { scanner.scanValue($0, line: ordinal, column: nil) }
            }
            take(scanner, part: part)
        }
    }

    private func makeScanner(delimited: Bool, tracksUnits: Bool) -> FileScanner {
        FileScanner(formats: formats, keys: keys, delimited: delimited, tracksUnits: tracksUnits)
    }

    /// The findings of each shared string that has any.
    private mutating func sharedStringFindings(_ workbook: XLSXWorkbook) throws -> FlaggedStrings {
        var flagged = FlaggedStrings()
        var current = 0
        var overflow: [ScanFinding] = []
        let scanner = makeScanner(delimited: false, tracksUnits: false)
        scanner.onFinding = { f in
            if !flagged.note(f, index: current) { overflow.append(ScanFinding(kind: f.kind, line: current + 1, column: nil, detail: f.detail)) }
        }
        try workbook.readSharedStrings { index, text in
            current = index
            text.withUnsafeBytes { scanner.scanValue($0, line: nil, column: nil) }
        }
        // Past the table's bound, strings are reported where they are stored (not per cell).
        for f in overflow { add(ScanFinding(kind: f.kind, line: f.line, column: nil, detail: f.detail, part: workbook.sharedStringsPart)) }
        return flagged
    }

    private mutating func scanWorksheet(_ workbook: XLSXWorkbook, part: String, flagged: inout FlaggedStrings) throws {
        let scanner = makeScanner(delimited: true, tracksUnits: tracksUnits)
        var row = 0
        var nextColumn = 1
        let missing = UnsafeRawBufferPointer(start: nil, count: 0)
        try workbook.readWorksheet(part) { cell in
            if cell.row != row {
                row = cell.row
                nextColumn = 1
                scanner.beginRow()
            }
            // Cells left out of a row are empty values, as empty fields of a CSV row are.
            while nextColumn < cell.column {
                scanner.noteRowValue(missing, column: nextColumn)
                nextColumn += 1
            }
            nextColumn = cell.column + 1
            switch cell.value {
            case .sharedString(let index):
                for f in flagged.findings(ofShown: index) {
                    scanner.record(ScanFinding(kind: f.kind, line: cell.row, column: cell.column, detail: f.detail))
                }
                // Equal strings share one index, so the index stands for the value; the leading
                // 0xFF (never a byte of UTF-8) keeps it apart from any cell's own text.
                var tagged: [UInt8] = [0xFF]
                withUnsafeBytes(of: Int64(index)) { tagged += $0 }
                tagged.withUnsafeBytes { scanner.noteRowValue($0, column: cell.column) }
            case .text(let text):
                text.withUnsafeBytes {
                    scanner.scanValue($0, line: cell.row, column: cell.column)
                    scanner.noteRowValue($0, column: cell.column)
                }
            }
            if let formula = cell.formula {
                formula.withUnsafeBytes { scanner.scanValue($0, line: cell.row, column: cell.column) }
            }
        }
        scanner.finishUnits()
        take(scanner, part: part)
    }

    /// Adds a scanner's findings, naming `part`.
    private mutating func take(_ scanner: FileScanner, part: String) {
        for var f in scanner.findings {
            f.part = part
            add(f, counted: false)
        }
        count += scanner.findingCounts.values.reduce(0, +)
    }

    /// Keeps at most `FileScanner.maximumFindingsPerKind` findings per kind for the whole workbook.
    private mutating func add(_ f: ScanFinding, counted: Bool = true) {
        if counted { count += 1 }
        if findings.lazy.filter({ $0.kind == f.kind }).count < FileScanner.maximumFindingsPerKind { findings.append(f) }
    }
}

/// Which shared strings hold findings, in bounded memory: the strings' indices in the order they
/// were read (ascending), each with a bit mask over the distinct findings (a kind and a format
/// name; a handful per policy), and whether a cell showed it. 13 bytes per string with a finding,
/// for at most `maximumCount` strings; past that, `note` declines and the caller reports the
/// finding where the string is stored.
struct FlaggedStrings {
    static let maximumCount = 1 << 20
    private var indices: [UInt32] = []
    private var masks: [UInt64] = []
    private var shown: [Bool] = []
    /// The distinct findings (kind and detail; no place), at most 64.
    private var kinds: [ScanFinding] = []

    /// Notes that string `index` (not below any noted before) holds `f`; false when it cannot
    /// (too many strings, or a 65th distinct finding).
    mutating func note(_ f: ScanFinding, index: Int) -> Bool {
        let template = ScanFinding(kind: f.kind, line: nil, column: nil, detail: f.detail)
        var bit = kinds.firstIndex(of: template)
        if bit == nil && kinds.count < 64 {
            kinds.append(template)
            bit = kinds.count - 1
        }
        guard let bit else { return false }
        if let last = indices.last, Int(last) == index {
            masks[masks.count - 1] |= 1 << UInt64(bit)
            return true
        }
        guard indices.count < Self.maximumCount, index <= Int(UInt32.max) else { return false }
        indices.append(UInt32(index))
        masks.append(1 << UInt64(bit))
        shown.append(false)
        return true
    }

    /// The findings of string `index`, marking it shown (none when it has none).
    mutating func findings(ofShown index: Int) -> [ScanFinding] {
        guard !indices.isEmpty, index <= Int(UInt32.max) else { return [] }
        var low = 0, high = indices.count
        let key = UInt32(index)
        while low < high {
            let mid = (low + high) / 2
            if indices[mid] < key { low = mid + 1 } else { high = mid }
        }
        guard low < indices.count, indices[low] == key else { return [] }
        shown[low] = true
        return expand(masks[low])
    }

    /// The strings with findings that no cell showed, by index.
    func unshown() -> [(index: Int, findings: [ScanFinding])] {
        indices.indices.filter { !shown[$0] }.map { (Int(indices[$0]), expand(masks[$0])) }
    }

    private func expand(_ mask: UInt64) -> [ScanFinding] {
        kinds.indices.filter { mask & (1 << UInt64($0)) != 0 }.map { kinds[$0] }
    }
}
