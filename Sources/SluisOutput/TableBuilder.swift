/// Turns aggregated cells into a `ProtectedTable`: sorts the categories, fills empty cells,
/// derives margins, and applies the policy's rules to every cell (primary suppression).
enum TableBuilder {
    static func build(_ a: TableAggregator, policy: OutputPolicy) -> ProtectedTable {
        let spec = a.specification
        let twoWay = !spec.columns.isEmpty
        let rowOrder = sortedKeys(a.rowKeys, parts: spec.rows.count)
        let columnOrder = twoWay ? sortedKeys(a.columnKeys, parts: spec.columns.count) : [(0, [String]())]
        let rows = rowOrder.count, columns = columnOrder.count
        var rowPosition = [Int](repeating: 0, count: a.rowKeys.count)
        for (p, k) in rowOrder.enumerated() { rowPosition[k.0] = p }
        var columnPosition = [Int](repeating: 0, count: max(a.columnKeys.count, 1))
        for (p, k) in columnOrder.enumerated() { columnPosition[k.0] = p }

        // Interior cells → aggregated cell index (or nil for an empty combination).
        var source = [Int?](repeating: nil, count: rows * columns)
        for i in 0..<a.counts.count { source[rowPosition[a.cellRow[i]] * columns + columnPosition[a.cellColumn[i]]] = i }

        let k = a.topCount
        let hasInstitutions = spec.institution != nil
        struct Merge { var count = 0; var weight = 0.0; var sum = 0.0; var absolute = 0.0; var tops: [Double] = []
                       var negatives = 0; var institutions: [Int32: Double] = [:] }
        func merged(_ members: [Int?]) -> Merge {
            var m = Merge()
            for case let i? in members {
                m.count += a.counts[i]; m.weight += a.weightSums[i]; m.sum += a.valueSums[i]; m.absolute += a.absoluteSums[i]
                m.negatives += a.negatives[i]
                m.tops.append(contentsOf: a.tops[i * k..<(i + 1) * k])
                if hasInstitutions { m.institutions.merge(a.institutionTotals[i], uniquingKeysWith: +) }
            }
            m.tops = Array(m.tops.sorted(by: >).prefix(k))
            return m
        }
        func cell(_ kind: ProtectedTable.Kind, row: Int?, column: Int?, _ m: Merge) -> ProtectedTable.Cell {
            var largest = m.tops.filter { $0 > 0 }
            if policy.table.dominanceByInstitution && hasInstitutions {
                largest = Array(m.institutions.values.sorted(by: >).prefix(k))
            }
            let stats = CellStatistics(count: m.count, absoluteTotal: m.absolute, largest: spec.isMagnitude ? largest : [],
                                       negativeCount: m.negatives, institutionCount: hasInstitutions ? m.institutions.count : nil)
            let additive: Double, shown: Double?
            switch spec.statistic {
            case .count: additive = m.weight; shown = m.weight
            case .sum: additive = m.sum; shown = m.sum
            case .mean: additive = m.sum; shown = m.weight > 0 ? m.sum / m.weight : nil
            }
            return ProtectedTable.Cell(kind: kind, row: row, column: column, statistics: stats, weightedCount: m.weight,
                                       value: shown, additiveValue: additive, findings: [], status: .published, interval: nil)
        }

        var cells: [ProtectedTable.Cell] = []
        for r in 0..<rows { for c in 0..<columns { cells.append(cell(.cell, row: r, column: c, merged([source[r * columns + c]]))) } }
        if twoWay {
            for r in 0..<rows { cells.append(cell(.rowMargin, row: r, column: nil, merged((0..<columns).map { source[r * columns + $0] }))) }
            for c in 0..<columns { cells.append(cell(.columnMargin, row: nil, column: c, merged((0..<rows).map { source[$0 * columns + c] }))) }
            // Group disclosure: a cell's share of its row (its group).
            for r in 0..<rows {
                let group = cells[rows * columns + r].statistics.count
                for c in 0..<columns where group > 0 {
                    cells[r * columns + c].statistics.groupShare = Double(cells[r * columns + c].statistics.count) / Double(group)
                }
            }
        }
        cells.append(cell(.total, row: nil, column: nil, merged(source)))

        let rules = DisclosureRules(policy: policy)
        for i in cells.indices {
            cells[i].findings = rules.findings(for: cells[i].statistics, magnitude: spec.isMagnitude)
            if cells[i].findings.contains(where: \.isUnsafe) { cells[i].status = .primary }
        }
        let allowsNegative = a.negatives.contains { $0 > 0 }
        return ProtectedTable(rowLabels: rowOrder.map(\.1), columnLabels: twoWay ? columnOrder.map(\.1) : [],
                              twoWay: twoWay, cells: cells,
                              lines: ProtectedTable.lines(rows: rows, columns: columns, twoWay: twoWay),
                              allowsNegative: allowsNegative,
                              integral: spec.statistic == .count && spec.weight == nil)
    }

    /// Keys with their labels, in label order: numerically when every label of the first part is
    /// a number, else by text.
    static func sortedKeys(_ keys: ByteKeyDictionary, parts: Int) -> [(Int, [String])] {
        let labelled = (0..<keys.count).map { ($0, TableAggregator.labels(keys.key($0), parts: parts)) }
        return labelled.sorted { x, y in
            for (a, b) in zip(x.1, y.1) where a != b {
                if let da = Double(a), let db = Double(b), da != db { return da < db }
                return a < b
            }
            return x.1.count < y.1.count
        }
    }
}
