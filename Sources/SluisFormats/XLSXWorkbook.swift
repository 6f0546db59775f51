import SluisCore

/// The text of an Excel workbook (`.xlsx`, `.xlsm`: Office Open XML, ECMA-376), streamed part by
/// part for `sluis output check`: shared strings, every worksheet's cells with their row and
/// column, and the text of every other XML part (comments, drawings, charts, document
/// properties). Nothing is kept but the part being read; cell values are handed on, not stored.
public final class XLSXWorkbook {
    /// One cell of a worksheet.
    public struct Cell {
        /// 1-based row and column (column 1 is A).
        public var row: Int
        /// 1-based column (A = 1).
        public var column: Int
        /// The cell's value: an index into the shared strings, or its own text (a number, an
        /// inline string, a formula's cached result, a boolean or an error code).
        public var value: Value
        /// The formula's text, when the cell has one.
        public var formula: [UInt8]?
    }

    /// A cell's value.
    public enum Value: Equatable {
        /// The n-th (0-based) shared string.
        case sharedString(Int)
        /// The cell's own text (UTF-8).
        case text([UInt8])
    }

    /// The archive's path (for messages).
    public let path: String
    /// The worksheet parts (`xl/worksheets/sheetN.xml`), in sheet-number order.
    public let worksheetParts: [String]
    /// The shared-strings part, when there is one.
    public let sharedStringsPart: String?
    /// Every other XML part (its text is read by `readText`).
    public let otherXMLParts: [String]
    /// The names of all parts, XML or not, in the archive's order (a name can hold text too).
    public let partNames: [String]
    private let archive: ZipArchive

    /// Opens `path` as a ZIP archive and sorts its parts; throws `ZipError` when it is not one,
    /// or when it holds no workbook.
    public init(path: String) throws {
        self.path = path
        archive = try ZipArchive(path: path)
        let names = archive.entries.map(\.name)
        partNames = names
        guard names.contains(where: { $0.hasPrefix("xl/") }) else {
            throw ZipError.notAnArchive(path: path, detail: "it is a ZIP archive without an Excel workbook (no xl/ part)")
        }
        func sheetNumber(_ name: String) -> Int {
            Int(name.dropFirst("xl/worksheets/sheet".count).dropLast(".xml".count)) ?? Int.max
        }
        let sheets = names.filter { $0.hasPrefix("xl/worksheets/") && $0.hasSuffix(".xml") && !$0.dropFirst("xl/worksheets/".count).contains("/") }
        worksheetParts = sheets.sorted { (sheetNumber($0), $0) < (sheetNumber($1), $1) }
        sharedStringsPart = names.first { $0 == "xl/sharedStrings.xml" }
        let special = Set(worksheetParts + (sharedStringsPart.map { [$0] } ?? []))
        otherXMLParts = names.filter { ($0.hasSuffix(".xml") || $0.hasSuffix(".vml") || $0.hasSuffix(".rels")) && !special.contains($0) }.sorted()
    }

    /// Streams one part's XML events to `body`.
    private func events(_ part: String, _ body: (XMLEventReader.Event) throws -> Void) throws {
        guard let entry = archive.entries.first(where: { $0.name == part }) else {
            throw ZipError.badEntry(path: path, entry: part, detail: "it is not in the archive")
        }
        var reader = XMLEventReader()
        do {
            try archive.read(entry) { try reader.feed($0, body) }
            try reader.finish(body)
        } catch let malformed as XMLEventReader.Malformed {
            throw ZipError.badEntry(path: path, entry: part, detail: "its XML is malformed: \(malformed.detail)")
        }
    }

    /// Each shared string's text (rich-text runs joined; phonetic runs left out), in order, with
    /// its 0-based index.
    public func readSharedStrings(_ body: (Int, [UInt8]) throws -> Void) throws {
        guard let part = sharedStringsPart else { return }
        var index = 0
        var inItem = false, inText = false, phonetic = 0
        var current: [UInt8] = []
        try events(part) { event in
            switch event {
            case .start(let name, _, _):
                if name == "si" { inItem = true; current.removeAll(keepingCapacity: true) }
                if name == "rPh" { phonetic += 1 }
                if name == "t" { inText = true }
            case .end(let name):
                if name == "t" { inText = false }
                if name == "rPh" { phonetic -= 1 }
                if name == "si" {
                    inItem = false
                    try body(index, current)
                    index += 1
                }
            case .text(let bytes):
                if inItem && inText && phonetic == 0 { current += bytes }
            }
        }
    }

    /// Every cell of worksheet `part` that has a value or a formula, row by row.
    public func readWorksheet(_ part: String, _ body: (Cell) throws -> Void) throws {
        var row = 0, column = 0
        var cell: Cell?
        var type = ""
        var collecting: (value: Bool, formula: Bool, inline: Bool) = (false, false, false)
        var valueText: [UInt8] = [], formulaText: [UInt8] = []
        var phonetic = 0
        try events(part) { event in
            switch event {
            case .start(let name, let attributes, _):
                switch name {
                case "row":
                    row = attributes["r"].flatMap { Int($0) } ?? row + 1
                    column = 0
                case "c":
                    if let reference = attributes["r"], let place = Self.cellReference(reference) {
                        (row, column) = (place.row == 0 ? row : place.row, place.column)
                    } else {
                        column += 1
                    }
                    type = attributes["t"] ?? "n"
                    cell = Cell(row: max(row, 1), column: column, value: .text([]), formula: nil)
                    valueText.removeAll(keepingCapacity: true)
                    formulaText.removeAll(keepingCapacity: true)
                case "v": collecting.value = true
                case "f": collecting.formula = true
                case "is": collecting.inline = true
                case "rPh": phonetic += 1
                default: break
                }
            case .end(let name):
                switch name {
                case "v": collecting.value = false
                case "f": collecting.formula = false
                case "is": collecting.inline = false
                case "rPh": phonetic -= 1
                case "c":
                    guard var done = cell else { return }
                    cell = nil
                    if !formulaText.isEmpty { done.formula = formulaText }
                    if type == "s", let index = Int(String(decoding: valueText, as: UTF8.self)) {
                        done.value = .sharedString(index)
                    } else {
                        done.value = .text(valueText)
                    }
                    if done.formula != nil || !valueText.isEmpty { try body(done) }
                default: break
                }
            case .text(let bytes):
                guard cell != nil else { return }
                if collecting.formula {
                    formulaText += bytes
                } else if collecting.value || (collecting.inline && phonetic == 0) {
                    valueText += bytes
                }
            }
        }
    }

    /// The text nodes and attribute values of another XML part, each with its 1-based ordinal.
    public func readText(_ part: String, _ body: (Int, [UInt8]) throws -> Void) throws {
        var ordinal = 0
        try events(part) { event in
            switch event {
            case .start(_, let attributes, _):
                for key in attributes.keys.sorted() {
                    guard let value = attributes[key], !value.isEmpty else { continue }
                    ordinal += 1
                    try body(ordinal, Array(value.utf8))
                }
            case .text(let bytes):
                ordinal += 1
                try body(ordinal, bytes)
            case .end:
                break
            }
        }
    }

    /// `B7` → (row 7, column 2); `B` alone → row 0. Nil when it is not an A1-style reference.
    static func cellReference(_ text: String) -> (row: Int, column: Int)? {
        var column = 0, row = 0
        var sawDigit = false
        for b in text.utf8 {
            switch b {
            case 0x41...0x5A where !sawDigit: column = column * 26 + Int(b - 0x40)
            case 0x61...0x7A where !sawDigit: column = column * 26 + Int(b - 0x60)
            case 0x24: continue  // $
            case 0x30...0x39:
                sawDigit = true
                row = row * 10 + Int(b - 0x30)
            default: return nil
            }
            if column > 16_384 || row > 1_048_576 { return nil }
        }
        return column > 0 ? (row, column) : nil
    }
}
