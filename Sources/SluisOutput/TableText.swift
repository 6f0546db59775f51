/// The CSV text of a protected table and where each figure lands in it.
///
/// Two-way: a header of the row variables' names, one column per column category (parts joined
/// with ` / `) and `Total`; one line per row category; a last `Total` line with the column
/// margins and the grand total. One-way: the row variables and one figure column. Suppressed
/// figures show the policy's marker, never 0; an empty mean shows as an empty field.
enum TableText {
    static func render(_ t: ProtectedTable, specification: TableSpecification, policy: OutputPolicy) -> String {
        var out = ""
        var header = specification.rows
        if t.twoWay {
            header += t.columnLabels.map { $0.joined(separator: " / ") } + ["Total"]
        } else {
            header.append(figureName(specification))
        }
        out += line(header)
        let pad = [String](repeating: "", count: max(specification.rows.count - 1, 0))
        for r in 0..<t.rowCount {
            var fields = t.rowLabels[r]
            for c in 0..<t.columnCount { fields.append(figure(t.cells[t.index(row: r, column: c)], policy)) }
            if t.twoWay { fields.append(figure(t.cells[t.rowMargin(r)], policy)) }
            out += line(fields)
        }
        var last = ["Total"] + pad
        if t.twoWay { for c in 0..<t.columnCount { last.append(figure(t.cells[t.columnMargin(c)], policy)) } }
        last.append(figure(t.cells[t.total], policy))
        out += line(last)
        return out
    }

    static func figureName(_ s: TableSpecification) -> String {
        switch s.statistic {
        case .count: return s.weight == nil ? "count" : "weighted count"
        case .sum: return "sum of \(s.value ?? "")"
        case .mean: return "mean of \(s.value ?? "")"
        }
    }

    static func figure(_ cell: ProtectedTable.Cell, _ policy: OutputPolicy) -> String {
        if cell.status == .primary || cell.status == .secondary { return policy.suppressionMarker }
        guard let v = cell.value else { return "" }
        return NumberText.format(v)
    }

    /// Line (1-based, header = 1) and field (1-based) of cell `i`.
    static func position(_ t: ProtectedTable, cell i: Int, rowFieldCount: Int) -> (line: Int, field: Int) {
        let cell = t.cells[i]
        let line = (cell.row ?? t.rowCount) + 2
        let field: Int
        switch cell.kind {
        case .cell: field = rowFieldCount + (cell.column ?? 0) + 1
        case .rowMargin, .total: field = rowFieldCount + (t.twoWay ? t.columnCount : 0) + 1
        case .columnMargin: field = rowFieldCount + (cell.column ?? 0) + 1
        }
        return (line, field)
    }

    static func cellEvidence(_ t: ProtectedTable, specification: TableSpecification) -> [Evidence.CellEvidence] {
        t.cells.indices.map { i in
            let c = t.cells[i]
            let p = position(t, cell: i, rowFieldCount: specification.rows.count)
            let magnitude = specification.isMagnitude
            return Evidence.CellEvidence(
                kind: c.kind, row: c.row.map { t.rowLabels[$0] }, column: t.twoWay ? c.column.map { t.columnLabels[$0] } : nil,
                line: p.line, field: p.field, n: c.statistics.count, weightedN: c.weightedCount,
                largest: magnitude ? c.statistics.largest : nil, absoluteTotal: magnitude ? c.statistics.absoluteTotal : nil,
                negativeValues: magnitude ? c.statistics.negativeCount : nil, groupShare: c.statistics.groupShare,
                institutions: c.statistics.institutionCount, findings: c.findings, status: c.status,
                interval: c.interval, intervalWidth: c.interval.flatMap(\.width))
        }
    }

    /// One CSV line: fields quoted when they hold a comma, a quote or a line break.
    static func line(_ fields: [String]) -> String {
        fields.map { f in
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",") + "\n"
    }
}
