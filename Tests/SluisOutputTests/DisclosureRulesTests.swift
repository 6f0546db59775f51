import XCTest
@testable import SluisOutput

/// Every rule at its boundary and on either side of it (docs/output.md states each boundary).
final class DisclosureRulesTests: XCTestCase {
    func policy(_ edit: (inout OutputPolicy) -> Void = { _ in }) -> DisclosureRules {
        var p = OutputPolicy.cbsDefault
        edit(&p)
        return DisclosureRules(policy: p)
    }

    func findings(_ rules: DisclosureRules, _ cell: CellStatistics, magnitude: Bool = true) -> Set<CellFinding> {
        Set(rules.findings(for: cell, magnitude: magnitude))
    }

    /// A safe magnitude cell: many equal contributions.
    func spread(count: Int = 20, total: Double = 1000) -> CellStatistics {
        CellStatistics(count: count, absoluteTotal: total, largest: [total / Double(count), total / Double(count)])
    }

    func testThresholdIsUnsafeBelowTenAndSafeFromTen() {
        let r = policy()
        XCTAssertTrue(findings(r, CellStatistics(count: 9), magnitude: false).contains(.threshold))
        XCTAssertFalse(findings(r, CellStatistics(count: 10), magnitude: false).contains(.threshold))
        XCTAssertFalse(findings(r, CellStatistics(count: 11), magnitude: false).contains(.threshold))
        XCTAssertTrue(findings(r, CellStatistics(count: 1), magnitude: false).contains(.threshold))
    }

    func testZeroCellsAreSafeUnlessThePolicySaysTheyDisclose() {
        XCTAssertEqual(findings(policy(), CellStatistics(count: 0), magnitude: false), [])
        let zero = policy { $0.table.zeroCellsDisclosive = true }
        XCTAssertEqual(findings(zero, CellStatistics(count: 0), magnitude: false), [.zero])
        XCTAssertEqual(findings(zero, CellStatistics(count: 10), magnitude: false), [])
    }

    func testDominanceIsUnsafeFromFiftyPercent() {
        let r = policy()
        func cell(_ largest: Double) -> CellStatistics { CellStatistics(count: 20, absoluteTotal: 100, largest: [largest, 1]) }
        XCTAssertFalse(findings(r, cell(49.99)).contains(.dominance))
        XCTAssertTrue(findings(r, cell(50)).contains(.dominance))
        XCTAssertTrue(findings(r, cell(50.01)).contains(.dominance))
        // Count tables have no dominance rule.
        XCTAssertFalse(findings(r, cell(60), magnitude: false).contains(.dominance))
    }

    func testGroupDisclosureIsUnsafeAboveNinetyPercentOnly() {
        let r = policy()
        func cell(_ n: Int) -> CellStatistics { CellStatistics(count: n, groupShare: Double(n) / 100) }
        XCTAssertFalse(findings(r, cell(89), magnitude: false).contains(.groupDisclosure))
        XCTAssertFalse(findings(r, cell(90), magnitude: false).contains(.groupDisclosure))
        XCTAssertTrue(findings(r, cell(91), magnitude: false).contains(.groupDisclosure))
    }

    func testPercentRuleBoundary() {
        // p = 10: unsafe when total − x1 − x2 < 0.1 · x1; x1 = 40, x2 = 30 → the rest must be ≥ 4.
        let r = policy { $0.table.percentRule = 10 }
        func cell(rest: Double) -> CellStatistics { CellStatistics(count: 20, absoluteTotal: 70 + rest, largest: [40, 30]) }
        XCTAssertTrue(findings(r, cell(rest: 3.99)).contains(.percentRule))
        XCTAssertFalse(findings(r, cell(rest: 4)).contains(.percentRule))
        XCTAssertFalse(findings(r, cell(rest: 4.01)).contains(.percentRule))
        XCTAssertFalse(findings(policy(), cell(rest: 0)).contains(.percentRule), "off unless the policy sets it")
    }

    func testNKDominanceIsStrictlyAboveK() {
        // (2, 0.9): unsafe when x1 + x2 > 0.9 · total; total 100, x1 = 45.
        let r = policy { $0.table.nkDominance = .init(n: 2, k: 0.9) }
        func cell(second: Double) -> CellStatistics { CellStatistics(count: 20, absoluteTotal: 100, largest: [45, second]) }
        XCTAssertFalse(findings(r, cell(second: 44.99)).contains(.nkDominance))
        XCTAssertFalse(findings(r, cell(second: 45)).contains(.nkDominance), "exactly 90 % is safe (τ-Argus >, not ACRO ≥)")
        XCTAssertTrue(findings(r, cell(second: 45.01)).contains(.nkDominance))
    }

    func testNKWithThreeContributors() {
        let r = policy { $0.table.nkDominance = .init(n: 3, k: 0.75) }
        XCTAssertFalse(findings(r, CellStatistics(count: 20, absoluteTotal: 100, largest: [25, 25, 25])).contains(.nkDominance))
        XCTAssertTrue(findings(r, CellStatistics(count: 20, absoluteTotal: 100, largest: [25, 25, 25.01])).contains(.nkDominance))
    }

    func testMinimumInstitutions() {
        let r = policy { $0.table.minimumInstitutions = 3 }
        XCTAssertTrue(findings(r, CellStatistics(count: 20, institutionCount: 2), magnitude: false).contains(.institutions))
        XCTAssertFalse(findings(r, CellStatistics(count: 20, institutionCount: 3), magnitude: false).contains(.institutions))
        XCTAssertFalse(findings(r, CellStatistics(count: 20, institutionCount: 4), magnitude: false).contains(.institutions))
    }

    func testNegativeValuesAreFlaggedForReviewNotSuppressed() {
        var c = spread()
        c.negativeCount = 1
        XCTAssertEqual(findings(policy(), c), [.negativeValues])
        XCTAssertFalse(policy().isUnsafe(c, magnitude: true))
    }

    func testModelDegreesOfFreedomBoundary() {
        let r = policy()
        XCTAssertTrue(r.modelIsUnsafe(residualDF: 9))
        XCTAssertFalse(r.modelIsUnsafe(residualDF: 10))
        XCTAssertFalse(r.modelIsUnsafe(residualDF: 11))
    }
}
