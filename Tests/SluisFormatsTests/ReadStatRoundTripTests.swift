import SluisCore
import SluisFormats
import SluisIO
import SluisTestSupport
import XCTest

/// Read → write with a column mapping that keeps some columns, drops some and adds a
/// pseudonym-like string column; then check with our reader and with the Debian `readstat` tool.
final class ReadStatRoundTripTests: XCTestCase {
    /// Output: bsn_num dropped, bsn_txt replaced by a 17-wide pseudonym, naam dropped, the rest kept
    /// (SPSS: regio dropped too, taking its string label set and string missing value with it).
    private func mapping(_ format: ReadStatFileFormat) -> [OutputColumn] {
        [OutputColumn(name: "PSEUDO_BSN", origin: .pseudonym(width: 17)),
         OutputColumn(name: "geslacht", origin: .kept(sourceIndex: 3)),
         OutputColumn(name: "score", origin: .kept(sourceIndex: 4)),
         OutputColumn(name: "toelichting", origin: .kept(sourceIndex: 5)),
         OutputColumn(name: "gewicht", origin: .kept(sourceIndex: 6))]
    }

    private func fakePseudonym(_ line: Int) -> String { String(repeating: "0", count: 12) + String(10_000 + line) }

    /// Converts `input` to `output`, replacing columns per `mapping`; returns the output reader.
    private func convert(_ input: String, to output: String, format: ReadStatFileFormat) throws -> ReadStatReader {
        let reader = try ReadStatReader(path: input)
        let file = try AtomicFile(path: output)
        let writer = try ReadStatWriter(path: output, sink: file, format: format, source: reader.metadata,
                                        rowCount: try reader.rowCount())
        let columns = mapping(format)
        try writer.writeHeader(columns)
        let out = FieldBuffer()
        try reader.forEachRow { row, line in
            out.removeAll()
            for column in columns {
                switch column.origin {
                case let .kept(i): out.append(row[i])
                default: out.append(Array(fakePseudonym(line).utf8))
                }
            }
            try writer.writeRow(out.view)
        }
        try writer.finish()
        try file.commit()
        return try ReadStatReader(path: output)
    }

    func testKeptColumnsKeepValuesAndMetadataDroppedColumnsAreGone() throws {
        let dir = TemporaryDirectory()
        for format in ReadStatFileFormat.allCases {
            let input = dir.file("in." + format.fileExtension)
            let source = ReadStatFixtures.surveyMetadata(format: format)
            let sourceRows = ReadStatFixtures.surveyRows(format: format)
            try ReadStatFixtures.write(input, metadata: source, rows: sourceRows)
            let output = dir.file("out." + format.fileExtension)
            let result = try convert(input, to: output, format: format)

            XCTAssertEqual(result.format, format)
            XCTAssertEqual(result.columnNames, ["PSEUDO_BSN", "geslacht", "score", "toelichting", "gewicht"])
            let rows = try ReadStatFixtures.readAll(result)
            XCTAssertEqual(rows.map(\.fields), sourceRows.enumerated().map { i, r in
                [fakePseudonym(i + 2), r[3], r[4], r[5], r[6]]
            }, "\(format)")

            let m = result.metadata
            XCTAssertEqual(m.fileLabel, source.fileLabel)
            for v in m.variables.dropFirst() {
                let s = try XCTUnwrap(source.variables.first { $0.name == v.name })
                XCTAssertEqual(v.storage, s.storage, "\(format) \(v.name)")
                XCTAssertEqual(v.label, s.label)
                XCTAssertEqual(v.displayFormat, s.displayFormat)
                XCTAssertEqual(v.missingValues, s.missingValues)
                XCTAssertEqual(v.labelSetName.flatMap { m.labelSets[$0] }?.labels, source.labelSet(of: s)?.labels)
                if v.storage == .string { XCTAssertEqual(v.storageWidth, s.storageWidth) }
            }
            // The pseudonym is a fixed-width string, so no tool rounds it.
            XCTAssertEqual(m.variables[0].storage, .string)
            XCTAssertEqual(m.variables[0].storageWidth, 17)
            XCTAssertEqual(m.variables[0].displayFormat, format == .dta ? "%17s" : "A17")
            // Only the sex labels are left: the region's string labels left with the region.
            XCTAssertEqual(m.labelSets.count, 1, "\(format)")
            XCTAssertEqual(m.labelSets.values.first?.labels.map(\.label), ["man", "vrouw", "onbekend"])
        }
    }

    func testTheReadstatToolSeesTheSameValuesAndNoDroppedColumn() throws {
        let dir = TemporaryDirectory()
        for format in ReadStatFileFormat.allCases {
            let input = dir.file("in." + format.fileExtension)
            try ReadStatFixtures.write(input, metadata: ReadStatFixtures.surveyMetadata(format: format),
                                       rows: ReadStatFixtures.surveyRows(format: format))
            let output = dir.file("out." + format.fileExtension)
            let ours = try ReadStatFixtures.readAll(try convert(input, to: output, format: format)).map(\.fields)

            guard let dump = try ReadStatFixtures.readstatCLI([output, "-"]) else { throw XCTSkip("readstat not installed") }
            XCTAssertEqual(dump.status, 0)
            let csvLines = dump.output.split(separator: "\n").filter { $0.hasPrefix("\"") || $0.first?.isNumber == true || $0.hasPrefix(",") }
            XCTAssertEqual(csvLines.first, "\"PSEUDO_BSN\",\"geslacht\",\"score\",\"toelichting\",\"gewicht\"")
            let theirs = csvLines.dropFirst().map(parseCSVLine)
            XCTAssertEqual(theirs.count, ours.count)
            for (a, b) in zip(theirs, ours) {
                XCTAssertEqual(a.count, b.count)
                for (x, y) in zip(a, b) {
                    if let dx = Double(x), let dy = Double(y) {
                        XCTAssertEqual(dx, dy, accuracy: abs(dy) * 1e-6, "\(format)")
                    } else {
                        XCTAssertEqual(x, y, "\(format)")
                    }
                }
            }
            for gone in ["bsn_num", "bsn_txt", "naam", "regio", ReadStatFixtures.secretBSN, "Jansen"] {
                XCTAssertFalse(dump.output.contains(gone), "\(format): \(gone) still in output")
            }

            let json = dir.file("meta-\(format).json")
            guard format != .zsav, let meta = try ReadStatFixtures.readstatCLI([output, json],
                                                              tool: "/usr/bin/extract_metadata") else { continue }
            XCTAssertEqual(meta.status, 0, meta.output)
            let text = String(decoding: dir.read("meta-\(format).json"), as: UTF8.self)
            for kept in ["Geslacht", "Score op de test", "Toelichting", "Weging", "\"man\"", "\"vrouw\"", "PSEUDO_BSN"] {
                XCTAssertTrue(text.contains(kept), "\(format): \(kept) missing from metadata")
            }
            for gone in ["BSN als getal", "BSN als tekst", "Naam", "Regio", "Noord"] {
                XCTAssertFalse(text.contains(gone), "\(format): \(gone) still in metadata")
            }
            if format == .sav { XCTAssertTrue(text.contains("999"), "user-missing value kept") }
        }
    }

    func testRewritingIsReproducible() throws {
        let dir = TemporaryDirectory()
        for format in ReadStatFileFormat.allCases {
            let input = dir.file("in." + format.fileExtension)
            try ReadStatFixtures.write(input, metadata: ReadStatFixtures.surveyMetadata(format: format),
                                       rows: ReadStatFixtures.surveyRows(format: format))
            _ = try convert(input, to: dir.file("a." + format.fileExtension), format: format)
            _ = try convert(input, to: dir.file("b." + format.fileExtension), format: format)
            XCTAssertEqual(dir.read("a." + format.fileExtension), dir.read("b." + format.fileExtension), "\(format)")
        }
    }

    /// Minimal parser for the readstat tool's CSV (quoted strings, no embedded quotes in our data).
    private func parseCSVLine(_ line: Substring) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle() } else if ch == ",", !quoted { fields.append(current); current = "" } else { current.append(ch) }
        }
        fields.append(current)
        return fields
    }
}

final class ReadStatRowCountAndFamilyTests: XCTestCase {
    /// An SPSS header may say -1 cases ("unknown", written by some programs): the reader then
    /// counts the rows in a pass of its own.
    func testUnknownRowCountIsCounted() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("u.sav")
        try ReadStatFixtures.write(path, metadata: ReadStatFixtures.surveyMetadata(format: .sav),
                                   rows: ReadStatFixtures.surveyRows(format: .sav))
        var bytes = dir.read("u.sav")
        for i in 80..<84 { bytes[i] = 0xFF } // ncases = -1 (little-endian int32 at offset 80)
        dir.write("u.sav", bytes: bytes)
        let reader = try ReadStatReader(path: path)
        XCTAssertNil(reader.metadata.rowCount)
        XCTAssertEqual(try reader.rowCount(), 4)
        XCTAssertEqual(try ReadStatFixtures.readAll(reader).map(\.fields), ReadStatFixtures.surveyRows(format: .sav))
    }

    func testAFileCutAtARowBoundaryIsCaughtByTheHeaderCount() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("c.sav")
        let meta = ReadStatMetadata(format: .sav, variables: [ReadStatVariable(name: "n", storage: .double)])
        try ReadStatFixtures.write(path, metadata: meta, rows: (0..<100).map { ["\($0 * 7919)"] })
        let reader = try ReadStatReader(path: path)
        XCTAssertEqual(reader.metadata.rowCount, 100)
        var bytes = dir.read("c.sav")
        bytes[80] = 101 // announce one row more than the file holds
        dir.write("c.sav", bytes: bytes)
        XCTAssertThrowsError(try ReadStatFixtures.readAll(try ReadStatReader(path: path))) {
            guard case let .unreadable(p, _) = $0 as? ReadStatError else { return XCTFail("\($0)") }
            XCTAssertEqual(p, path)
        }
    }

    /// SPSS in, Stata out (on request): names, labels and value labels survive; formats and
    /// user-missing values do not translate and are left out.
    func testSPSSToStataKeepsLabels() throws {
        let dir = TemporaryDirectory()
        let input = dir.file("in.sav")
        let source = ReadStatFixtures.surveyMetadata(format: .sav)
        try ReadStatFixtures.write(input, metadata: source, rows: ReadStatFixtures.surveyRows(format: .sav))
        let reader = try ReadStatReader(path: input)
        let output = dir.file("out.dta")
        let file = try AtomicFile(path: output)
        let writer = try ReadStatWriter(path: output, sink: file, format: .dta, source: reader.metadata, rowCount: try reader.rowCount())
        let keep = [3, 4, 6]
        try writer.writeHeader(keep.map { OutputColumn(name: source.variables[$0].name, origin: .kept(sourceIndex: $0)) })
        let out = FieldBuffer()
        try reader.forEachRow { row, _ in
            out.removeAll()
            for i in keep { out.append(row[i]) }
            try writer.writeRow(out.view)
        }
        try writer.finish()
        try file.commit()
        let result = try ReadStatReader(path: output)
        XCTAssertEqual(result.metadata.variables.map(\.label), keep.map { source.variables[$0].label })
        XCTAssertEqual(result.metadata.variables.map(\.storage), [.double, .double, .double])
        XCTAssertEqual(result.metadata.labelSet(of: result.metadata.variables[0])?.labels.map(\.label), ["man", "vrouw", "onbekend"])
        XCTAssertEqual(try ReadStatFixtures.readAll(result).map(\.fields),
                       ReadStatFixtures.surveyRows(format: .sav).map { r in keep.map { r[$0] } })
    }
}
