import XCTest
import SluisTestSupport

/// End to end: the built `sluis` on synthetic data — synth, check, pseudonymise — checking
/// stdout, stderr, exit codes and the files left behind.
final class PipelineCLITests: XCTestCase {
    /// An unprotected project key for `project` at `dir/p.key` (made by `sluis keygen pseudonym`).
    private func makeKey(_ dir: TemporaryDirectory, project: String) throws {
        guard !FileManager.default.fileExists(atPath: dir.file("p.key")) else { return }
        let r = try CLI.run(["keygen", "pseudonym", "--project", project, "-o", dir.file("p.key"), "--unprotected"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
    }

    private func config(_ dir: TemporaryDirectory, remark: String) throws -> String {
        try makeKey(dir, project: "P-CLI")
        return dir.write("pipeline.json", """
        { "version": 1, "project": "P-CLI", "pseudonymKey": "p.key",
          "files": [ { "path": "data/survey.csv",
            "columns": {
              "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" },
              "Naam": "drop", "Geboortedatum": { "action": "generalise", "to": "year" },
              "Geslacht": "drop", "Postcode": { "action": "generalise", "to": "pc4" }, "Huisnummer": "drop",
              "Woonplaats": "keep", "Opleiding": "keep", "Score": "keep",
              "Inkomen": { "action": "generalise", "to": "band", "width": 10000 },
              "Toelichting": \(remark) },
            "pseudonyms": [ { "as": "PSEUDO_DEMO", "from": { "Geslacht": "sex", "Geboortedatum": "date", "Postcode": "postcode", "Huisnummer": "housenumber" } } ] } ] }
        """)
    }

    func testSynthIsDeterministicAndWritesTruth() throws {
        let a = TemporaryDirectory("sluis-cli"), b = TemporaryDirectory("sluis-cli")
        for d in [a, b] {
            let r = try CLI.run(["synth", "-o", d.file("data"), "--persons", "300", "--rows", "2000", "--seed", "9"])
            XCTAssertEqual(r.exitCode, 0, r.stderr)
        }
        for name in ["register.csv", "survey.csv", "survey.truth.csv"] {
            XCTAssertEqual(a.read("data/" + name), b.read("data/" + name), name)
        }
        let register = String(decoding: a.read("data/register.csv"), as: UTF8.self)
        XCTAssertTrue(register.hasPrefix("bsn,rinpersoons,rinpersoon,sex,birthdate,postcode,housenumber\n"))
        XCTAssertEqual(register.split(separator: "\n").count, 301)
        let truth = String(decoding: a.read("data/survey.truth.csv"), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(truth.first, "line,rinpersoon")
        XCTAssertEqual(truth.count, 2001)
        XCTAssertTrue(truth.contains { $0.hasSuffix(",") }, "some people are not in the register")
    }

    func testCheckRefusesResidualIdentifiersAndWritesNothing() throws {
        let d = TemporaryDirectory("sluis-cli")
        _ = try CLI.run(["synth", "-o", d.file("data"), "--persons", "300", "--rows", "3000", "--seed", "3"])
        let path = try config(d, remark: "\"keep\"")
        let before = d.allFiles()
        let r = try CLI.run(["check", "-c", path], in: d.path)
        XCTAssertEqual(r.exitCode, 3, r.stderr)
        XCTAssertTrue(r.stdout.contains("sealing would REFUSE"), r.stdout)
        XCTAssertTrue(r.stderr.hasPrefix("sluis: sealing would refuse"), r.stderr)
        let json = try CLI.run(["check", "-c", "pipeline.json", "--json"], in: d.path)
        XCTAssertEqual(json.exitCode, 3)
        XCTAssertTrue(json.stdout.contains("\"mustRefuse\" : true"), json.stdout)
        XCTAssertEqual(d.allFiles(), before)
        let allowed = try CLI.run(["check", "-c", try config(d, remark: "{ \"action\": \"keep\", \"allowIdentifiers\": true }")], in: d.path)
        XCTAssertEqual(allowed.exitCode, 0, allowed.stderr + allowed.stdout)
    }

    func testNoRawIdentifierLeavesThroughOutputsReportOrMessages() throws {
        let d = TemporaryDirectory("sluis-cli")
        _ = try CLI.run(["synth", "-o", d.file("data"), "--persons", "300", "--rows", "3000", "--seed", "5"])
        let r = try CLI.run(["pseudonymise", "-c", try config(d, remark: "\"drop\""), "-o", "out"], in: d.path)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: d.file("out")).sorted(), ["report.json", "survey.csv"])
        let written = String(decoding: d.read("out/survey.csv") + d.read("out/report.json"), as: UTF8.self) + r.stdout + r.stderr
        // Every value and every piece of one, as tokens: a leaked identifier would be one of them.
        var tokens = Set<Substring>()
        for field in written.split(whereSeparator: { ";,\n\"".contains($0) }) {
            tokens.insert(field)
            for word in field.split(separator: " ") { tokens.insert(word) }
        }
        let register = String(decoding: d.read("data/register.csv"), as: UTF8.self).split(separator: "\n").dropFirst()
        var forms = 0
        for line in register {
            let f = line.split(separator: ",").map(String.init)
            let bsn = f[0]
            var variants = [bsn, "\(bsn.prefix(3)).\(bsn.dropFirst(3).prefix(3)).\(bsn.suffix(3))", "\(bsn.prefix(3))-\(bsn.dropFirst(3).prefix(3))-\(bsn.suffix(3))",
                            "\(bsn.prefix(3)) \(bsn.dropFirst(3).prefix(3)) \(bsn.suffix(3))", f[5], f[5].lowercased(), f[4]]
            if bsn.hasPrefix("0") { variants.append(String(bsn.dropFirst())) }
            for v in variants {
                forms += 1
                XCTAssertFalse(tokens.contains(Substring(v)), "an identifier form leaked (register line \(forms / variants.count + 1))")
            }
        }
        XCTAssertGreaterThan(forms, 1000)
        for name in ["Jansen", "Dijkstra", "Müller"] { XCTAssertFalse(tokens.contains(Substring(name))) }
        // The same input and key give byte-identical output.
        let again = try CLI.run(["pseudonymise", "-c", "pipeline.json", "-o", "out2"], in: d.path)
        XCTAssertEqual(again.exitCode, 0)
        XCTAssertEqual(d.read("out/survey.csv"), d.read("out2/survey.csv"))
    }

    func testPseudonymiseRefusesAnExistingOutputUnlessForcedAndForceLeavesNoStaleFile() throws {
        let d = TemporaryDirectory("sluis-cli")
        _ = try CLI.run(["synth", "-o", d.file("data"), "--persons", "100", "--rows", "300", "--seed", "5"])
        _ = try config(d, remark: "\"drop\"")
        try FileManager.default.createDirectory(atPath: d.file("out"), withIntermediateDirectories: true)
        _ = d.write("out/stale.csv", "left from an earlier run\n")
        let refused = try CLI.run(["pseudonymise", "-o", "out"], in: d.path)  // -c defaults to ./pipeline.json
        XCTAssertEqual(refused.exitCode, 5, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("out already exists"), refused.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: d.file("out")), ["stale.csv"])
        let forced = try CLI.run(["pseudonymise", "-o", "out/", "--force"], in: d.path)
        XCTAssertEqual(forced.exitCode, 0, forced.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: d.file("out")).sorted(), ["report.json", "survey.csv"])
        XCTAssertFalse(forced.stdout.contains("//"), forced.stdout)
        // Nothing hidden is left beside it: no staging folder, no swapped-out old folder.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: d.path).filter { $0.hasPrefix(".") }, [])
        // An empty folder is taken without --force.
        try FileManager.default.createDirectory(atPath: d.file("empty"), withIntermediateDirectories: true)
        XCTAssertEqual(try CLI.run(["pseudonymise", "-o", "empty"], in: d.path).exitCode, 0)
    }

    func testBadInputsGiveClearErrorsAndLeaveNothingBehind() throws {
        let d = TemporaryDirectory("sluis-cli")
        try makeKey(d, project: "P")
        d.write("bad.csv", "a,b\n1,2\n3,SECRET-VALUE,4\n")
        d.write("pipeline.json", """
        { "version": 1, "project": "P", "pseudonymKey": "p.key", "files": [ { "path": "bad.csv", "columns": { "a": "keep", "b": "keep" } } ] }
        """)
        let ragged = try CLI.run(["pseudonymise", "-c", "pipeline.json", "-o", "out"], in: d.path)
        XCTAssertEqual(ragged.exitCode, 3)
        XCTAssertTrue(ragged.stderr.contains("bad.csv:3"), ragged.stderr)
        XCTAssertFalse(ragged.stderr.contains("SECRET-VALUE"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: d.file("out")), "a failed run leaves no output folder")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: d.path).filter { $0.hasPrefix(".") }, [])

        d.write("pipeline.json", """
        { "version": 1, "project": "P", "pseudonymKey": "p.key", "files": [ { "path": "bad.csv", "columns": { "a": "keep" } } ] }
        """)
        let unclassified = try CLI.run(["check", "-c", "pipeline.json"], in: d.path)
        XCTAssertEqual(unclassified.exitCode, 2)
        XCTAssertTrue(unclassified.stderr.contains("unclassified column: 'b'"), unclassified.stderr)

        d.write("pipeline.json", """
        { "version": 1, "project": "P", "pseudonymKey": "p.key", "files": [ { "path": "bad.csv", "columns": { "a": "keep", "b": { "action": "generalise" } } } ] }
        """)
        let config = try CLI.run(["check", "-c", "pipeline.json"], in: d.path)
        XCTAssertEqual(config.exitCode, 2)
        XCTAssertTrue(config.stderr.contains("files[0].columns.b.to"), config.stderr)

        d.write("pipeline.json", """
        { "version": 1, "project": "OTHER", "pseudonymKey": "p.key", "files": [ { "path": "bad.csv", "columns": { "a": "keep", "b": "keep" } } ] }
        """)
        let wrongKey = try CLI.run(["pseudonymise", "-c", "pipeline.json", "-o", "out"], in: d.path)
        XCTAssertEqual(wrongKey.exitCode, 2, wrongKey.stderr)
        XCTAssertTrue(wrongKey.stderr.contains("belongs to another project"), wrongKey.stderr)
    }
}
