/// The table rules of an `OutputPolicy`, applied to one cell. Every comparison is written exactly
/// as docs/output.md states its boundary, and each is tested at, just below and just above it.
public struct DisclosureRules: Sendable {
    /// The policy whose table and model rules are applied.
    public let policy: OutputPolicy

    /// The rules of `policy`.
    public init(policy: OutputPolicy) { self.policy = policy }

    /// The findings for one cell. `magnitude` is true for sum and mean tables: the dominance
    /// rules (n = 1, p %, (n,k)) apply only to magnitudes, the count rules to every table.
    public func findings(for cell: CellStatistics, magnitude: Bool) -> [CellFinding] {
        let rules = policy.table
        var out: [CellFinding] = []
        if cell.count == 0 {
            if rules.zeroCellsDisclosive { out.append(.zero) }
            return out
        }
        if cell.count < rules.minimumCount { out.append(.threshold) }
        if let share = cell.groupShare, share > rules.groupShare { out.append(.groupDisclosure) }
        if let minimum = rules.minimumInstitutions, let institutions = cell.institutionCount, institutions < minimum {
            out.append(.institutions)
        }
        if magnitude {
            let total = cell.absoluteTotal
            let x1 = cell.contribution(0), x2 = cell.contribution(1)
            if total > 0 {
                if x1 >= rules.dominanceShare * total { out.append(.dominance) }
                if let p = rules.percentRule, total - x1 - x2 < p / 100 * x1 { out.append(.percentRule) }
                if let nk = rules.nkDominance {
                    let top = (0..<nk.n).reduce(0.0) { $0 + cell.contribution($1) }
                    if top > nk.k * total { out.append(.nkDominance) }
                }
            }
            if cell.negativeCount > 0 { out.append(.negativeValues) }
        }
        return out
    }

    /// Whether any finding makes the cell unsafe.
    public func isUnsafe(_ cell: CellStatistics, magnitude: Bool) -> Bool {
        findings(for: cell, magnitude: magnitude).contains { $0.isUnsafe }
    }

    /// The model rule: unsafe when residual degrees of freedom < minimumResidualDF.
    public func modelIsUnsafe(residualDF: Int) -> Bool { residualDF < policy.model.minimumResidualDF }
}
