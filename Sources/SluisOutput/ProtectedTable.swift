/// A table with margins and, per cell, what the rules found and whether it is published,
/// suppressed as primary, or suppressed as secondary.
///
/// Cells are one flat list: for a two-way table (R rows, C columns) interior `r·C + c`, then
/// the R row margins, the C column margins and the grand total; for a one-way table the R cells
/// and the total. `lines` are the additive relations a reader of the table knows: the members of
/// a line sum to its last element (its margin). Secondary suppression and the audit work on
/// these lines only, so they treat one-way and two-way tables alike.
public struct ProtectedTable: Sendable {
    public enum Kind: String, Codable, Sendable { case cell, rowMargin = "row-margin", columnMargin = "column-margin", total }
    public enum Status: String, Codable, Sendable { case published, primary, secondary, rounded }

    public struct Cell: Sendable {
        public var kind: Kind
        public var row: Int?
        public var column: Int?
        public var statistics: CellStatistics
        /// Σ weights (N without `--weight`), over the rows that counted.
        public var weightedCount: Double
        /// The figure the table shows.
        public var value: Double?
        /// The additive figure behind it (the count, weighted count or sum; for means the weighted sum),
        /// which the lines relate.
        public var additiveValue: Double
        public var findings: [CellFinding]
        public var status: Status
        /// Feasible interval of a suppressed cell's additive value, from the audit.
        public var interval: ClosedInterval?
    }

    /// [lower, upper]; either nil when unbounded on that side (below only when negative values are possible).
    public struct ClosedInterval: Codable, Equatable, Sendable {
        public var lower: Double?
        public var upper: Double?
        public var width: Double? {
            guard let lower, let upper else { return nil }
            return upper - lower
        }
    }

    public var rowLabels: [[String]]
    public var columnLabels: [[String]]
    public var twoWay: Bool
    public var cells: [Cell]
    public var lines: [[Int]]
    /// Whether any additive value can be negative (the audit then drops the lower bound 0).
    public var allowsNegative: Bool
    /// Whether every additive value is a whole number by nature (unweighted counts): the audit
    /// then rounds intervals inwards to whole numbers, as an attacker would.
    public var integral: Bool = false

    public var rowCount: Int { rowLabels.count }
    public var columnCount: Int { twoWay ? columnLabels.count : 1 }

    public func index(row: Int, column: Int) -> Int { row * columnCount + column }
    public func rowMargin(_ r: Int) -> Int { rowCount * columnCount + r }
    public func columnMargin(_ c: Int) -> Int { rowCount * columnCount + rowCount + c }
    public var total: Int { twoWay ? rowCount * columnCount + rowCount + columnCount : rowCount }

    public var isSuppressed: [Bool] { cells.map { $0.status == .primary || $0.status == .secondary } }

    /// The additive lines of a table with this shape.
    static func lines(rows: Int, columns: Int, twoWay: Bool) -> [[Int]] {
        if !twoWay { return [Array(0..<rows) + [rows]] }
        let interior = rows * columns
        var out: [[Int]] = []
        for r in 0..<rows { out.append((0..<columns).map { r * columns + $0 } + [interior + r]) }
        for c in 0..<columns { out.append((0..<rows).map { $0 * columns + c } + [interior + rows + c]) }
        let total = interior + rows + columns
        out.append((0..<columns).map { interior + rows + $0 } + [total])
        out.append((0..<rows).map { interior + $0 } + [total])
        return out
    }
}
