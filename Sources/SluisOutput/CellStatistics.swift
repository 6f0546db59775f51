/// What the disclosure rules need to know about one cell: counts and the largest contributions,
/// never who contributed. Built by `TableAggregator` per cell and margin, and read back from
/// evidence by `sluis output check`, so both judge with the same `DisclosureRules`.
public struct CellStatistics: Equatable, Sendable {
    /// Unweighted number of records (contributors) in the cell.
    public var count: Int
    /// Sum of the absolute unweighted contributions (magnitude tables), the total dominance is judged against.
    public var absoluteTotal: Double
    /// The largest absolute contributions, largest first (as many as the policy's rules need).
    /// With `dominanceByInstitution` these are per-institution sums.
    public var largest: [Double]
    /// Records with a negative value (dominance is then judged on absolute values; flagged for review).
    public var negativeCount: Int
    /// Distinct institutions among the cell's contributors, when an institution column was given.
    public var institutionCount: Int?
    /// N of the cell over N of its group (its row), for interior cells of a two-way table.
    public var groupShare: Double?

    /// Statistics of one cell; the optional ones only where the table has them.
    public init(count: Int, absoluteTotal: Double = 0, largest: [Double] = [], negativeCount: Int = 0,
                institutionCount: Int? = nil, groupShare: Double? = nil) {
        self.count = count
        self.absoluteTotal = absoluteTotal
        self.largest = largest
        self.negativeCount = negativeCount
        self.institutionCount = institutionCount
        self.groupShare = groupShare
    }

    /// The i-th largest contribution (0-based), 0 when the cell has fewer.
    func contribution(_ i: Int) -> Double { i < largest.count ? largest[i] : 0 }
}

/// Why a cell is unsafe (primary suppression) or needs a person's look. Raw values are the
/// names used in evidence files and reports.
public enum CellFinding: String, Codable, Sendable, CaseIterable {
    case threshold            // 0 < N < minimumCount
    case zero                 // N = 0 and zero cells are disclosive
    case dominance            // largest / total ≥ dominanceShare
    case percentRule = "p-percent"
    case nkDominance = "nk-dominance"
    case groupDisclosure = "group"
    case institutions         // fewer distinct institutions than required
    case negativeValues = "negative-values"   // review flag, not a suppression reason

    /// Whether the finding makes the cell unsafe (the others only ask for a person's review).
    public var isUnsafe: Bool { self != .negativeValues }
}
