import SluisFormats

/// Streams microdata rows into per-cell statistics in one pass. Memory grows with the number of
/// cells (and institutions per cell), never with the number of rows: each row costs one lookup
/// per dimension in a `ByteKeyDictionary`, one in the cell map, and a few additions.
final class TableAggregator {
    let specification: TableSpecification
    let topCount: Int
    let byInstitution: Bool
    let rowKeys = ByteKeyDictionary()
    let columnKeys = ByteKeyDictionary()
    let institutions = ByteKeyDictionary()

    // Per cell, struct of arrays. One thread; no run-time exclusivity checks on the hot path.
    @exclusivity(unchecked) var counts: [Int] = []
    @exclusivity(unchecked) var weightSums: [Double] = []
    @exclusivity(unchecked) var valueSums: [Double] = []
    @exclusivity(unchecked) var absoluteSums: [Double] = []
    @exclusivity(unchecked) var tops: [Double] = []
    @exclusivity(unchecked) var negatives: [Int] = []
    @exclusivity(unchecked) var institutionTotals: [[Int32: Double]] = []
    @exclusivity(unchecked) var cellRow: [Int] = []
    @exclusivity(unchecked) var cellColumn: [Int] = []
    /// (row, column) → cell + 1 (0: none yet), dense while rows × columns stays below
    /// `denseCellLimit`; beyond it, a dictionary.
    @exclusivity(unchecked) private var grid: [Int32] = []
    @exclusivity(unchecked) private var gridRows = 0
    @exclusivity(unchecked) private var gridColumns = 0
    @exclusivity(unchecked) private var cellIndex: [UInt64: Int32] = [:]
    @exclusivity(unchecked) private var sparse = false
    static let denseCellLimit = 1 << 22
    @exclusivity(unchecked) private(set) var rowsRead = 0
    @exclusivity(unchecked) private(set) var rowsSkipped = 0

    init(specification: TableSpecification, topCount: Int, byInstitution: Bool) {
        self.specification = specification
        self.topCount = topCount
        self.byInstitution = byInstitution
    }

    /// Reads every row of `source`.
    func read(_ source: RowSource) throws {
        let names = source.columnNames
        func column(_ name: String) throws -> Int {
            guard let i = names.firstIndex(of: name) else { throw OutputError.unknownColumn(path: source.path, column: name) }
            return i
        }
        let rowColumns = try specification.rows.map(column)
        let colColumns = try specification.columns.map(column)
        let valueColumn = try specification.value.map(column)
        let weightColumn = try specification.weight.map(column)
        let institutionColumn = try specification.institution.map(column)
        var scratch = [UInt8](repeating: 0, count: 256)
        let k = topCount

        try source.forEachRow { fields, line in
            rowsRead += 1
            var value = 1.0
            if let v = valueColumn {
                let f = fields[v]
                if f.count == 0 { rowsSkipped += 1; return }
                guard let parsed = NumberText.parse(f) else {
                    throw OutputError.notANumber(path: source.path, line: line, column: names[v])
                }
                value = parsed
            }
            var weight = 1.0
            if let w = weightColumn {
                let f = fields[w]
                if f.count == 0 { rowsSkipped += 1; return }
                guard let parsed = NumberText.parse(f), parsed >= 0 else {
                    throw OutputError.notANumber(path: source.path, line: line, column: names[w])
                }
                weight = parsed
            }
            let r = Self.lookup(rowColumns, fields, in: rowKeys, scratch: &scratch)
            let c = Self.lookup(colColumns, fields, in: columnKeys, scratch: &scratch)
            let cell = cellFor(row: r, column: c)
            counts[cell] += 1
            weightSums[cell] += weight
            if valueColumn != nil {
                valueSums[cell] += weight * value
                let a = abs(value)
                absoluteSums[cell] += a
                if value < 0 { negatives[cell] += 1 }
                Self.insertTop(a, into: &tops, at: cell * k, count: k)
                if let ic = institutionColumn {
                    let i = Int32(institutions.index(of: fields[ic]))
                    institutionTotals[cell][i, default: 0] += a
                }
            } else if let ic = institutionColumn {
                let i = Int32(institutions.index(of: fields[ic]))
                institutionTotals[cell][i, default: 0] += 1
            }
        }
    }

    /// The cell index of (row, column), adding the cell when new.
    @inline(__always)
    private func cellFor(row r: Int, column c: Int) -> Int {
        if !sparse && r < gridRows && c < gridColumns {
            let i = Int(grid[r * gridColumns + c])
            if i > 0 { return i - 1 }
        } else if !sparse {
            growGrid(rows: r + 1, columns: c + 1)
        }
        if sparse {
            let key = UInt64(r) << 32 | UInt64(c)
            if let existing = cellIndex[key] { return Int(existing) }
            cellIndex[key] = Int32(counts.count)
        } else {
            grid[r * gridColumns + c] = Int32(counts.count + 1)
        }
        addCell(row: r, column: c)
        return counts.count - 1
    }

    private func growGrid(rows: Int, columns: Int) {
        let newRows = max(gridRows, rows) > gridRows ? max(rows, gridRows * 2, 16) : gridRows
        let newColumns = max(gridColumns, columns) > gridColumns ? max(columns, gridColumns * 2, 4) : gridColumns
        if newRows * newColumns > Self.denseCellLimit {
            sparse = true
            for i in 0..<counts.count { cellIndex[UInt64(cellRow[i]) << 32 | UInt64(cellColumn[i])] = Int32(i) }
            grid = []
            return
        }
        var next = [Int32](repeating: 0, count: newRows * newColumns)
        for i in 0..<counts.count { next[cellRow[i] * newColumns + cellColumn[i]] = Int32(i + 1) }
        grid = next
        gridRows = newRows
        gridColumns = newColumns
    }

    private func addCell(row: Int, column: Int) {
        counts.append(0)
        weightSums.append(0)
        valueSums.append(0)
        absoluteSums.append(0)
        negatives.append(0)
        tops.append(contentsOf: repeatElement(0, count: topCount))
        institutionTotals.append([:])
        cellRow.append(row)
        cellColumn.append(column)
    }

    /// The index of the composite key of `columns` (length-prefixed, so `AB`+`C` ≠ `A`+`BC`).
    @inline(__always)
    private static func lookup(_ columns: [Int], _ fields: FieldView, in keys: ByteKeyDictionary,
                               scratch: inout [UInt8]) -> Int {
        if columns.count == 1 { return keys.index(of: fields[columns[0]]) }
        var used = 0
        for c in columns {
            let f = fields[c]
            let needed = used + 4 + f.count
            if needed > scratch.count { scratch.append(contentsOf: repeatElement(0, count: needed - scratch.count + 64)) }
            var n = UInt32(f.count).bigEndian
            withUnsafeBytes(of: &n) { b in for j in 0..<4 { scratch[used + j] = b[j] } }
            used += 4
            for j in 0..<f.count { scratch[used + j] = f[j] }
            used += f.count
        }
        return scratch.withUnsafeBytes { keys.index(of: UnsafeRawBufferPointer(rebasing: $0[0..<used])) }
    }

    /// Keeps the `count` largest values at `offset`, largest first.
    @inline(__always)
    static func insertTop(_ a: Double, into tops: inout [Double], at offset: Int, count: Int) {
        guard a > tops[offset + count - 1] else { return }
        var i = count - 1
        while i > 0 && tops[offset + i - 1] < a {
            tops[offset + i] = tops[offset + i - 1]
            i -= 1
        }
        tops[offset + i] = a
    }

    /// The labels of a composite key, split back into its parts.
    static func labels(_ key: ArraySlice<UInt8>, parts: Int) -> [String] {
        if parts == 0 { return [] }
        if parts == 1 { return [String(decoding: key, as: UTF8.self)] }
        var out: [String] = []
        var i = key.startIndex
        while i + 4 <= key.endIndex {
            let n = key[i..<i + 4].reduce(0) { $0 << 8 | Int($1) }
            i += 4
            out.append(String(decoding: key[i..<i + n], as: UTF8.self))
            i += n
        }
        return out
    }
}
