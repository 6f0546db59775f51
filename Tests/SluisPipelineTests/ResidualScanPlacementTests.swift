import XCTest
import SluisCore
import SluisIO
@testable import SluisPipeline
import SluisTestSupport

/// The residual scan of kept values is left in each batch for whichever thread has time
/// (`BatchConsumer.prepare`). Its findings must be the same — counts and the first lines each
/// tally keeps — whichever thread scans, in a dry run (no writing thread), for values packed in
/// quotes (scanned at once) and for rows rejected after their values were packed.
final class ResidualScanPlacementTests: PipelineTestCase {
    override func tearDown() {
        FilePipeline.pseudonymPlacement = .adaptive
        super.tearDown()
    }

    /// 60 000 rows (several batches). Row r's note: an e-mail address in quotes (with a comma)
    /// when r % 11 == 0, else a BSN when r % 7 == 0, plain text otherwise; its bsn is invalid (the row
    /// is rejected) when r % 13 == 0.
    private func rows() -> (csv: String, bsnRows: Int, emailRows: Int, rejected: Int) {
        var lines = ["id,bsn,note,short"]
        var bsnRows = 0, emailRows = 0, rejected = 0
        for r in 1...60_000 {
            var note = "nothing to see here"
            if r % 11 == 0 { note = "\"mail, jan@example.nl\""; emailRows += 1 }
            else if r % 7 == 0 { note = "bsn 123456782 noted"; bsnRows += 1 }
            if r % 13 == 0 { rejected += 1 }
            lines.append("\(r),\(r % 13 == 0 ? "12345" : "123456782"),\(note),ab")
        }
        return (lines.joined(separator: "\n") + "\n", bsnRows, emailRows, rejected)
    }

    func testFindingsAreTheSameWhicheverThreadScans() throws {
        let (csv, bsnRows, emailRows, rejected) = rows()
        let pipeline = try load(csv, columns: """
            { "id": "keep", "bsn": { "action": "pseudonymise", "identifier": "bsn", "invalid": "reject-row" },
              "note": { "action": "keep", "allowIdentifiers": true }, "short": "keep" }
            """)
        var reports: [FileReport] = []
        for placement in WorkPlacement.allCases {
            FilePipeline.pseudonymPlacement = placement
            reports.append(try output(pipeline).report)
        }
        reports.append(try XCTUnwrap(pipeline.check().files.first))  // the dry run: one thread
        let reference = reports[0]
        XCTAssertEqual(reference.rowsRejected, rejected)
        let bsn = try XCTUnwrap(reference.residuals.first { $0.column == "note" && $0.kind == "bsn" })
        let email = try XCTUnwrap(reference.residuals.first { $0.column == "note" && $0.kind == "email" })
        // Rejected rows' values count too (they were scanned before the row was rejected).
        XCTAssertEqual(bsn.tally.count, bsnRows)
        XCTAssertEqual(email.tally.count, emailRows)
        XCTAssertEqual(bsn.tally.lines.prefix(3), [8, 15, 22])  // rows 7, 14, 21 (line = row + 1)
        XCTAssertEqual(email.tally.lines.prefix(2), [12, 23])
        XCTAssertFalse(reference.residuals.contains { $0.column == "short" || $0.column == "id" })
        for (i, report) in reports.enumerated() {
            XCTAssertEqual(report.residuals, reference.residuals, "run \(i)")
            XCTAssertEqual(report.rowsOut, reference.rowsOut, "run \(i)")
        }
    }
}
