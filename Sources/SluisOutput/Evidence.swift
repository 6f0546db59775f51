/// The evidence file written beside every output (`NAME.evidence.json`): what the rules saw, per
/// cell, and what was done, bound to the output by its SHA-256 and to the policy by name, version
/// and hash. It holds counts and the largest contributions, never a contributor's identity; it is
/// meant for the output checker inside the environment (a release carries `ReleasedEvidence`).
public struct Evidence: Codable, Equatable, Sendable {
    /// The `format` value of every evidence file; `check` refuses anything else.
    public static let formatName = "sluis-output-evidence"
    /// The only evidence layout this build writes and reads.
    public static let currentVersion = 1
    /// Appended to the output's name: `TABLE.csv` → `TABLE.csv.evidence.json`.
    public static let fileSuffix = ".evidence.json"

    /// Always `formatName`.
    public var format: String
    /// Always `currentVersion` when written; checked when read.
    public var version: Int
    /// `table` or `model`.
    public var kind: String
    /// The output's base name (the evidence lies beside it).
    public var file: String
    /// SHA-256 of the output's bytes, lowercase hex.
    public var sha256: String
    /// Which policy the output was made under (name, version and hash).
    public var policy: PolicyReference
    /// The rules as applied (so a checker can recheck under exactly these).
    public var rules: OutputPolicy
    /// UTC, when the output was made.
    public var createdAt: String
    /// `sluis <version>` that made it.
    public var tool: String
    /// What the table rules saw, for a table; nil for a model.
    public var table: TableEvidence?
    /// What the model rules saw, for a model; nil for a table.
    public var model: ModelEvidence?

    /// A table's definition and every cell's statistics and decision.
    public struct TableEvidence: Codable, Equatable, Sendable {
        /// The row variables, outer first.
        public var rows: [String]
        /// The column variables (empty for a one-way table).
        public var columns: [String]
        /// What each cell shows: a count, a sum or a mean.
        public var statistic: TableSpecification.Statistic
        /// The value variable summed or averaged (nil for counts).
        public var value: String?
        /// The weight variable (nil when unweighted).
        public var weight: String?
        /// The institution variable the institution rules use (nil when not given).
        public var institution: String?
        /// Data rows read.
        public var rowsRead: Int
        /// Rows left out for an empty value or weight.
        public var rowsSkipped: Int
        /// `suppression` or `rounding:BASE`.
        public var treatment: String
        /// Every cell and margin, in output order.
        public var cells: [CellEvidence]
        /// Cells unsafe under the rules themselves (primary suppression).
        public var primaryCount: Int
        /// Cells suppressed only so the primary ones cannot be recomputed (secondary suppression).
        public var secondaryCount: Int
        /// The narrowest audited interval of a suppressed cell (nil: none suppressed, or all unbounded).
        public var minimumIntervalWidth: Double?
    }

    /// One cell or margin: where it is, its statistics, the rules' findings and what was done.
    public struct CellEvidence: Codable, Equatable, Sendable {
        /// Interior cell or margin (row, column, grand total).
        public var kind: ProtectedTable.Kind
        /// The cell's row categories (nil for a column margin or the grand total).
        public var row: [String]?
        /// The cell's column categories (nil for a row margin or the grand total).
        public var column: [String]?
        /// Where the figure is in the output: 1-based line and field.
        public var line: Int
        /// 1-based field of the figure on that line.
        public var field: Int
        /// Unweighted N.
        public var n: Int
        /// The sum of the cell's weights (equal to `n` when unweighted).
        public var weightedN: Double
        /// The largest absolute contributions, largest first (magnitude tables).
        public var largest: [Double]?
        /// The sum of absolute contributions dominance is judged against (magnitude tables).
        public var absoluteTotal: Double?
        /// Records with a negative value (the file then needs review).
        public var negativeValues: Int?
        /// N of the cell over N of its row (interior cells of two-way tables).
        public var groupShare: Double?
        /// Distinct institutions in the cell, when an institution variable was given.
        public var institutions: Int?
        /// The rules the cell breaks or that need a person's look.
        public var findings: [CellFinding]
        /// Shown, suppressed (primary or secondary) or rounded.
        public var status: ProtectedTable.Status
        /// The audited feasible interval of a suppressed cell's additive value; `upper` absent when unbounded.
        public var interval: ProtectedTable.ClosedInterval?
        /// `upper - lower` of `interval`; nil when unbounded or not suppressed.
        public var intervalWidth: Double?

        /// The statistics the rules are rechecked with.
        public var statistics: CellStatistics {
            CellStatistics(count: n, absoluteTotal: absoluteTotal ?? 0, largest: largest ?? [], negativeCount: negativeValues ?? 0,
                           institutionCount: institutions, groupShare: groupShare)
        }
    }

    /// A regression's specification and what the model rules found.
    public struct ModelEvidence: Codable, Equatable, Sendable {
        /// `ols` or `logit`.
        public var method: String
        /// The dependent variable.
        public var y: String
        /// The explanatory variables.
        public var x: [String]
        /// Records the model was fitted on.
        public var n: Int
        /// Estimated parameters (the intercept included).
        public var parameters: Int
        /// Residual degrees of freedom: N minus the parameters (the model rules' threshold).
        public var residualDF: Int
        /// Rows left out for a missing value.
        public var rowsSkipped: Int
        /// The model rules' findings (empty when made: a model that breaks a rule is refused, not written).
        public var findings: [String]
        /// The verdict when it was made (`safe`); `check` judges the evidence again under the policy.
        public var status: String
    }
}

/// The part of an evidence file that leaves the environment with a release: which file, which
/// hash, which policy, and per cell only the status and the reasons. N, contributions and
/// intervals stay inside: a suppressed cell's N would undo its suppression.
public struct ReleasedEvidence: Codable, Equatable, Sendable {
    /// The `format` value of released evidence; never the full evidence's.
    public static let formatName = "sluis-output-released-evidence"
    /// Always `formatName`.
    public var format: String
    /// `table` or `model`.
    public var kind: String
    /// The released output's base name.
    public var file: String
    /// SHA-256 of the output's bytes, lowercase hex: binds this to the file released.
    public var sha256: String
    /// The policy the output was made under.
    public var policy: PolicyReference
    /// UTC, when the output was made.
    public var createdAt: String
    /// Per cell: its position, status and findings only (nil for a model).
    public var cells: [Cell]?
    /// The model's evidence (its counts are safe to release: they are the model's own sizes).
    public var model: Evidence.ModelEvidence?

    /// One released cell: where it is and what was done, without its N or contributions.
    public struct Cell: Codable, Equatable, Sendable {
        /// 1-based line of the figure in the output.
        public var line: Int
        /// 1-based field of the figure on that line.
        public var field: Int
        /// Shown, suppressed or rounded.
        public var status: ProtectedTable.Status
        /// The rules' findings for the cell.
        public var findings: [CellFinding]
    }

    /// The releasable part of `e`: drops N, contributions and intervals of every cell.
    public init(_ e: Evidence) {
        format = Self.formatName
        kind = e.kind
        file = e.file
        sha256 = e.sha256
        policy = e.policy
        createdAt = e.createdAt
        cells = e.table?.cells.map { Cell(line: $0.line, field: $0.field, status: $0.status, findings: $0.findings) }
        model = e.model
    }
}
