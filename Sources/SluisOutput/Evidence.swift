/// The evidence file written beside every output (`NAME.evidence.json`): what the rules saw, per
/// cell, and what was done, bound to the output by its SHA-256 and to the policy by name, version
/// and hash. It holds counts and the largest contributions, never a contributor's identity; it is
/// meant for the output checker inside the environment (a release carries `ReleasedEvidence`).
public struct Evidence: Codable, Equatable, Sendable {
    public static let formatName = "sluis-output-evidence"
    public static let currentVersion = 1
    public static let fileSuffix = ".evidence.json"

    public var format: String
    public var version: Int
    /// `table` or `model`.
    public var kind: String
    /// The output's base name (the evidence lies beside it).
    public var file: String
    /// SHA-256 of the output's bytes, lowercase hex.
    public var sha256: String
    public var policy: PolicyReference
    /// The rules as applied (so a checker can recheck under exactly these).
    public var rules: OutputPolicy
    public var createdAt: String
    public var tool: String
    public var table: TableEvidence?
    public var model: ModelEvidence?

    public struct TableEvidence: Codable, Equatable, Sendable {
        public var rows: [String]
        public var columns: [String]
        public var statistic: TableSpecification.Statistic
        public var value: String?
        public var weight: String?
        public var institution: String?
        public var rowsRead: Int
        public var rowsSkipped: Int
        /// `suppression` or `rounding:BASE`.
        public var treatment: String
        public var cells: [CellEvidence]
        public var primaryCount: Int
        public var secondaryCount: Int
        /// The narrowest audited interval of a suppressed cell (nil: none suppressed, or all unbounded).
        public var minimumIntervalWidth: Double?
    }

    public struct CellEvidence: Codable, Equatable, Sendable {
        public var kind: ProtectedTable.Kind
        public var row: [String]?
        public var column: [String]?
        /// Where the figure is in the output: 1-based line and field.
        public var line: Int
        public var field: Int
        /// Unweighted N.
        public var n: Int
        public var weightedN: Double
        /// The largest absolute contributions, largest first (magnitude tables).
        public var largest: [Double]?
        public var absoluteTotal: Double?
        public var negativeValues: Int?
        public var groupShare: Double?
        public var institutions: Int?
        public var findings: [CellFinding]
        public var status: ProtectedTable.Status
        /// The audited feasible interval of a suppressed cell's additive value; `upper` absent when unbounded.
        public var interval: ProtectedTable.ClosedInterval?
        public var intervalWidth: Double?

        /// The statistics the rules are rechecked with.
        public var statistics: CellStatistics {
            CellStatistics(count: n, absoluteTotal: absoluteTotal ?? 0, largest: largest ?? [], negativeCount: negativeValues ?? 0,
                           institutionCount: institutions, groupShare: groupShare)
        }
    }

    public struct ModelEvidence: Codable, Equatable, Sendable {
        public var method: String
        public var y: String
        public var x: [String]
        public var n: Int
        public var parameters: Int
        public var residualDF: Int
        public var rowsSkipped: Int
        public var findings: [String]
        public var status: String
    }
}

/// The part of an evidence file that leaves the environment with a release: which file, which
/// hash, which policy, and per cell only the status and the reasons. N, contributions and
/// intervals stay inside: a suppressed cell's N would undo its suppression.
public struct ReleasedEvidence: Codable, Equatable, Sendable {
    public static let formatName = "sluis-output-released-evidence"
    public var format: String
    public var kind: String
    public var file: String
    public var sha256: String
    public var policy: PolicyReference
    public var createdAt: String
    public var cells: [Cell]?
    public var model: Evidence.ModelEvidence?

    public struct Cell: Codable, Equatable, Sendable {
        public var line: Int
        public var field: Int
        public var status: ProtectedTable.Status
        public var findings: [CellFinding]
    }

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
