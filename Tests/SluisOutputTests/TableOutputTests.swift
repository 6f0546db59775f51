import XCTest
import SluisFormats
import SluisIO
import SluisTestSupport
@testable import SluisOutput

/// Aggregation, margins, weights, institutions and the readers, through `TableOutput.run`.
final class TableOutputTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUp() { dir = TemporaryDirectory("sluis-output-table") }

    func run(_ csv: String, _ spec: TableSpecification, policy: OutputPolicy = .cbsDefault) throws -> TableOutput.Result {
        let path = dir.write("in-\(UUID().uuidString.prefix(6)).csv", csv)
        return try TableOutput.run(source: try CSVReader(path: path), specification: spec, policy: policy, round: false,
                                   outputPath: dir.file("out-\(UUID().uuidString.prefix(6)).csv"), toolVersion: "test")
    }

    func testMarginsWeightsAndCompositeRows() throws {
        var csv = "a,b,c,w\n"
        for i in 0..<40 { csv += "\(i % 2 == 0 ? "x" : "y"),\(i % 4 < 2 ? "1" : "10"),\(i % 5 == 0 ? "p" : "q"),2.5\n" }
        let r = try run(csv, TableSpecification(rows: ["a", "b"], columns: ["c"], weight: "w"))
        let t = r.table
        XCTAssertEqual(t.rowLabels, [["x", "1"], ["x", "10"], ["y", "1"], ["y", "10"]], "numeric order within the text order")
        XCTAssertEqual(t.cells[t.total].value, 100)
        XCTAssertEqual(t.cells[t.total].statistics.count, 40)
        XCTAssertEqual(r.evidence.table?.rowsRead, 40)
        for row in 0..<t.rowCount {
            let sum = (0..<t.columnCount).map { t.cells[t.index(row: row, column: $0)].weightedCount }.reduce(0, +)
            XCTAssertEqual(sum, t.cells[t.rowMargin(row)].weightedCount)
        }
        let text = String(decoding: try FileSystem.readAll(r.outputPath), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("a,b,p,q,Total\n"), text)
    }

    func testInstitutionsCountAsContributors() throws {
        // 12 records from two hospitals; hospital h1 holds 60 % of the cell's total.
        var csv = "g,v,inst\n"
        for i in 0..<12 { csv += "A,\(i < 6 ? 10 : 20.0/3),\(i < 6 ? "h1" : "h2")\n" }
        for i in 0..<12 { csv += "B,5,h\(i % 4)\n" }
        var policy = OutputPolicy.cbsDefault
        policy.table.dominanceByInstitution = true
        policy.table.minimumInstitutions = 3
        let r = try run(csv, TableSpecification(rows: ["g"], value: "v", statistic: .sum, institution: "inst"), policy: policy)
        let a = r.table.cells[0], b = r.table.cells[1]
        XCTAssertEqual(a.statistics.institutionCount, 2)
        XCTAssertEqual(Set(a.findings), [.institutions, .dominance])
        XCTAssertEqual(b.findings, [])
        XCTAssertEqual(b.statistics.largest, [15, 15])
        // Without per-institution dominance, no single record dominates A.
        policy.table.dominanceByInstitution = false
        let r2 = try run(csv, TableSpecification(rows: ["g"], value: "v", statistic: .sum, institution: "inst"), policy: policy)
        XCTAssertEqual(r2.table.cells[0].findings, [.institutions])
    }

    func testNegativeValuesAreJudgedOnAbsoluteValuesAndFreeTheAuditsLowerBound() throws {
        var csv = "g,v\n"
        for i in 0..<12 { csv += "A,\(i == 0 ? -150 : 10)\n" }
        for i in 0..<12 { csv += "B,\(i + 1)\n" }
        for i in 0..<12 { csv += "C,\(i + 2)\n" }
        let r = try run(csv, TableSpecification(rows: ["g"], value: "v", statistic: .sum))
        XCTAssertEqual(Set(r.table.cells[0].findings), [.dominance, .negativeValues], "150 of 260 in absolute terms (the signed sum is −40)")
        XCTAssertTrue(r.table.allowsNegative)
        XCTAssertNil(r.table.cells[0].interval?.upper, "with negative values allowed nothing bounds a hidden cell")
    }

    func testStataAndSPSSInputGiveTheSameTableAsCSV() throws {
        let csvText = "region,income\n" + (0..<30).map { "\($0 % 3 == 0 ? "N" : "Z"),\($0 * 10)" }.joined(separator: "\n") + "\n"
        let fromCSV = try run(csvText, TableSpecification(rows: ["region"], value: "income", statistic: .sum))
        for format in [ReadStatFileFormat.dta, .sav] {
            let dta = format == .dta
            let meta = ReadStatMetadata(format: format, fileLabel: "", rowCount: nil, modifiedTime: 1_790_000_000, variables: [
                ReadStatVariable(name: "region", storage: .string, storageWidth: 1, label: "", displayFormat: dta ? "%1s" : "A1"),
                ReadStatVariable(name: "income", storage: .double, label: "", displayFormat: dta ? "%9.0g" : "F8.0"),
            ], labelSets: [:])
            let path = dir.file("in." + format.fileExtension)
            let file = try AtomicFile(path: path)
            let writer = try ReadStatWriter(path: path, sink: file, format: format, source: meta, rowCount: 30)
            try writer.writeHeader([OutputColumn(name: "region", origin: .kept(sourceIndex: 0)), OutputColumn(name: "income", origin: .kept(sourceIndex: 1))])
            let buffer = FieldBuffer()
            for i in 0..<30 {
                buffer.removeAll()
                buffer.append(Array((i % 3 == 0 ? "N" : "Z").utf8))
                buffer.append(Array("\(i * 10)".utf8))
                try writer.writeRow(buffer.view)
            }
            try writer.finish()
            try file.commit()
            let r = try TableOutput.run(source: try MicrodataSource.open(path: path),
                                        specification: TableSpecification(rows: ["region"], value: "income", statistic: .sum),
                                        policy: .cbsDefault, round: false, outputPath: dir.file("out-\(format).csv"), toolVersion: "test")
            XCTAssertEqual(r.table.cells.map(\.value), fromCSV.table.cells.map(\.value))
            XCTAssertEqual(r.table.cells.map(\.status), fromCSV.table.cells.map(\.status))
        }
    }

    func testMemoryFollowsCellsNotRows() throws {
        // The same 6 cells from 60 and from 60 000 rows.
        func cells(_ n: Int) throws -> Int {
            var csv = "a,b\n"
            for i in 0..<n { csv += "\(i % 3),\(i % 2)\n" }
            let a = TableAggregator(specification: TableSpecification(rows: ["a"], columns: ["b"]), topCount: 2, byInstitution: false)
            try a.read(CSVReader(path: dir.write("m\(n).csv", csv)))
            return a.counts.count
        }
        XCTAssertEqual(try cells(60), 6)
        XCTAssertEqual(try cells(60_000), 6)
    }
}
