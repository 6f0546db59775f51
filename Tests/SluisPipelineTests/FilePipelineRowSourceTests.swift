import XCTest
import SluisCore
import SluisFormats
import SluisIO
import SluisPipeline

/// The driver on plain in-memory `RowSource`/`RowSink`s (what the SPSS/Stata reader and writer
/// plug into), across many batch hand-offs.
final class FilePipelineRowSourceTests: PipelineTestCase {
    final class ArraySource: RowSource {
        let path = "mem"
        let columnNames: [String]
        let rows: [[String]]
        init(columns: [String], rows: [[String]]) { columnNames = columns; self.rows = rows }
        func forEachRow(_ body: (FieldView, Int) throws -> Void) throws {
            let buffer = FieldBuffer()
            for (i, row) in rows.enumerated() {
                buffer.removeAll()
                for f in row { buffer.append(Array(f.utf8)) }
                try body(buffer.view, i + 2)
            }
        }
    }

    final class ArraySink: RowSink {
        var header: [OutputColumn] = []
        var rows: [[String]] = []
        var finished = false
        func writeHeader(_ columns: [OutputColumn]) throws { header = columns }
        func writeRow(_ fields: FieldView) throws { rows.append((0..<fields.count).map { String(decoding: fields[$0], as: UTF8.self) }) }
        func finish() throws { finished = true }
    }

    func testRejectedRowsAcrossManyBatchesAndGenericSinks() throws {
        let file = FileConfig(path: "mem", columns: [
            ColumnConfig(name: "id", action: .keep(allowIdentifiers: false)),
            ColumnConfig(name: "bsn", action: .pseudonymise(identifier: .bsn, outputName: "P", invalid: .rejectRow)),
            ColumnConfig(name: "long", action: .keep(allowIdentifiers: true)),
        ])
        let long = String(repeating: "x", count: 200)
        let rows = (0..<30_000).map { i in [String(i), i % 3 == 0 ? "123456789" : "123456782", long] }
        let source = ArraySource(columns: ["id", "bsn", "long"], rows: rows)
        let sink = ArraySink()
        let pipeline = FilePipeline(file: file, columnNames: source.columnNames, project: "P", rendering: .default,
                                    key: key, displayPath: "mem")
        let report = try pipeline.run(source: source, sink: sink)
        XCTAssertTrue(sink.finished)
        XCTAssertEqual(sink.header.map(\.name), ["id", "P", "long"])
        XCTAssertEqual(sink.header[1].origin, .pseudonym(width: 17))
        XCTAssertEqual(report.rowsIn, 30_000)
        XCTAssertEqual(report.rowsRejected, 10_000)
        XCTAssertEqual(sink.rows.count, 20_000)
        XCTAssertEqual(sink.rows.map { Int($0[0]) ?? -1 }, (0..<30_000).filter { $0 % 3 != 0 })
        XCTAssertEqual(Set(sink.rows.map { $0[1] }).count, 1)
        XCTAssertTrue(sink.rows.allSatisfy { $0[2] == long })
        XCTAssertEqual(report.invalid.first?.tally.count, 10_000)
        XCTAssertEqual(report.invalid.first?.tally.lines.prefix(3), [2, 5, 8])
    }

    func testDryRunWithoutKeyOrSinkCountsTheSame() throws {
        let file = FileConfig(path: "mem", columns: [
            ColumnConfig(name: "bsn", action: .pseudonymise(identifier: .bsn, outputName: "P", invalid: .blank)),
        ])
        let source = ArraySource(columns: ["bsn"], rows: [["123456782"], [""], ["1"]])
        let pipeline = FilePipeline(file: file, columnNames: ["bsn"], project: "P", rendering: .default, key: nil, displayPath: "mem")
        let report = try pipeline.run(source: source, sink: nil)
        XCTAssertEqual(report.rowsOut, 3)
        XCTAssertEqual(report.invalid.map(\.reason), ["empty", "wrong-length"])
    }
}
