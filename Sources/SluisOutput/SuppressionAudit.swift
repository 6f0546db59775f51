/// Computes, from the published figures only, the interval each suppressed cell can lie in: for
/// every suppressed cell one linear program minimises and one maximises its value subject to the
/// table's lines (every line's members sum to its margin) with the published cells fixed. This
/// is what an attacker with the table and a solver learns; a cell whose interval is a single
/// value has been disclosed however it is marked.
public enum SuppressionAudit {
    /// A suppressed cell whose interval is (within rounding) a single value.
    public struct Exposure: Equatable, Sendable {
        /// The cell's index in the table's `cells`.
        public var cell: Int
        /// The interval the published figures leave it.
        public var interval: ProtectedTable.ClosedInterval
    }

    /// The interval of every suppressed cell (nil for published ones), using `additiveValue`s.
    public static func intervals(_ table: ProtectedTable, suppressed: [Bool]) throws -> [ProtectedTable.ClosedInterval?] {
        let program = LinearProgram()
        var variable = [Int?](repeating: nil, count: table.cells.count)
        for (i, s) in suppressed.enumerated() where s {
            variable[i] = program.addVariable(lower: table.allowsNegative ? nil : 0, upper: nil)
        }
        guard variable.contains(where: { $0 != nil }) else { return variable.map { _ in nil } }
        for line in table.lines {
            // members − margin = 0, with the published figures moved to the right-hand side.
            var terms: [(variable: Int, coefficient: Double)] = []
            var known = 0.0
            var scale = 1.0
            for (position, cell) in line.enumerated() {
                let sign: Double = position == line.count - 1 ? -1 : 1
                if let v = variable[cell] {
                    terms.append((v, sign))
                } else {
                    known += sign * table.cells[cell].additiveValue
                }
                scale = max(scale, abs(table.cells[cell].additiveValue))
            }
            guard !terms.isEmpty else { continue }
            // Tolerance for the rounding of published doubles (never wider than a ten-billionth of the line's scale).
            let tolerance = 1e-10 * scale * Double(line.count)
            program.addConstraint(terms, lower: -known - tolerance, upper: -known + tolerance)
        }
        var out = [ProtectedTable.ClosedInterval?](repeating: nil, count: table.cells.count)
        for (i, v) in variable.enumerated() {
            guard let v else { continue }
            program.setObjective([(v, 1)], maximise: false)
            let low: Double?
            switch program.solveLinear() {
            case let .optimal(l): low = l
            case .unbounded: low = nil
            default: throw OutputError.suppressionFailed(detail: "the audit's linear program for a cell has no solution")
            }
            program.setObjective([(v, 1)], maximise: true)
            let high: Double?
            switch program.solveLinear() {
            case let .optimal(h): high = h
            case .unbounded: high = nil
            default: throw OutputError.suppressionFailed(detail: "the audit's linear program for a cell has no solution")
            }
            if table.integral {
                out[i] = ProtectedTable.ClosedInterval(lower: low.map { ($0 - 1e-6).rounded(.up) }, upper: high.map { ($0 + 1e-6).rounded(.down) })
            } else {
                out[i] = ProtectedTable.ClosedInterval(lower: low, upper: high)
            }
        }
        return out
    }

    /// The suppressed cells an attacker can pin down to one value.
    public static func exposures(_ table: ProtectedTable, suppressed: [Bool]) throws -> [Exposure] {
        let found = try intervals(table, suppressed: suppressed)
        var out: [Exposure] = []
        for (i, interval) in found.enumerated() {
            guard let interval, let width = interval.width else { continue }
            if width <= exposureTolerance(table.cells[i].additiveValue) { out.append(Exposure(cell: i, interval: interval)) }
        }
        return out
    }

    /// How narrow an interval may be and still count as a single value: the rounding of doubles.
    static func exposureTolerance(_ value: Double) -> Double { 1e-7 * max(1, abs(value)) }
}
