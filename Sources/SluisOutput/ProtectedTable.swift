/// A table with margins and, per cell, what the rules found and whether it is published,
/// suppressed as primary, or suppressed as secondary.
///
/// Cells are one flat list: for a two-way table (R rows, C columns) interior `r·C + c`, then
/// the R row margins, the C column margins and the grand total; for a one-way table the R cells
/// and the total. `lines` are the additive relations a reader of the table knows: the members of
/// a line sum to its last element (its margin). Secondary suppression and the audit work on
/// these lines only, so they treat one-way and two-way tables alike.
public struct ProtectedTable: Sendable {
    /// Where a cell sits: interior, a row or column margin, or the grand total.
    public enum Kind: String, Codable, Sendable { case cell, rowMargin = "row-margin", columnMargin = "column-margin", total }
    /// What was done to a cell: shown, suppressed (primary or secondary), or rounded.
    public enum Status: String, Codable, Sendable { case published, primary, secondary, rounded }

    /// One cell or margin with its statistics, the rules' findings and its status.
    public struct Cell: Sendable {
        /// Interior cell or which margin.
        public var kind: Kind
        /// The cell's row (nil for a column margin and the total).
        public var row: Int?
        /// The cell's column (nil for a row margin, the total, and one-way tables).
        public var column: Int?
        /// What the disclosure rules judge the cell by.
        public var statistics: CellStatistics
        /// Σ weights (N without `--weight`), over the rows that counted.
        public var weightedCount: Double
        /// The figure the table shows.
        public var value: Double?
        /// The additive figure behind it (the count, weighted count or sum; for means the weighted sum),
        /// which the lines relate.
        public var additiveValue: Double
        /// The rules the cell breaks or that need a person's look.
        public var findings: [CellFinding]
        /// Shown, suppressed or rounded.
        public var status: Status
        /// Feasible interval of a suppressed cell's additive value, from the audit.
        public var interval: ClosedInterval?
    }

    /// [lower, upper]; either nil when unbounded on that side (below only when negative values are possible).
    public struct ClosedInterval: Codable, Equatable, Sendable {
        /// The least the hidden value can be; nil when unbounded below.
        public var lower: Double?
        /// The most the hidden value can be; nil when unbounded above.
        public var upper: Double?
        /// `upper - lower`; nil when either side is unbounded.
        public var width: Double? {
            guard let lower, let upper else { return nil }
            return upper - lower
        }
    }

    /// The row categories, one list of values per row (several row variables: outer first).
    public var rowLabels: [[String]]
    /// The column categories, one list of values per column (empty for a one-way table).
    public var columnLabels: [[String]]
    /// True for a table with column variables.
    public var twoWay: Bool
    /// Every cell and margin, in the order above.
    public var cells: [Cell]
    /// The additive relations: each line's members sum to its last element.
    public var lines: [[Int]]
    /// Whether any additive value can be negative (the audit then drops the lower bound 0).
    public var allowsNegative: Bool
    /// Whether every additive value is a whole number by nature (unweighted counts): the audit
    /// then rounds intervals inwards to whole numbers, as an attacker would.
    public var integral: Bool = false

    /// Rows of the table.
    public var rowCount: Int { rowLabels.count }
    /// Columns of the table (1 for a one-way table).
    public var columnCount: Int { twoWay ? columnLabels.count : 1 }

    /// The index in `cells` of an interior cell.
    public func index(row: Int, column: Int) -> Int { row * columnCount + column }
    /// The index in `cells` of row `r`'s margin.
    public func rowMargin(_ r: Int) -> Int { rowCount * columnCount + r }
    /// The index in `cells` of column `c`'s margin.
    public func columnMargin(_ c: Int) -> Int { rowCount * columnCount + rowCount + c }
    /// The index in `cells` of the grand total.
    public var total: Int { twoWay ? rowCount * columnCount + rowCount + columnCount : rowCount }

    /// Per cell, whether it is hidden (primary or secondary suppression).
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
