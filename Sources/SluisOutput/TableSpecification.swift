/// What `sluis output table` is asked to compute.
public struct TableSpecification: Sendable {
    public enum Statistic: String, Sendable, Codable {
        /// Frequencies: N, or the sum of weights with `--weight`.
        case count
        /// Sum of the value (weighted with `--weight`).
        case sum
        /// Mean of the value (weighted with `--weight`).
        case mean
    }

    public var rows: [String]
    public var columns: [String]
    public var value: String?
    public var statistic: Statistic
    public var weight: String?
    public var institution: String?

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
