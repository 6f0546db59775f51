/// Chooses the further cells to suppress so that no suppressed value can be recomputed.
///
/// An integer program (GLPK) picks a binary "suppress" per cell: primary cells are fixed to 1,
/// and in every line (members and margin) a suppressed cell needs at least one other suppressed
/// cell — otherwise it is the line's margin minus the published members, the naive leak of a row
/// with one suppressed cell. The cost of suppressing a cell is 1 plus its share of the grand
/// total, so the fewest cells are hidden and, among equals, the smallest.
///
/// That line condition is necessary but not sufficient (a hidden cell can still be pinned down
/// through a chain of lines), so every candidate pattern goes through `SuppressionAudit`; when the
/// audit finds a cell it can pin down, a cut is added (suppress one more cell in that cell's lines,
/// and never this pattern again) and the program is solved again, until the audit passes.
public enum SecondarySuppression {
    /// Solve-and-audit rounds before giving up (the request is refused, not released half-protected).
    public static let maximumRounds = 100
    /// GLPK's time limit per round, in seconds.
    public static let timeLimitSecondsPerRound = 60

    /// Marks secondary cells in `table` and records every suppressed cell's audited interval.
    public static func protect(_ table: inout ProtectedTable) throws {
        let primary = table.cells.map { $0.status == .primary }
        guard primary.contains(true) else { return }
        let n = table.cells.count
        let grand = max(1, abs(table.cells[table.total].additiveValue))
        let program = LinearProgram()
        for (i, cell) in table.cells.enumerated() {
            let cost = 1 + abs(cell.additiveValue) / grand
            program.addVariable(lower: primary[i] ? 1 : 0, upper: 1, cost: cost, binary: true)
        }
        var linesOf = [[Int]](repeating: [], count: n)
        for (l, line) in table.lines.enumerated() {
            for c in line { linesOf[c].append(l) }
            for c in line {
                // Σ others − self ≥ 0
                let terms = line.map { ($0, $0 == c ? -1.0 : 1.0) }
                program.addConstraint(terms, lower: 0, upper: nil)
            }
        }
        for _ in 0..<maximumRounds {
            switch program.solveInteger(timeLimitSeconds: timeLimitSecondsPerRound) {
            case .optimal: break
            case .infeasible:
                throw OutputError.suppressionFailed(detail: "no pattern of suppressions protects every unsafe cell")
            default:
                throw OutputError.suppressionFailed(detail: "the integer program did not finish within \(timeLimitSecondsPerRound) s")
            }
            let suppressed = (0..<n).map { program.integerValue($0) > 0.5 }
            guard zip(primary, suppressed).allSatisfy({ !$0 || $1 }) else {
                throw OutputError.suppressionFailed(detail: "the integer program left an unsafe cell published")
            }
            let exposed = try SuppressionAudit.exposures(table, suppressed: suppressed)
            if exposed.isEmpty {
                let intervals = try SuppressionAudit.intervals(table, suppressed: suppressed)
                for i in 0..<n {
                    if suppressed[i] && !primary[i] { table.cells[i].status = .secondary }
                    table.cells[i].interval = intervals[i]
                }
                return
            }
            let outside = (0..<n).filter { !suppressed[$0] }
            guard !outside.isEmpty else {
                throw OutputError.suppressionFailed(detail: "even with every cell suppressed a value can be recomputed")
            }
            for e in exposed {
                // If this cell stays suppressed, one more cell in one of its lines must be too.
                let neighbours = Set(linesOf[e.cell].flatMap { table.lines[$0] }).filter { !suppressed[$0] }
                if !neighbours.isEmpty {
                    program.addConstraint(neighbours.sorted().map { ($0, 1.0) } + [(e.cell, -1.0)], lower: 0, upper: nil)
                }
            }
            // And never this pattern (or a part of it) again.
            program.addConstraint(outside.map { ($0, 1.0) }, lower: 1, upper: nil)
        }
        throw OutputError.suppressionFailed(detail: "no safe pattern was found in \(maximumRounds) rounds")
    }
}
