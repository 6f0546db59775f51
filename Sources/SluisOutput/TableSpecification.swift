/// What `sluis output table` is asked to compute.
public struct TableSpecification: Sendable {
    /// What each cell shows.
    public enum Statistic: String, Sendable, Codable {
        /// Frequencies: N, or the sum of weights with `--weight`.
        case count
        /// Sum of the value (weighted with `--weight`).
        case sum
        /// Mean of the value (weighted with `--weight`).
        case mean
    }

    /// The row variables, outer first.
    public var rows: [String]
    /// The column variables (empty: a one-way table).
    public var columns: [String]
    /// The value variable (nil for counts).
    public var value: String?
    /// What each cell shows.
    public var statistic: Statistic
    /// The weight variable (nil: unweighted).
    public var weight: String?
    /// The institution variable for the institution rules (nil: not given).
    public var institution: String?

    /// A specification; without columns, value and weight, a one-way frequency table.
    public init(rows: [String], columns: [String] = [], value: String? = nil, statistic: Statistic = .count,
                weight: String? = nil, institution: String? = nil) {
        self.rows = rows
        self.columns = columns
        self.value = value
        self.statistic = statistic
        self.weight = weight
        self.institution = institution
    }

    /// Whether the dominance rules apply (sum and mean tables).
    public var isMagnitude: Bool { statistic != .count }
}
