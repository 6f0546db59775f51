import Foundation
import SluisFormats
import SluisIO
import SluisTestSupport
import XCTest

/// Data as researchers have it (issue 12): an Excel CSV export (windows-1252, `;`, CRLF,
/// decimal commas, a trailing `;` that makes an empty-named last column) and SPSS/Stata files
/// whose `sex` is coded 0 = man, 1 = vrouw with value labels. Fixtures are written here, the
/// SPSS/Stata ones with sluis's own ReadStat writer.
final class ResearcherDataCLITests: XCTestCase {
    /// The Excel export's bytes: windows-1252 (`ë` is 0xEB), `;`, CRLF, a trailing `;` on every line.
    private func excel(_ rows: [String]) -> [UInt8] {
        var text = "BSN;Naam;Geslacht;Inkomen;Woonplaats;\r\n"
        for r in rows { text += r + "\r\n" }
        return text.unicodeScalars.map { $0.value == 0xEB ? 0xEB : UInt8($0.value) }
    }

    private let excelRows = ["123456782;Zoë Jansen;vrouw;1.234,56;Den Haag;", "111222333;Piet de Vries;man;-12,5;Delft;",
                             "12345672;Jan Klaassen;M;987.654,00;Utrecht;", "999999999;Ongeldig;V;0,75;Leiden;"]

    private func config(_ columnsExtra: String = "", inkomen: String = #"{ "action": "generalise", "to": "band", "width": 1000 }"#,
                        geslacht: String = #"{ "action": "pseudonymise", "identifier": "sex", "as": "PSEUDO_SEX" }"#) -> String {
        """
        { "version": 1, "project": "P2026-0042", "pseudonymKey": "project.pkey",
          "files": [ { "path": "export.csv", "delimiter": ";", "encoding": "windows-1252",
            "columns": { "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" },
                         "Naam": "drop", "Geslacht": \(geslacht), "Inkomen": \(inkomen), "Woonplaats": "drop"\(columnsExtra) } } ] }
        """
    }

    private func directory(_ rows: [String], config text: String) -> TemporaryDirectory {
        let dir = TemporaryDirectory("sluis-researcher")
        writeProjectKey(dir)
        dir.write("export.csv", bytes: excel(rows))
        dir.write("pipeline.json", text)
        return dir
    }

    private func csvRows(_ bytes: [UInt8]) -> [[String]] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\r\n").map { $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init) }
    }

    func testExcelExportWithTrailingDelimiterAndDecimalCommas() throws {
        let dir = directory(excelRows, config: config())
        let check = try CLI.run(["check", "-c", dir.file("pipeline.json")])
        XCTAssertEqual(check.exitCode, 0, check.stderr)
        XCTAssertTrue(check.stdout.contains("column 6 has an empty name in the header and no values"), check.stdout)
        XCTAssertTrue(check.stdout.contains("sealing may go ahead"))
        let run = try CLI.run(["pseudonymise", "-c", dir.file("pipeline.json"), "-o", dir.file("out"), "--passphrase-file", "/dev/null"])
        XCTAssertEqual(run.exitCode, 0, run.stderr)
        let rows = csvRows(dir.read("out/export.csv"))
        XCTAssertEqual(rows[0], ["PSEUDO_BSN", "PSEUDO_SEX", "Inkomen"])
        XCTAssertEqual(rows.dropFirst().map { $0[2] }, ["1000-1999", "(-1000)-(-1)", "987000-987999", "0-999"])
        XCTAssertEqual(rows[1][1], rows[4][1], "vrouw and V are the same person's sex")
        XCTAssertEqual(rows[2][1], rows[3][1], "man and M")
        XCTAssertNotEqual(rows[1][1], rows[2][1])
        let report = String(decoding: dir.read("out/report.json"), as: UTF8.self)
        XCTAssertTrue(report.contains("column 6 has an empty name"), report)
    }

    func testAValueInTheEmptyNamedColumnStopsAndNamesItsPosition() throws {
        var rows = excelRows
        rows[2] = "12345672;Jan Klaassen;M;987.654,00;Utrecht;GEHEIM-42"
        let dir = directory(rows, config: config())
        let check = try CLI.run(["check", "-c", dir.file("pipeline.json")])
        XCTAssertEqual(check.exitCode, 3)
        XCTAssertTrue(check.stderr.contains("export.csv:4: column 6 (#6)"), check.stderr)
        XCTAssertTrue(check.stderr.contains("\"#6\""), check.stderr)
        XCTAssertFalse(check.stderr.contains("GEHEIM") || check.stdout.contains("GEHEIM"))
        let run = try CLI.run(["pseudonymise", "-c", dir.file("pipeline.json"), "-o", dir.file("out"), "--passphrase-file", "/dev/null"])
        XCTAssertEqual(run.exitCode, 3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out/export.csv")))

        // Addressed by position, the column is classified like any other.
        dir.write("pipeline.json", config(##", "#6": "drop""##))
        XCTAssertEqual(try CLI.run(["check", "-c", dir.file("pipeline.json")]).exitCode, 0)
    }

    func testAmbiguousOrUnreadableBandsStopCheck() throws {
        let rows = ["123456782;A;V;1.234;X;", "111222333;B;M;2.500;Y;", "12345672;C;M;12,00;Z;"]
        let dir = directory(rows, config: config())
        let check = try CLI.run(["check", "-c", dir.file("pipeline.json")])
        XCTAssertEqual(check.exitCode, 3, check.stdout)
        XCTAssertFalse(check.stdout.contains("sealing may go ahead"))
        XCTAssertTrue(check.stdout.contains("column Inkomen: 2 of 3 non-empty values could not be read (ambiguous-number)"), check.stdout)
        // Stating the decimal separator settles it.
        dir.write("pipeline.json", config(inkomen: #"{ "action": "generalise", "to": "band", "width": 1000, "decimal": "," }"#))
        let settled = try CLI.run(["check", "-c", dir.file("pipeline.json"), "--json"])
        XCTAssertEqual(settled.exitCode, 0, settled.stdout)
    }

    func testNumericSexCodesInACSVAreNeverGuessed() throws {
        let rows = ["123456782;A;1;1;X;", "111222333;B;0;1;Y;"]
        let dir = directory(rows, config: config())
        let check = try CLI.run(["check", "-c", dir.file("pipeline.json")])
        XCTAssertEqual(check.exitCode, 3)
        XCTAssertTrue(check.stderr.contains("export.csv:3: column 3 (Geslacht)"), check.stderr)
        XCTAssertTrue(check.stderr.contains("\"codes\""), check.stderr)
        dir.write("pipeline.json", config(geslacht: #"{ "action": "pseudonymise", "identifier": "sex", "as": "PSEUDO_SEX", "codes": {"0": "M", "1": "V"} }"#))
        let run = try CLI.run(["pseudonymise", "-c", dir.file("pipeline.json"), "-o", dir.file("out"), "--passphrase-file", "/dev/null"])
        XCTAssertEqual(run.exitCode, 0, run.stderr)
        let coded = csvRows(dir.read("out/export.csv"))
        let plain = directory(["123456782;A;vrouw;1;X;", "111222333;B;man;1;Y;"], config: config())
        try FileManager.default.copyItem(atPath: dir.file("project.pkey"), toPath: plain.file("same.pkey"))
        plain.write("pipeline.json", config().replacingOccurrences(of: "project.pkey", with: "same.pkey"))
        XCTAssertEqual(try CLI.run(["pseudonymise", "-c", plain.file("pipeline.json"), "-o", plain.file("out"), "--passphrase-file", "/dev/null"]).exitCode, 0)
        XCTAssertEqual(coded.map { $0[1] }, csvRows(plain.read("out/export.csv")).map { $0[1] })
    }

    // MARK: SPSS and Stata

    private func statistical(_ format: ReadStatFileFormat, labelled: Bool) -> ReadStatMetadata {
        let dta = format == .dta
        return ReadStatMetadata(format: format, variables: [
            ReadStatVariable(name: "bsn", storage: .string, storageWidth: 9, displayFormat: dta ? "%9s" : "A9"),
            ReadStatVariable(name: "sex", storage: dta ? .int8 : .double, displayFormat: dta ? "%8.0g" : "F1.0",
                             labelSetName: labelled ? "geslacht" : nil),
        ], labelSets: labelled ? ["geslacht": ReadStatLabelSet(name: "geslacht", isString: false, labels: [
            .init(value: .number(0), label: "Man"), .init(value: .number(1), label: "Vrouw"), .init(value: .number(9), label: "onbekend"),
        ])] : [:])
    }

    private func writeStatistical(_ path: String, _ meta: ReadStatMetadata, _ rows: [[String]]) throws {
        let file = try AtomicFile(path: path)
        let writer = try ReadStatWriter(path: path, sink: file, format: meta.format, source: meta, rowCount: rows.count)
        try writer.writeHeader(meta.variables.indices.map { OutputColumn(name: meta.variables[$0].name, origin: .kept(sourceIndex: $0)) })
        let buffer = FieldBuffer()
        for r in rows {
            buffer.removeAll()
            for f in r { buffer.append(Array(f.utf8)) }
            try writer.writeRow(buffer.view)
        }
        try writer.finish()
        try file.finish()
        try file.commit()
    }

    private func statisticalConfig(_ name: String, codes: String = "") -> String {
        """
        { "version": 1, "project": "P2026-0042", "pseudonymKey": "project.pkey",
          "files": [
            { "path": "\(name)", "outputFormat": "csv",
              "columns": { "bsn": { "action": "pseudonymise", "identifier": "bsn" },
                           "sex": { "action": "pseudonymise", "identifier": "sex", "as": "PSEUDO_SEX"\(codes) } } },
            { "path": "same.csv",
              "columns": { "bsn": { "action": "pseudonymise", "identifier": "bsn" },
                           "sex": { "action": "pseudonymise", "identifier": "sex", "as": "PSEUDO_SEX" } } } ] }
        """
    }

    /// 0 = man, 1 = vrouw through the labels: the pseudonyms are those of `M` and `V` in a CSV;
    /// 9 ("onbekend") is an invalid sex, and a code without a label is `unknown-code`.
    func testSexCodedWithValueLabelsIsReadThroughTheLabels() throws {
        for format in [ReadStatFileFormat.sav, .dta] {
            let dir = TemporaryDirectory("sluis-researcher-labels")
            writeProjectKey(dir)
            let name = "survey." + format.fileExtension
            try writeStatistical(dir.file(name), statistical(format, labelled: true),
                                 [["123456782", "0"], ["111222333", "1"], ["12345672", "9"], ["999999999", "4"], ["010000008", ""]])
            dir.write("same.csv", "bsn,sex\n123456782,M\n111222333,V\n12345672,onbekend\n999999999,x\n010000008,\n")
            dir.write("pipeline.json", statisticalConfig(name))
            let run = try CLI.run(["pseudonymise", "-c", dir.file("pipeline.json"), "-o", dir.file("out"), "--passphrase-file", "/dev/null"])
            XCTAssertEqual(run.exitCode, 0, "\(format): \(run.stderr)")
            let fromLabels = String(decoding: dir.read("out/survey.csv"), as: UTF8.self)
            let fromCSV = String(decoding: dir.read("out/same.csv"), as: UTF8.self)
            XCTAssertEqual(fromLabels.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false)[1] },
                           fromCSV.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false)[1] }, "\(format)")
            let report = String(decoding: dir.read("out/report.json"), as: UTF8.self)
            XCTAssertTrue(report.contains("\"unknown-code\""), report)
        }
    }

    /// A composite's invalid counts say which part failed, in the text report and in report.json,
    /// and never show the value.
    func testCompositeInvalidCountsNameTheFailingPart() throws {
        let dir = TemporaryDirectory("sluis-researcher-composite")
        writeProjectKey(dir)
        dir.write("people.csv", "gebdat,geslacht,pc\n1980-04-31,M,2511 CV\n1980-01-01,Q,2511 CV\n1980-01-01,V,2511 CV\n1981-02-30,V,2511 CV\n" + String(repeating: "1990-06-15,M,2511 CV\n", count: 4))
        dir.write("pipeline.json", """
        { "version": 1, "project": "P2026-0042", "pseudonymKey": "project.pkey",
          "files": [ { "path": "people.csv", "columns": { "gebdat": "drop", "geslacht": "drop", "pc": "drop" },
            "pseudonyms": [ { "as": "PSEUDO_DEMO", "from": { "gebdat": "date", "geslacht": "sex", "pc": "postcode" } } ] } ] }
        """)
        let check = try CLI.run(["check", "-c", dir.file("pipeline.json")])
        XCTAssertEqual(check.exitCode, 0, check.stderr)
        XCTAssertTrue(check.stdout.contains("invalid PSEUDO_DEMO: 2 impossible-date in part gebdat (policy blank; lines 2, 5)"), check.stdout)
        XCTAssertTrue(check.stdout.contains("invalid PSEUDO_DEMO: 1 unrecognised-format in part geslacht (policy blank; lines 3)"), check.stdout)
        let json = try CLI.run(["check", "-c", dir.file("pipeline.json"), "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let files = object?["files"] as? [[String: Any]]
        let invalid = files?.first?["invalid"] as? [[String: Any]] ?? []
        XCTAssertEqual(invalid.map { "\($0["column"] ?? "") \($0["part"] ?? "") \($0["reason"] ?? "")" },
                       ["PSEUDO_DEMO gebdat impossible-date", "PSEUDO_DEMO geslacht unrecognised-format"])
        for text in [check.stdout, check.stderr, json.stdout] { XCTAssertFalse(text.contains("1980-04-31") || text.contains(",Q,")) }
    }

    func testNumericSexWithoutLabelsIsRefusedUntilCodesAreGiven() throws {
        for format in [ReadStatFileFormat.sav, .dta] {
            let dir = TemporaryDirectory("sluis-researcher-nolabels")
            writeProjectKey(dir)
            let name = "survey." + format.fileExtension
            try writeStatistical(dir.file(name), statistical(format, labelled: false), [["123456782", "0"], ["111222333", "1"]])
            dir.write("same.csv", "bsn,sex\n123456782,M\n111222333,V\n")
            dir.write("pipeline.json", statisticalConfig(name))
            let check = try CLI.run(["check", "-c", dir.file("pipeline.json")])
            XCTAssertEqual(check.exitCode, 2, "\(format)")
            XCTAssertTrue(check.stderr.contains("files[0].columns.sex") && check.stderr.contains("\"codes\": {\"1\": \"M\", \"2\": \"V\"}"), check.stderr)
            XCTAssertEqual(check.stderr.split(separator: "\n").count, 1)

            dir.write("pipeline.json", statisticalConfig(name, codes: #", "codes": {"0": "M", "1": "V"}"#))
            let run = try CLI.run(["pseudonymise", "-c", dir.file("pipeline.json"), "-o", dir.file("out"), "--passphrase-file", "/dev/null"])
            XCTAssertEqual(run.exitCode, 0, "\(format): \(run.stderr)")
            XCTAssertEqual(dir.read("out/survey.csv"), dir.read("out/same.csv"))
        }
    }

    func testCodesAreCheckedInTheConfig() throws {
        let dir = directory(excelRows, config: config(geslacht: #"{ "action": "keep", "codes": {"1": "M"} }"#))
        var r = try CLI.run(["check", "-c", dir.file("pipeline.json")])
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("files[0].columns.Geslacht.codes: unknown field"), r.stderr)
        dir.write("pipeline.json", config(geslacht: #"{ "action": "pseudonymise", "identifier": "sex", "codes": {"1": "X"} }"#))
        r = try CLI.run(["check", "-c", dir.file("pipeline.json")])
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("files[0].columns.Geslacht.codes.1: the meaning is not a valid sex identifier"), r.stderr)
    }

    /// A header-only SPSS/Stata file (0 cases) is an ordinary file with 0 rows: checked, sealed
    /// and opened (the opener's row count is the header's case count, 0).
    func testHeaderOnlyStatisticalFilesSealAndOpen() throws {
        for format in [ReadStatFileFormat.sav, .zsav, .dta] {
            let dir = TemporaryDirectory("sluis-header-only")
            writeProjectKey(dir)
            let name = "leeg." + format.fileExtension
            let meta = ReadStatMetadata(format: format, variables: [
                ReadStatVariable(name: "bsn", storage: .string, storageWidth: 9, displayFormat: format == .dta ? "%9s" : "A9")])
            try writeStatistical(dir.file(name), meta, [])
            dir.write("pipeline.json", """
            { "version": 1, "project": "P2026-0042", "pseudonymKey": "project.pkey",
              "files": [ { "path": "\(name)", "columns": { "bsn": { "action": "pseudonymise", "identifier": "bsn" } } } ] }
            """)
            let check = try CLI.run(["check", "-c", dir.file("pipeline.json")])
            XCTAssertEqual(check.exitCode, 0, "\(format): \(check.stderr)")
            XCTAssertTrue(check.stdout.contains("0 rows in, 0 out"), check.stdout)
            XCTAssertEqual(try CLI.run(["keygen", "identity", "-o", dir.file("me"), "--unprotected"]).exitCode, 0)
            let seal = try CLI.run(["seal", "-c", dir.file("pipeline.json"), "-o", dir.file("x.sluis"), "--sign", dir.file("me.key"),
                                    "-r", dir.file("me.pub"), "--quiet"])
            XCTAssertEqual(seal.exitCode, 0, "\(format): \(seal.stderr)")
            let open = try CLI.run(["open", dir.file("x.sluis"), "-i", dir.file("me.key"), "--trust", dir.file("me.pub"), "-o", dir.file("opened")])
            XCTAssertEqual(open.exitCode, 0, "\(format): \(open.stderr)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("opened/" + name)), "\(format)")
        }
    }
}
