import XCTest
@testable import SluisOutput

/// Secondary suppression and its audit on tables where the naive choice leaks.
final class SuppressionTests: XCTestCase {
    /// A two-way count table from interior counts; margins added; `primary` cells marked.
    func table(_ interior: [[Double]], primary: [(Int, Int)]) -> ProtectedTable {
        let rows = interior.count, columns = interior[0].count
        var cells: [ProtectedTable.Cell] = []
        func cell(_ kind: ProtectedTable.Kind, _ r: Int?, _ c: Int?, _ v: Double) -> ProtectedTable.Cell {
            .init(kind: kind, row: r, column: c, statistics: CellStatistics(count: Int(v)), weightedCount: v, value: v,
                  additiveValue: v, findings: [], status: .published, interval: nil)
        }
        for r in 0..<rows { for c in 0..<columns { cells.append(cell(.cell, r, c, interior[r][c])) } }
        for r in 0..<rows { cells.append(cell(.rowMargin, r, nil, interior[r].reduce(0, +))) }
        for c in 0..<columns { cells.append(cell(.columnMargin, nil, c, interior.map { $0[c] }.reduce(0, +))) }
        cells.append(cell(.total, nil, nil, interior.flatMap { $0 }.reduce(0, +)))
        var t = ProtectedTable(rowLabels: (0..<rows).map { ["r\($0)"] }, columnLabels: (0..<columns).map { ["c\($0)"] },
                               twoWay: true, cells: cells, lines: ProtectedTable.lines(rows: rows, columns: columns, twoWay: true),
                               allowsNegative: false, integral: true)
        for (r, c) in primary { t.cells[t.index(row: r, column: c)].status = .primary }
        return t
    }

    let counts: [[Double]] = [[20, 3, 25], [30, 40, 35], [22, 28, 50]]

    func testTheNaiveSuppressionOfOneCellIsRecomputedFromItsRow() throws {
        let t = table(counts, primary: [(0, 1)])
        let exposed = try SuppressionAudit.exposures(t, suppressed: t.isSuppressed)
        XCTAssertEqual(exposed.map(\.cell), [t.index(row: 0, column: 1)])
        XCTAssertEqual(exposed.first?.interval, .init(lower: 3, upper: 3))
    }

    func testSecondarySuppressionLeavesEverySuppressedCellAnInterval() throws {
        var t = table(counts, primary: [(0, 1)])
        try SecondarySuppression.protect(&t)
        let suppressed = t.isSuppressed
        XCTAssertGreaterThanOrEqual(suppressed.filter { $0 }.count, 4, "a 2×2 rectangle at least")
        XCTAssertTrue(try SuppressionAudit.exposures(t, suppressed: suppressed).isEmpty)
        for (i, s) in suppressed.enumerated() where s {
            let interval = try XCTUnwrap(t.cells[i].interval)
            XCTAssertGreaterThan(interval.width ?? .infinity, 0)
            XCTAssertLessThanOrEqual(interval.lower ?? -.infinity, t.cells[i].additiveValue)
            XCTAssertGreaterThanOrEqual(interval.upper ?? .infinity, t.cells[i].additiveValue)
        }
        // Every line with a suppression has at least two.
        for line in t.lines {
            let n = line.filter { suppressed[$0] }.count
            XCTAssertTrue(n == 0 || n >= 2)
        }
        XCTAssertEqual(t.cells.filter { $0.status == .primary }.count, 1)
    }

    func testTheAuditCatchesADeliberatelyWeakSuppression() throws {
        // Two cells hidden in one row satisfy that row, but each is alone in its column.
        var t = table(counts, primary: [(0, 1)])
        t.cells[t.index(row: 0, column: 2)].status = .secondary
        let exposed = try SuppressionAudit.exposures(t, suppressed: t.isSuppressed)
        XCTAssertEqual(Set(exposed.map(\.cell)), [t.index(row: 0, column: 1), t.index(row: 0, column: 2)])
    }

    func testARectangleIsSafeWithTheWidestInterval() throws {
        // Four cells in a rectangle: each can move by ±10 against the others, so [0, 20].
        let t0 = table([[10, 10, 10, 10], [10, 10, 10, 10], [10, 10, 10, 10], [10, 10, 10, 10]], primary: [])
        var suppressed = [Bool](repeating: false, count: t0.cells.count)
        for (r, c) in [(0, 0), (0, 1), (1, 0), (1, 1)] { suppressed[t0.index(row: r, column: c)] = true }
        XCTAssertTrue(try SuppressionAudit.exposures(t0, suppressed: suppressed).isEmpty, "a rectangle is safe")
        let intervals = try SuppressionAudit.intervals(t0, suppressed: suppressed)
        XCTAssertEqual(intervals[t0.index(row: 0, column: 0)], .init(lower: 0, upper: 20))
    }

    func testOneWayTableNeedsASecondSuppression() throws {
        var cells: [ProtectedTable.Cell] = []
        for (i, v) in [4.0, 30, 40].enumerated() {
            cells.append(.init(kind: .cell, row: i, column: 0, statistics: CellStatistics(count: Int(v)), weightedCount: v, value: v,
                               additiveValue: v, findings: [], status: i == 0 ? .primary : .published, interval: nil))
        }
        cells.append(.init(kind: .total, row: nil, column: nil, statistics: CellStatistics(count: 74), weightedCount: 74, value: 74,
                           additiveValue: 74, findings: [], status: .published, interval: nil))
        var t = ProtectedTable(rowLabels: [["a"], ["b"], ["c"]], columnLabels: [], twoWay: false, cells: cells,
                               lines: ProtectedTable.lines(rows: 3, columns: 1, twoWay: false), allowsNegative: false, integral: true)
        try SecondarySuppression.protect(&t)
        XCTAssertEqual(t.cells.map(\.status), [.primary, .secondary, .published, .published], "the smaller neighbour, not the total")
        XCTAssertEqual(t.cells[0].interval, .init(lower: 0, upper: 34))
    }

    func testNothingToProtectLeavesTheTableAlone() throws {
        var t = table(counts, primary: [])
        try SecondarySuppression.protect(&t)
        XCTAssertFalse(t.isSuppressed.contains(true))
    }
}
