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
/// 1-based position of the text node or attribute value as the line. Memory: one part's XML
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
        var shown = Set<Int>()
        for part in workbook.worksheetParts {
            try scanWorksheet(workbook, part: part, flagged: flagged, shown: &shown)
        }
        // Strings with a finding that no cell shows: still in the file, so still reported.
        for index in flagged.keys.sorted() where !shown.contains(index) {
            for f in flagged[index] ?? [] {
                add(ScanFinding(kind: f.kind, line: index + 1, column: nil, detail: f.detail, part: workbook.sharedStringsPart))
            }
        }
        flagged.removeAll()
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

    /// The findings of each shared string that has any, by index.
    private func sharedStringFindings(_ workbook: XLSXWorkbook) throws -> [Int: [ScanFinding]] {
        var flagged: [Int: [ScanFinding]] = [:]
        var current = 0
        let scanner = makeScanner(delimited: false, tracksUnits: false)
        scanner.onFinding = { flagged[current, default: []].append($0) }
        try workbook.readSharedStrings { index, text in
            current = index
            text.withUnsafeBytes { scanner.scanValue($0, line: nil, column: nil) }
        }
        return flagged
    }

    private mutating func scanWorksheet(_ workbook: XLSXWorkbook, part: String, flagged: [Int: [ScanFinding]],
                                        shown: inout Set<Int>) throws {
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
                for f in flagged[index] ?? [] {
                    scanner.record(ScanFinding(kind: f.kind, line: cell.row, column: cell.column, detail: f.detail))
                    shown.insert(index)
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
