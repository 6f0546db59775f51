import SluisFormats
import SluisIO
import SluisTestSupport
import XCTest

/// Writes the project pseudonym key as `project.pkey`. The one place to change when the real
/// key files land: it uses the pipeline's temporary 64-hex-digit format, like PipelineCLITests.
/// An unprotected project key for P2026-0042 at `dir/project.pkey`, made by `sluis keygen pseudonym`.
func writeProjectKey(_ dir: TemporaryDirectory) {
    let r = try? CLI.run(["keygen", "pseudonym", "--project", "P2026-0042", "-o", dir.file("project.pkey"), "--unprotected"])
    XCTAssertEqual(r?.exitCode, 0, r?.stderr ?? "")
}

/// `sluis check` and `sluis pseudonymise` on SPSS/Stata files made in the test with ReadStat's
/// writer: the pseudonyms equal those of the same data as CSV, labels survive, identifiers go.
final class ReadStatCLITests: XCTestCase {
    private let bsns = ["12345672", "123456782", "111222333", "", "999999999"]

    private func metadata(_ format: ReadStatFileFormat) -> ReadStatMetadata {
        let dta = format == .dta
        return ReadStatMetadata(format: format, fileLabel: "Enquete (synthetisch)", variables: [
            ReadStatVariable(name: "bsn", storage: dta ? .int32 : .double, label: "Burgerservicenummer", displayFormat: dta ? "%12.0g" : "F9.0"),
            ReadStatVariable(name: "naam", storage: .string, storageWidth: 30, label: "Naam", displayFormat: dta ? "%30s" : "A30"),
            ReadStatVariable(name: "geboren", storage: .double, label: "Geboortedatum", displayFormat: dta ? "%td" : "DATE11"),
            ReadStatVariable(name: "postcode", storage: .string, storageWidth: 7, label: "Postcode", displayFormat: dta ? "%7s" : "A7"),
            ReadStatVariable(name: "geslacht", storage: dta ? .int8 : .double, label: "Geslacht", displayFormat: dta ? "%8.0g" : "F1.0",
                             labelSetName: "sexe", missingValues: dta ? [] : [.value(.number(9))]),
            ReadStatVariable(name: "score", storage: .double, label: "Score", displayFormat: dta ? "%9.2f" : "F8.2"),
        ], labelSets: ["sexe": ReadStatLabelSet(name: "sexe", isString: false, labels: [
            .init(value: .number(1), label: "man"), .init(value: .number(2), label: "vrouw"), .init(value: .number(9), label: "onbekend"),
        ])])
    }

    private var rows: [[String]] {
        [[bsns[0], "Jan Jansen", "1987-06-15", "1234 AB", "1", "7.5"],
         [bsns[1], "Piet de Vries", "1950-01-31", "9999ZZ", "2", "-95"],
         [bsns[2], "Émile Zoë", "2001-12-01", "", "9", ""],
         [bsns[3], "", "", "1011 AA", "", "0.1"],
         [bsns[4], "Ongeldig", "1970-01-01", "2000XX", "1", "1e+20"]]
    }

    private let columns = """
          "columns": {
            "bsn": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" },
            "naam": { "action": "drop" },
            "geboren": { "action": "generalise", "to": "year" },
            "postcode": { "action": "generalise", "to": "pc4" },
            "geslacht": { "action": "keep" },
            "score": { "action": "keep" }
          }
    """

    private func setUp(_ format: ReadStatFileFormat, extra: String = "") throws -> TemporaryDirectory {
        let dir = TemporaryDirectory("sluis-readstat-cli")
        try writeFile(dir.file("data." + format.fileExtension), metadata(format), rows)
        var csv = "bsn,naam,geboren,postcode,geslacht,score\n"
        for r in rows { csv += r.map { $0.contains(" ") ? "\"\($0)\"" : $0 }.joined(separator: ",") + "\n" }
        dir.write("same.csv", csv)
        writeProjectKey(dir)
        dir.write("pipeline.json", """
        { "version": 1, "project": "P2026-0042", "pseudonymKey": "project.pkey",
          "files": [
            { "path": "data.\(format.fileExtension)"\(extra),
        \(columns) },
            { "path": "same.csv",
        \(columns) } ] }
        """)
        return dir
    }

    private func writeFile(_ path: String, _ meta: ReadStatMetadata, _ rows: [[String]]) throws {
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
        try file.commit()
    }

    /// The CSV output's rows (simple split: the outputs hold no quoted fields).
    private func csvRows(_ bytes: [UInt8]) -> [[String]] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func testPseudonymiseWritesTheInputFormatWithTheSamePseudonymsAsCSV() throws {
        for format in ReadStatFileFormat.allCases {
            let dir = try setUp(format)
            let check = try CLI.run(["check", "-c", "pipeline.json"], in: dir.path)
            XCTAssertEqual(check.exitCode, 0, "\(format): \(check.stderr)\(check.stdout)")
            let run = try CLI.run(["pseudonymise", "-c", "pipeline.json", "-o", "out"], in: dir.path)
            XCTAssertEqual(run.exitCode, 0, "\(format): \(run.stderr)")
            let outName = "out/data." + format.fileExtension
            let reader = try ReadStatReader(path: dir.file(outName))
            XCTAssertEqual(reader.format, format)
            XCTAssertEqual(reader.columnNames, ["PSEUDO_BSN", "geboren", "postcode", "geslacht", "score"])
            let fromStat = try readAll(reader)
            let fromCSV = csvRows(dir.read("out/same.csv"))
            XCTAssertEqual(fromCSV.first, ["PSEUDO_BSN", "geboren", "postcode", "geslacht", "score"])
            XCTAssertEqual(fromStat, Array(fromCSV.dropFirst()), "\(format): same pseudonyms, years, PC4s and kept values as CSV")
            XCTAssertEqual(fromStat[0][0].count, 17)
            XCTAssertEqual(fromStat[0][1], "1987")
            XCTAssertEqual(fromStat[0][2], "1234")

            // Metadata: pseudonym a 17-wide string, year numeric, labels kept, name gone.
            let m = reader.metadata
            XCTAssertEqual(m.fileLabel, "Enquete (synthetisch)")
            XCTAssertEqual(m.variables[0].storage, .string)
            XCTAssertEqual(m.variables[0].storageWidth, 17)
            XCTAssertEqual(m.variables[1].storage, .double)
            XCTAssertEqual(m.variables.map(\.label), ["", "Geboortedatum", "Postcode", "Geslacht", "Score"])
            XCTAssertEqual(m.labelSet(of: m.variables[3])?.labels.map(\.label), ["man", "vrouw", "onbekend"])
            if format != .dta { XCTAssertEqual(m.variables[3].missingValues, [.value(.number(9))]) }

            // No raw identifier anywhere in the outputs or the messages.
            var everything = dir.read(outName) + dir.read("out/same.csv") + dir.read("out/report.json")
            everything += Array((run.stdout + run.stderr + check.stdout).utf8)
            let text = String(decoding: everything, as: UTF8.self)
            for secret in bsns.filter({ !$0.isEmpty }) + ["Jansen", "Piet de Vries", "1987-06-15", "1234 AB"] {
                XCTAssertFalse(text.contains(secret), "\(format): \(secret) leaked")
            }
        }
    }

    func testOutputFormatCSVOnRequestEqualsTheCSVPipeline() throws {
        for format in ReadStatFileFormat.allCases {
            let dir = try setUp(format, extra: ", \"outputFormat\": \"csv\"")
            let run = try CLI.run(["pseudonymise", "-c", "pipeline.json", "-o", "out"], in: dir.path)
            XCTAssertEqual(run.exitCode, 0, "\(format): \(run.stderr)")
            XCTAssertEqual(dir.read("out/data.csv"), dir.read("out/same.csv"), "\(format): byte-identical to the CSV route")
        }
    }

    func testABadFileStopsTheRunAndLeavesNothing() throws {
        for (name, bytes) in [("truncated", Array(try goodBytes().prefix(300))), ("csv", Array("bsn,naam\n123456782,Jan\n".utf8))] {
            let dir = try setUp(.sav)
            dir.write("data.sav", bytes: bytes)
            for args in [["check", "-c", "pipeline.json"], ["pseudonymise", "-c", "pipeline.json", "-o", "out"]] {
                let r = try CLI.run(args, in: dir.path)
                XCTAssertEqual(r.exitCode, 3, "\(name) \(args[0]): \(r.stderr)")
                XCTAssertTrue(r.stderr.hasPrefix("sluis: "), r.stderr)
                XCTAssertTrue(r.stderr.contains("data.sav"), r.stderr)
                XCTAssertFalse(r.stderr.contains("123456782"), r.stderr)
            }
            XCTAssertFalse(dir.allFiles().contains { $0.hasPrefix("out/") }, "\(name): \(dir.allFiles())")
        }
    }

    func testRejectedRowsAreCountedBeforeTheHeaderIsWritten() throws {
        let dir = try setUp(.sav)
        var config = String(decoding: dir.read("pipeline.json"), as: UTF8.self)
        config = config.replacingOccurrences(of: "\"as\": \"PSEUDO_BSN\" }", with: "\"as\": \"PSEUDO_BSN\", \"invalid\": \"reject-row\" }")
        dir.write("pipeline.json", config)
        let run = try CLI.run(["pseudonymise", "-c", "pipeline.json", "-o", "out"], in: dir.path)
        XCTAssertEqual(run.exitCode, 0, run.stderr)
        let out = try readAll(try ReadStatReader(path: dir.file("out/data.sav")))
        XCTAssertEqual(out, Array(csvRows(dir.read("out/same.csv")).dropFirst()))
        XCTAssertEqual(out.count, 3, "the empty and the invalid BSN rows are left out")
    }

    private func goodBytes() throws -> [UInt8] {
        let dir = TemporaryDirectory()
        try writeFile(dir.file("g.sav"), metadata(.sav), rows)
        return dir.read("g.sav")
    }

    /// The whole route for an SPSS file: seal, open (row count checked from the header), link
    /// (RINPERSOONS/RINPERSOON as string variables, labels kept, pseudonyms gone).
    func testSealOpenAndLinkAnSPSSFile() throws {
        let dir = try setUp(.sav)
        try dir.installExampleKeys(["researcher.key", "researcher.pub", "intake.key", "intake.pub"])
        var config = String(decoding: dir.read("pipeline.json"), as: UTF8.self)
        config = config.replacingOccurrences(of: "\"pseudonymKey\": \"project.pkey\",",
                                             with: "\"pseudonymKey\": \"project.pkey\", \"sign\": \"researcher.key\", \"recipients\": [\"intake.pub\"],")
        dir.write("pipeline.json", config)
        dir.write("register.csv", "bsn,rinpersoons,rinpersoon,sex,birthdate,postcode,housenumber\n"
                  + "012345672,R,100000001,M,1987-06-15,1234AB,1\n123456782,R,100000002,V,1950-01-31,9999ZZ,2\n")
        let seal = try CLI.run(["seal", "-c", "pipeline.json", "-o", "up.sluis", "--quiet"], in: dir.path)
        XCTAssertEqual(seal.exitCode, 0, seal.stderr)
        let open = try CLI.run(["open", "up.sluis", "-i", "intake.key", "--trust", "researcher.pub", "-o", "opened"], in: dir.path)
        XCTAssertEqual(open.exitCode, 0, open.stderr)
        XCTAssertEqual(try CLI.run(["link", "--new-surrogate-key", "surrogate.key"], in: dir.path).exitCode, 0)
        let link = try CLI.run(["link", "opened", "--register", "register.csv", "--pseudonym-key", "project.pkey",
                                "--surrogate-key", "surrogate.key", "-o", "linked"], in: dir.path)
        XCTAssertEqual(link.exitCode, 0, link.stderr)
        let reader = try ReadStatReader(path: dir.file("linked/data.sav"))
        XCTAssertEqual(reader.columnNames, ["RINPERSOONS", "RINPERSOON", "geboren", "postcode", "geslacht", "score"])
        let linked = try readAll(reader)
        XCTAssertEqual(linked[0][0...1], ["R", "100000001"])
        XCTAssertEqual(linked[1][0...1], ["R", "100000002"])
        XCTAssertEqual(linked[2][0], "S")
        XCTAssertEqual(reader.metadata.variables.first { $0.name == "geslacht" }?.labelSetName != nil, true, "value labels kept")
    }

    private func readAll(_ reader: ReadStatReader) throws -> [[String]] {
        var out: [[String]] = []
        try reader.forEachRow { v, _ in out.append((0..<v.count).map { String(decoding: v[$0], as: UTF8.self) }) }
        return out
    }
}

/// Labels go into SPSS/Stata outputs with the data, so they are scanned like values.
final class ReadStatLabelScanCLITests: XCTestCase {
    func testIdentifiersInValueLabelsStopCheckUnlessAllowed() throws {
        let dir = TemporaryDirectory("sluis-readstat-labels")
        let meta = ReadStatMetadata(format: .sav, variables: [
            ReadStatVariable(name: "code", storage: .double, label: "Respondent", labelSetName: "resp"),
            ReadStatVariable(name: "score", storage: .double, label: "mail jan@example.nl voor vragen"),
        ], labelSets: ["resp": ReadStatLabelSet(name: "resp", isString: false, labels: [
            .init(value: .number(123456782), label: "eerste"), .init(value: .number(2), label: "tweede"),
        ])])
        let path = dir.file("data.sav")
        let file = try AtomicFile(path: path)
        let writer = try ReadStatWriter(path: path, sink: file, format: .sav, source: meta, rowCount: 1)
        try writer.writeHeader([OutputColumn(name: "code", origin: .kept(sourceIndex: 0)), OutputColumn(name: "score", origin: .kept(sourceIndex: 1))])
        let b = FieldBuffer()
        b.append(Array("2".utf8)); b.append(Array("7".utf8))
        try writer.writeRow(b.view)
        try writer.finish()
        try file.commit()
        writeProjectKey(dir)
        func config(allow: Bool, output: String = "") -> String {
            """
            { "version": 1, "project": "P2026-0042", "pseudonymKey": "project.pkey", "files": [ { "path": "data.sav"\(output),
              "columns": { "code": { "action": "keep"\(allow ? ", \"allowIdentifiers\": true" : "") }, "score": { "action": "keep" } } } ] }
            """
        }
        dir.write("pipeline.json", config(allow: false))
        let refused = try CLI.run(["check", "-c", "pipeline.json"], in: dir.path)
        XCTAssertEqual(refused.exitCode, 3, refused.stderr)
        let all = refused.stdout + refused.stderr
        XCTAssertTrue(all.contains("code (value labels)"), all)
        XCTAssertTrue(all.contains("score (variable label)"), all)
        XCTAssertFalse(all.contains("123456782"), all)
        XCTAssertFalse(all.contains("jan@example.nl"), all)

        // Allowed for the code column: only the variable label of score remains.
        dir.write("pipeline.json", config(allow: true))
        let partly = try CLI.run(["check", "-c", "pipeline.json"], in: dir.path)
        XCTAssertEqual(partly.exitCode, 3)
        XCTAssertFalse((partly.stdout + partly.stderr).contains("code (value labels) holds"), partly.stdout + partly.stderr)

        // CSV output carries no labels: nothing to refuse.
        dir.write("pipeline.json", config(allow: false, output: ", \"outputFormat\": \"csv\""))
        XCTAssertEqual(try CLI.run(["check", "-c", "pipeline.json"], in: dir.path).exitCode, 0)
    }
}
