import XCTest
import SluisCore
import SluisIO
@testable import SluisPipeline
import SluisTestSupport

/// With a CSV sink the reading thread formats the output rows itself (RowProcessor's CSV
/// packing) instead of leaving that to `CSVWriter.writeRow`. Both ways must give the same bytes
/// and counts for every quoting rule, dialect and row outcome, so each case runs both ways.
final class CSVPackingTests: PipelineTestCase {
    override func tearDown() {
        FilePipeline.packsCSV = true
        super.tearDown()
    }

    /// Fields that need quoting in one dialect and not in another, doubled quotes, line breaks,
    /// a lone CR, long fields (past the eight-byte fast path), empty and non-ASCII fields,
    /// invalid identifiers (blanked) and a rejected row.
    private func tricky(_ d: String, _ eol: String) -> String {
        [
            "id\(d)bsn\(d)note\(d)birth\(d)gone",
            "1\(d)123456782\(d)\"has , comma; semi | pipe\"\(d)1984-02-29\(d)x",
            "2\(d)123456789\(d)\"quote \"\" inside\"\(d)1990-01-01\(d)y",
            "3\(d)\(d)plain \"q\" mid\(d)1990-13-01\(d)z",
            "4\(d)123456782\(d)\"line\nbreak and \r\n crlf\"\(d)\(d)w",
            "5\(d)123456782\(d)a long text well over thirty-two bytes long and no quotes\(d)2000-01-01\(d)v",
            "6\(d)123456782\(d)\"a long text well over thirty-two bytes that ends in \"\"\"\"\"\(d)2000-01-01\(d)v",
            "7\(d)123456782\(d)\(d)2000-01-01\(d)",
            "8\(d)123456782\(d)héél wat ü ß 日本\(d)2000-01-01\(d)v",
            "9\(d)123456782\(d)lone\rcr\(d)2000-01-01\(d)v",
            "10\(d)12345672\(d)\"\"\(d)2000-01-01\(d)v",
        ].joined(separator: eol) + eol
    }

    private func bothWays(_ pipeline: LoadedPipeline) throws -> [UInt8] {
        FilePipeline.packsCSV = true
        let packed = try output(pipeline)
        FilePipeline.packsCSV = false
        let written = try output(pipeline)
        XCTAssertEqual(String(decoding: packed.bytes, as: UTF8.self), String(decoding: written.bytes, as: UTF8.self))
        XCTAssertEqual(packed.report.rowsOut, written.report.rowsOut)
        XCTAssertEqual(packed.report.rowsRejected, written.report.rowsRejected)
        XCTAssertEqual(packed.report.invalid.map(\.tally.count), written.report.invalid.map(\.tally.count))
        return packed.bytes
    }

    func testPackedRowsEqualWrittenRowsInEveryDialect() throws {
        let columns = """
            { "id": "keep", "bsn": { "action": "pseudonymise", "identifier": "bsn" }, "note": "keep",
              "birth": { "action": "generalise", "to": "year" }, "gone": "drop" }
            """
        for (d, eol) in [(",", "\n"), (";", "\r\n"), ("\t", "\n"), ("|", "\r\n")] {
            let bytes = try bothWays(try load(tricky(d, eol), columns: columns))
            let text = String(decoding: bytes, as: UTF8.self)
            XCTAssertTrue(text.contains("\"quote \"\" inside\""), "\(d): quoting kept")
            XCTAssertTrue(text.hasSuffix(eol), "\(d): line ending")
        }
        // An output delimiter other than the input's: what needs quoting changes.
        _ = try bothWays(try load(tricky(",", "\n"), columns: columns, extra: ", \"outputDelimiter\": \";\""))
    }

    func testRejectedRowsAndComposites() throws {
        let columns = """
            { "id": "keep", "bsn": { "action": "pseudonymise", "identifier": "bsn", "invalid": "reject-row" },
              "note": "keep", "birth": "drop", "gone": "drop" }
            """
        let bytes = try bothWays(try load(tricky(",", "\n"), columns: columns,
                                          extra: ", \"pseudonyms\": [ { \"as\": \"D\", \"from\": { \"birth\": \"date\", \"id\": \"housenumber\" } } ]"))
        XCTAssertFalse(String(decoding: bytes, as: UTF8.self).contains("\n3,"), "row 3 (empty BSN) is rejected")
    }

    /// One output column: an empty value is written `""`, so its row is not a blank line.
    func testALoneEmptyFieldIsQuoted() throws {
        let bytes = try bothWays(try load(tricky(",", "\n"), columns: """
            { "id": "drop", "bsn": { "action": "pseudonymise", "identifier": "bsn" }, "note": "drop", "birth": "drop", "gone": "drop" }
            """))
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains("\n\"\"\n"))
        let kept = try bothWays(try load(tricky(",", "\n"), columns: """
            { "id": "drop", "bsn": "drop", "note": "keep", "birth": "drop", "gone": "drop" }
            """))
        XCTAssertTrue(String(decoding: kept, as: UTF8.self).contains("\n\"\"\n"))
    }

    /// Enough rows for several batches, some of them long enough to make a batch grow.
    func testManyBatches() throws {
        var csv = "id,bsn,note\n"
        let long = String(repeating: "lang, \"veld\" ", count: 9000)
        for i in 0..<30_000 {
            csv += "\(i),123456782,\(i % 997 == 0 ? "\"" + long.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : "kort \(i)")\n"
        }
        let bytes = try bothWays(try load(csv, columns: """
            { "id": "keep", "bsn": { "action": "pseudonymise", "identifier": "bsn" }, "note": "keep" }
            """))
        XCTAssertGreaterThan(bytes.count, 3 << 20)
    }
}
