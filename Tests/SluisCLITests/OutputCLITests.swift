import Foundation
import XCTest
import SluisIO
import SluisTestSupport

/// `sluis output table|model|check|approve|release` end to end: the built binary on small
/// microdata, checking stdout, stderr, exit codes and the files left behind.
final class OutputCLITests: XCTestCase {
    var dir: TemporaryDirectory!
    /// A value planted in the data that must never appear in any message.
    let secret = "987654321"

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-output-cli")
        try FileSystem.makeDirectories(dir.file("request"))
        // 4 regions × 2 sexes; region D has only 3 people (all f), so its row and its f cell are unsafe.
        var csv = "person,region,sex,income,hospital,y,x1\n"
        var person = 100_000_000
        for (region, f, m) in [("A", 20, 25), ("B", 30, 18), ("C", 15, 22), ("D", 3, 0)] {
            for i in 0..<(f + m) {
                person += 7
                let income = 1000 + (i * 37) % 500
                let x = Double((i * 13) % 17) / 17
                let y = (i * 7) % 3 == 0 ? 1 : 0
                csv += "\(person),\(region),\(i < f ? "f" : "m"),\(income),h\(i % 4),\(y),\(x)\n"
            }
        }
        dir.write("data.csv", csv)
    }

    func run(_ args: [String]) throws -> CLIResult { try CLI.run(args, in: dir.path) }

    func lines(_ name: String) -> [[String]] {
        String(decoding: dir.read(name), as: UTF8.self).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func makeTable(_ extra: [String] = [], output: String = "request/table.csv") throws -> CLIResult {
        try run(["output", "table", "data.csv", "--rows", "region", "--cols", "sex", "-o", output] + extra)
    }

    func testFrequencyTableSuppressesTheLeakingRowAndWritesEvidence() throws {
        let r = try makeTable()
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let t = lines("request/table.csv")
        XCTAssertEqual(t[0], ["region", "f", "m", "Total"])
        // D has 3 f and 0 m: D,f is primary (3 < 10) and so is D's total; D,m (0) is safe but
        // would give D,f away (D total − D,m), so something else in D's lines must go too.
        // The cheapest protection: C,f (15) and C's total, margins and the grand total untouched.
        XCTAssertEqual(t[1], ["A", "20", "25", "45"])
        XCTAssertEqual(t[3], ["C", "x", "22", "x"])
        XCTAssertEqual(t[4], ["D", "x", "0", "x"])
        XCTAssertEqual(t[5], ["Total", "68", "65", "133"])
        XCTAssertFalse(t.flatMap { $0 }.contains("3"), "the unsafe count is shown nowhere")
        let evidence = try JSONSerialization.jsonObject(with: Data(dir.read("request/table.csv.evidence.json"))) as? [String: Any]
        XCTAssertEqual((evidence?["policy"] as? [String: Any])?["version"] as? String, "1")
        XCTAssertNotNil(evidence?["sha256"])
        let table = evidence?["table"] as? [String: Any]
        XCTAssertGreaterThan(table?["minimumIntervalWidth"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(table?["secondaryCount"] as? Int ?? 0, 0)
        // Every suppressed cell's interval is wider than a point, and the marker stands where the evidence says.
        for case let cell as [String: Any] in table?["cells"] as? [Any] ?? [] where (cell["status"] as? String) != "published" {
            XCTAssertNotNil(cell["interval"])
            XCTAssertGreaterThan(cell["intervalWidth"] as? Double ?? .infinity, 0)
            XCTAssertEqual(t[(cell["line"] as! Int) - 1][(cell["field"] as! Int) - 1], "x")
        }
        XCTAssertFalse(String(decoding: dir.read("request/table.csv.evidence.json"), as: UTF8.self).contains(secret))
    }

    func testMagnitudeTableWithDominanceAndMeans() throws {
        var csv = "region,income\n"
        for i in 0..<12 { csv += "A,\(100 + i)\n" }
        for i in 0..<11 { csv += "B,\(100 + i)\n" }
        csv += "B,100000\n"   // one contributor dominates B
        for i in 0..<15 { csv += "C,\(200 + i)\n" }
        dir.write("m.csv", csv)
        let r = try run(["output", "table", "m.csv", "--rows", "region", "--value", "income", "--stat", "sum", "-o", "request/sum.csv"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let t = lines("request/sum.csv")
        XCTAssertEqual(t[0], ["region", "sum of income"])
        XCTAssertEqual(t[2], ["B", "x"])
        XCTAssertEqual(t.filter { $0.last == "x" }.count, 2, "B and one more, so B cannot be recomputed from the total")
        let mean = try run(["output", "table", "m.csv", "--rows", "region", "--value", "income", "--stat", "mean", "-o", "request/mean.csv"])
        XCTAssertEqual(mean.exitCode, 0, mean.stderr)
        XCTAssertEqual(lines("request/mean.csv")[1], ["A", "105.5"])
    }

    func testBadInputsFailClearlyAndLeaveNothing() throws {
        dir.write("bad.csv", "region,income\nA,12\nB,\(secret)x\n")
        let notNumber = try run(["output", "table", "bad.csv", "--rows", "region", "--value", "income", "-o", "request/bad.csv"])
        XCTAssertEqual(notNumber.exitCode, 3)
        XCTAssertTrue(notNumber.stderr.contains("bad.csv:3: column income"), notNumber.stderr)
        XCTAssertFalse(notNumber.stderr.contains(secret))
        let unknown = try run(["output", "table", "data.csv", "--rows", "nope", "-o", "request/x.csv"])
        XCTAssertEqual(unknown.exitCode, 2)
        XCTAssertTrue(unknown.stderr.contains("no column nope"))
        let noValue = try run(["output", "table", "data.csv", "--rows", "region", "--stat", "mean", "-o", "request/x.csv"])
        XCTAssertEqual(noValue.exitCode, 2)
        let noRounding = try makeTable(["--round"], output: "request/r.csv")
        XCTAssertEqual(noRounding.exitCode, 2, "the default policy does not allow rounding")
        XCTAssertEqual(try FileSystem.list(dir.file("request")), [])
    }

    func testRoundingWhenThePolicyAllowsIt() throws {
        let policy = try String(contentsOfFile: CLI.packageRoot + "/examples/output-policy.json", encoding: .utf8)
            .replacingOccurrences(of: "\"allowed\": false", with: "\"allowed\": true")
        dir.write("rounding.json", policy)
        let r = try makeTable(["--round", "--policy", "rounding.json"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let figures = lines("request/table.csv").dropFirst().flatMap { $0.dropFirst() }
        XCTAssertTrue(figures.allSatisfy { Int($0).map { $0 % 5 == 0 } ?? false }, "\(figures)")
        let check = try run(["output", "check", "request", "--policy", "rounding.json"])
        XCTAssertEqual(check.exitCode, 0, check.stdout)
    }

    func testModelWithTheDegreesOfFreedomRule() throws {
        let ols = try run(["output", "model", "data.csv", "--y", "income", "--x", "x1", "-o", "request/ols.csv"])
        XCTAssertEqual(ols.exitCode, 0, ols.stderr)
        XCTAssertEqual(lines("request/ols.csv")[0], ["term", "coefficient", "standard error"])
        XCTAssertTrue(FileSystem.exists(dir.file("request/ols.csv.evidence.json")))
        let logit = try run(["output", "model", "data.csv", "--y", "y", "--x", "x1", "--logit", "-o", "request/logit.csv"])
        XCTAssertEqual(logit.exitCode, 0, logit.stderr)
        // 12 rows, 3 parameters: residual df 9 < 10.
        dir.write("small.csv", "y,a,b\n" + (0..<12).map { "\($0 * 3 % 7),\($0),\($0 * $0 % 5)" }.joined(separator: "\n") + "\n")
        let small = try run(["output", "model", "small.csv", "--y", "y", "--x", "a", "b", "-o", "request/small.csv"])
        XCTAssertEqual(small.exitCode, 3)
        XCTAssertTrue(small.stderr.contains("residual degrees of freedom 9 < 10"), small.stderr)
        XCTAssertFalse(FileSystem.exists(dir.file("request/small.csv")))
        let check = try run(["output", "check", "request"])
        XCTAssertEqual(check.exitCode, 0, check.stdout)
    }

    func testCheckFindsPlantedKeysInACSVATextAndATable() throws {
        XCTAssertEqual(try makeTable().exitCode, 0)
        let clean = try run(["output", "check", "request"])
        XCTAssertEqual(clean.exitCode, 0, clean.stdout + clean.stderr)
        // A table whose rows are RINPERSOON-shaped: it passes the rules, but must not leave.
        dir.write("rin.csv", "RINPERSOON,v\n" + (0..<30).map { _ in "\(secret),1" }.joined(separator: "\n") + "\n")
        XCTAssertEqual(try run(["output", "table", "rin.csv", "--rows", "RINPERSOON", "-o", "request/bypin.csv"]).exitCode, 0)
        dir.write("request/notes.txt", "Results are fine.\nSee person \(secret) for details.\n")
        dir.write("request/extra.csv", "group,share\nA,0.5\nB,\(secret)\n")
        let r = try run(["output", "check", "request", "--json"])
        XCTAssertEqual(r.exitCode, 3, r.stdout)
        XCTAssertFalse(r.stdout.contains(secret))
        XCTAssertFalse(r.stderr.contains(secret))
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let files = Dictionary(uniqueKeysWithValues: (report?["files"] as? [[String: Any]] ?? []).map { ($0["file"] as! String, $0) })
        func findings(_ f: String) -> [[String: Any]] { files[f]?["findings"] as? [[String: Any]] ?? [] }
        XCTAssertEqual(files["table.csv"]?["status"] as? String, "pass")
        XCTAssertEqual(files["notes.txt"]?["status"] as? String, "fail")
        XCTAssertTrue(findings("notes.txt").contains { $0["kind"] as? String == "key-format" && $0["line"] as? Int == 2 && $0["column"] as? Int == 12 })
        XCTAssertTrue(findings("extra.csv").contains { $0["kind"] as? String == "key-format" && $0["line"] as? Int == 3 && $0["column"] as? Int == 2 })
        XCTAssertTrue(findings("bypin.csv").contains { $0["kind"] as? String == "key-format" && $0["line"] as? Int == 2 && $0["column"] as? Int == 1 })
        XCTAssertEqual(report?["status"] as? String, "fail")
        let log = String(decoding: dir.read("sluis-output-audit.log"), as: UTF8.self)
        XCTAssertTrue(log.contains("\"event\":\"check\""))
        XCTAssertFalse(log.contains(secret))
    }

    func testCheckWithKeysFindsAKeyOfAnyShape() throws {
        // Business keys with letters: no format rule knows them, the key set does.
        dir.write("register.csv", "RINPERSOON,other\nAB12CD34,1\nZZ99ZZ99,2\n")
        dir.write("request/summary.txt", "ok\nthe outlier is ZZ99ZZ99 in group 3\n")
        let without = try run(["output", "check", "request"])
        XCTAssertEqual(without.exitCode, 7, "no evidence: a person's review, nothing found")
        let with = try run(["output", "check", "request", "--keys", "register.csv"])
        XCTAssertEqual(with.exitCode, 3)
        XCTAssertTrue(with.stdout.contains("summary.txt:2: column 16: known-key"), with.stdout)
        XCTAssertFalse(with.stdout.contains("ZZ99ZZ99"))
    }

    func testOneRowPerPersonExportIsFlagged() throws {
        let rows = (0..<25).map { "p\($0 * 31 % 97),\($0 % 3)" }.joined(separator: "\n")
        dir.write("request/export.csv", "id,score\n" + rows + "\n")
        let r = try run(["output", "check", "request"])
        XCTAssertEqual(r.exitCode, 3)
        XCTAssertTrue(r.stdout.contains("export.csv: column 1: one-row-per-unit"), r.stdout)
        XCTAssertFalse(r.stdout.contains("column 2: one-row-per-unit"))
    }

    func testATamperedTableNoLongerMatchesItsEvidence() throws {
        XCTAssertEqual(try makeTable().exitCode, 0)
        var text = String(decoding: dir.read("request/table.csv"), as: UTF8.self)
        // Put the suppressed D,f figure back.
        text = text.replacingOccurrences(of: "D,x,", with: "D,3,")
        dir.write("request/table.csv", text)
        let r = try run(["output", "check", "request"])
        XCTAssertEqual(r.exitCode, 4, r.stdout)
        XCTAssertTrue(r.stdout.contains("evidence-mismatch"))
    }

    func testAWeakSuppressionWithForgedEvidenceIsCaughtByTheReaudit() throws {
        XCTAssertEqual(try makeTable().exitCode, 0)
        // Publish a secondary cell again, and re-bind the evidence to the edited file: the hash
        // then matches, but the audit from the published figures recomputes D,f.
        let evidencePath = dir.file("request/table.csv.evidence.json")
        var evidence = try JSONSerialization.jsonObject(with: Data(dir.read("request/table.csv.evidence.json"))) as! [String: Any]
        var table = evidence["table"] as! [String: Any]
        var cells = table["cells"] as! [[String: Any]]
        var t = lines("request/table.csv")
        for i in cells.indices where cells[i]["status"] as? String == "secondary" {
            cells[i]["status"] = "published"
            let line = cells[i]["line"] as! Int, field = cells[i]["field"] as! Int
            t[line - 1][field - 1] = String(Int(cells[i]["weightedN"] as! Double))
        }
        table["cells"] = cells
        let text = t.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
        dir.write("request/table.csv", text)
        evidence["table"] = table
        evidence["sha256"] = sha256Hex(Array(text.utf8))
        try JSONSerialization.data(withJSONObject: evidence).write(to: URL(fileURLWithPath: evidencePath))
        let r = try run(["output", "check", "request"])
        XCTAssertEqual(r.exitCode, 3, r.stdout)
        XCTAssertTrue(r.stdout.contains("audit: this suppressed figure can be recomputed"), r.stdout)
    }

    func sha256Hex(_ bytes: [UInt8]) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let i = Pipe(), o = Pipe()
        p.standardInput = i
        p.standardOutput = o
        try? p.run()
        i.fileHandleForWriting.write(Data(bytes))
        try? i.fileHandleForWriting.close()
        let out = o.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(String(decoding: out, as: UTF8.self).prefix(64))
    }
}

/// `sluis output release` and `approve`: a release is a package the researcher opens with `sluis open`.
final class OutputReleaseCLITests: XCTestCase {
    var dir: TemporaryDirectory!

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-output-release")
        // The checker is the intake officer of keys-example; the researcher receives the release.
        try dir.installExampleKeys(["researcher.key", "researcher.pub", "intake.key", "intake.pub"], into: "keys")
        let second = try CLI.run(["keygen", "identity", "-o", "keys/checker2", "--unprotected"], in: dir.path)
        XCTAssertEqual(second.exitCode, 0, second.stderr)
        try FileSystem.makeDirectories(dir.file("request"))
        var csv = "region,sex\n"
        for (region, f, m) in [("A", 20, 25), ("B", 30, 18), ("C", 15, 22)] {
            for i in 0..<(f + m) { csv += "\(region),\(i < f ? "f" : "m")\n" }
        }
        dir.write("data.csv", csv)
        let t = try CLI.run(["output", "table", "data.csv", "--rows", "region", "--cols", "sex", "-o", "request/table.csv"], in: dir.path)
        XCTAssertEqual(t.exitCode, 0, t.stderr)
        dir.write("request/readme.txt", "What the table shows.\n")
    }

    func run(_ args: [String]) throws -> CLIResult { try CLI.run(args, in: dir.path) }

    func release(_ extra: [String] = [], files: [String] = ["table.csv", "readme.txt"]) throws -> CLIResult {
        try run(["output", "release", "request", "--approve"] + files
                + ["--identity", "keys/intake.key", "-r", "keys/researcher.pub", "-o", "release.sluis"] + extra)
    }

    func testAReleaseOpensWithSluisOpenAndNamesItsChecker() throws {
        let r = try release()
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let verified = try run(["verify", "release.sluis", "--trust", "keys/intake.pub", "--json"])
        XCTAssertEqual(verified.exitCode, 0, verified.stderr)
        let wrongTrust = try run(["verify", "release.sluis", "--trust", "keys/researcher.pub"])
        XCTAssertEqual(wrongTrust.exitCode, 4, "released by the checker, not by anyone else")
        let opened = try run(["open", "release.sluis", "-i", "keys/researcher.key", "--trust", "keys/intake.pub", "-o", "out"])
        XCTAssertEqual(opened.exitCode, 0, opened.stderr)
        XCTAssertEqual(try FileSystem.list(dir.file("out")).sorted(),
                       ["decision-log.json", "readme.txt", "sluis-manifest.json", "table.csv", "table.csv.evidence.json"])
        XCTAssertEqual(dir.read("out/table.csv"), dir.read("request/table.csv"))
        let log = try JSONSerialization.jsonObject(with: Data(dir.read("out/decision-log.json"))) as? [String: Any]
        XCTAssertEqual((log?["policy"] as? [String: Any])?["version"] as? String, "1")
        let decisions = log?["decisions"] as? [[String: Any]] ?? []
        XCTAssertEqual(decisions.map { $0["check"] as? String }, ["pass", "needs-review"])
        let checkers = log?["checkers"] as? [[String: Any]] ?? []
        XCTAssertEqual(checkers.first?["role"] as? String, "releaser")
        // The released evidence carries statuses, not counts.
        let released = String(decoding: dir.read("out/table.csv.evidence.json"), as: UTF8.self)
        XCTAssertTrue(released.contains("sluis-output-released-evidence"))
        XCTAssertFalse(released.contains("\"n\""))
        let audit = String(decoding: dir.read("sluis-output-audit.log"), as: UTF8.self)
        XCTAssertTrue(audit.contains("\"event\":\"release\"") && audit.contains("\"outcome\":\"ok\""), audit)
    }

    func testAFailingFileIsNotReleased() throws {
        dir.write("request/list.txt", "person 123456789\n")
        let r = try release(files: ["table.csv", "list.txt"])
        XCTAssertEqual(r.exitCode, 3)
        XCTAssertTrue(r.stderr.contains("cannot approve list.txt: the check says fail"), r.stderr)
        XCTAssertFalse(r.stderr.contains("123456789"))
        XCTAssertFalse(FileSystem.exists(dir.file("release.sluis")))
        XCTAssertTrue(String(decoding: dir.read("sluis-output-audit.log"), as: UTF8.self).contains("\"outcome\":\"refused\""))
    }

    func testTwoCheckersWhenThePolicySaysSo() throws {
        let policy = try String(contentsOfFile: CLI.packageRoot + "/examples/output-policy.json", encoding: .utf8)
            .replacingOccurrences(of: "\"requiredApprovals\": 1", with: "\"requiredApprovals\": 2")
        dir.write("two.json", policy)
        let alone = try release(["--policy", "two.json"])
        XCTAssertEqual(alone.exitCode, 2)
        XCTAssertTrue(alone.stderr.contains("requires 2 different checkers"), alone.stderr)

        // The first checker cannot countersign their own release.
        let own = try run(["output", "approve", "request", "--approve", "table.csv", "readme.txt", "--identity", "keys/intake.key",
                           "--policy", "two.json", "-o", "own.json"])
        XCTAssertEqual(own.exitCode, 0, own.stderr)
        let selfSigned = try release(["--policy", "two.json", "--countersign", "own.json", "--checkers", "keys/intake.pub"])
        XCTAssertEqual(selfSigned.exitCode, 4)
        XCTAssertTrue(selfSigned.stderr.contains("two different checkers"), selfSigned.stderr)

        let approve = try run(["output", "approve", "request", "--approve", "table.csv", "readme.txt",
                               "--identity", "keys/checker2.key", "--policy", "two.json", "-o", "approval.json"])
        XCTAssertEqual(approve.exitCode, 0, approve.stderr)
        let untrusted = try release(["--policy", "two.json", "--countersign", "approval.json", "--checkers", "keys/intake.pub"])
        XCTAssertEqual(untrusted.exitCode, 4)
        // An approval of other files does not count.
        let partial = try run(["output", "approve", "request", "--approve", "table.csv", "--identity", "keys/checker2.key",
                               "--policy", "two.json", "-o", "partial.json"])
        XCTAssertEqual(partial.exitCode, 0)
        let other = try release(["--policy", "two.json", "--countersign", "partial.json", "--checkers", "keys/checker2.pub"])
        XCTAssertEqual(other.exitCode, 4)
        XCTAssertTrue(other.stderr.contains("approves other files"), other.stderr)
        // A forged approval (statement changed after signing) fails its signature.
        var forged = String(decoding: dir.read("approval.json"), as: UTF8.self)
        forged = forged.replacingOccurrences(of: "readme.txt", with: "readme.txT")
        dir.write("forged.json", forged)
        let forgedRun = try release(["--policy", "two.json", "--countersign", "forged.json", "--checkers", "keys/checker2.pub"])
        XCTAssertEqual(forgedRun.exitCode, 4)
        XCTAssertTrue(forgedRun.stderr.contains("signature is not valid"), forgedRun.stderr)
        XCTAssertFalse(FileSystem.exists(dir.file("release.sluis")))

        let both = try release(["--policy", "two.json", "--countersign", "approval.json", "--checkers", "keys/checker2.pub"])
        XCTAssertEqual(both.exitCode, 0, both.stderr)
        let opened = try run(["open", "release.sluis", "-i", "keys/researcher.key", "--trust", "keys/intake.pub", "-o", "out"])
        XCTAssertEqual(opened.exitCode, 0, opened.stderr)
        let log = try JSONSerialization.jsonObject(with: Data(dir.read("out/decision-log.json"))) as? [String: Any]
        XCTAssertEqual((log?["checkers"] as? [[String: Any]])?.map { $0["role"] as? String }, ["releaser", "countersigner"])
    }

    func testAFileChangedAfterItsApprovalIsRefused() throws {
        let approve = try run(["output", "approve", "request", "--approve", "readme.txt", "--identity", "keys/checker2.key", "-o", "a.json"])
        XCTAssertEqual(approve.exitCode, 0, approve.stderr)
        dir.write("request/readme.txt", "Something else.\n")
        let r = try release(["--countersign", "a.json", "--checkers", "keys/checker2.pub"], files: ["readme.txt"])
        XCTAssertEqual(r.exitCode, 4)
        XCTAssertTrue(r.stderr.contains("approves other files"), r.stderr)
    }
}

/// sluis's primary decisions against ACRO's (PyPI `acro`) on the same microdata, cell by cell:
/// every difference must be one docs/output.md explains ("Compared with ACRO").
final class OutputACROComparisonTests: XCTestCase {
    /// The Python with `acro`: `make test` sets SLUIS_ACRO_PYTHON to its venv.
    func acroPython() throws -> String {
        let env = ProcessInfo.processInfo.environment
        let candidates = [env["SLUIS_ACRO_PYTHON"], CLI.packageRoot + "/.build/acro-venv/bin/python3", "/usr/bin/env"].compactMap { $0 }
        for p in candidates where FileManager.default.isExecutableFile(atPath: p) {
            let probe = try runPython(p, ["-c", "import acro"])
            if probe.status == 0 { return p }
        }
        if env["SLUIS_ACRO_PYTHON"] != nil { XCTFail("SLUIS_ACRO_PYTHON is set but cannot import acro") }
        throw XCTSkip("acro is not installed (make test installs it)")
    }

    func runPython(_ python: String, _ args: [String], in directory: String? = nil) throws -> (status: Int32, stdout: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = (python == "/usr/bin/env" ? ["python3"] : []) + args
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A workbook as researchers make them: pandas `to_excel` through openpyxl (installed with
    /// acro by `make test`), two sheets, a RINPERSOON column stored as numbers and as text.
    func testCheckFindsKeysInAWorkbookWrittenByPandas() throws {
        let python = try acroPython()
        let dir = TemporaryDirectory("sluis-output-xlsx")
        try FileSystem.makeDirectories(dir.file("request"))
        let secret = "987654321"
        let script = """
            import pandas as pd
            people = pd.DataFrame({"RINPERSOON": [100000007 + 11 * i for i in range(12)], "score": [i % 3 for i in range(12)]})
            summary = pd.DataFrame({"group": ["A", "B", "person \(secret)"], "n": [20, 31, 12]})
            with pd.ExcelWriter("request/results.xlsx", engine="openpyxl") as w:
                summary.to_excel(w, sheet_name="Summary", index=False)
                people.to_excel(w, sheet_name="Microdata", index=False)
            """
        let made = try runPython(python, ["-c", script], in: dir.path)
        XCTAssertEqual(made.status, 0, made.stdout)
        let r = try CLI.run(["output", "check", "request"], in: dir.path)
        XCTAssertEqual(r.exitCode, 3, r.stdout + r.stderr)
        for place in ["results.xlsx: xl/worksheets/sheet1.xml: cell A4: key-format",
                      "results.xlsx: xl/worksheets/sheet2.xml: cell A2: key-format",
                      "results.xlsx: xl/worksheets/sheet2.xml: cell A13: key-format",
                      "results.xlsx: xl/worksheets/sheet2.xml: column A: one-row-per-unit"] {
            XCTAssertTrue(r.stdout.contains(place), "\(place)\n\(r.stdout)")
        }
        XCTAssertFalse(r.stdout.contains("sheet1.xml: column"), "three rows are not one row per unit")
        XCTAssertFalse(r.stdout.contains(secret) || r.stderr.contains(secret))
    }

    func testDecisionsAgreeWithACROExceptWhereDocumented() throws {
        let python = try acroPython()
        let dir = TemporaryDirectory("sluis-output-acro")
        var rows = ["region,sex,income"]
        rows += (0..<30).map { "A,f,\(100 + $0)" } + (0..<25).map { "A,m,\(120 + $0)" }
        // B,f: the top two hold exactly 90 % (45 + 45 of 100), the largest alone 45 %.
        rows += ["B,f,45", "B,f,45"] + Array(repeating: "B,f,1.25", count: 8) + (0..<20).map { "B,m,\(200 + $0)" }
        // C,f: one contributor holds 55 of 110 = exactly 50 %; C,m: 3 records.
        rows += ["C,f,55"] + Array(repeating: "C,f,5", count: 11) + ["C,m,10", "C,m,11", "C,m,12"]
        // D,f: 19 of D's 20 (95 % of the group); E: 15 f and no m (a zero cell).
        rows += (0..<19).map { "D,f,\(300 + $0)" } + ["D,m,40"] + (0..<15).map { "E,f,\(50 + $0)" }
        dir.write("data.csv", rows.joined(separator: "\n") + "\n")
        // ACRO's defaults as a sluis policy: (2, 0.9) dominance, p-ratio 10 %.
        let policy = try String(contentsOfFile: CLI.packageRoot + "/examples/output-policy.json", encoding: .utf8)
            .replacingOccurrences(of: "\"zeroCellsDisclosive\": false", with:
                "\"zeroCellsDisclosive\": false, \"percentRule\": 10, \"nkDominance\": { \"n\": 2, \"k\": 0.9 }")
        dir.write("acro-like.json", policy)
        let script = CLI.packageRoot + "/Tests/SluisOutputTests/acro/compare.py"
        var reasons = Set<String>()
        for (name, extra) in [("freq.csv", [String]()), ("sum.csv", ["--value", "income", "--stat", "sum"])] {
            let t = try CLI.run(["output", "table", "data.csv", "--rows", "region", "--cols", "sex", "--policy", "acro-like.json",
                                 "-o", name] + extra, in: dir.path)
            XCTAssertEqual(t.exitCode, 0, t.stderr)
            let r = try runPython(python, [script, "data.csv", name + ".evidence.json", "region", "sex"] + (extra.isEmpty ? [] : ["income"]),
                                  in: dir.path)
            XCTAssertEqual(r.status, 0, r.stdout)
            for line in r.stdout.split(separator: "\n") {
                let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                if let reason = o?["reason"] as? String { reasons.insert(reason) }
                if let compared = o?["compared"] as? Int { XCTAssertEqual(compared, 10) }
            }
        }
        // Each documented difference shows up on this data, so the comparison cannot pass vacuously.
        XCTAssertEqual(reasons, ["zero-cell", "group-rule", "dominance-n1", "nk-boundary"])
    }
}

extension OutputCLITests {
    func testUnreadableEvidenceFailsItsFileOnlyAndADamagedXLSXFails() throws {
        XCTAssertEqual(try makeTable().exitCode, 0)
        XCTAssertEqual(try makeTable(output: "request/second.csv").exitCode, 0)
        dir.write("request/second.csv.evidence.json", "{not json")
        dir.write("request/book.xlsx", bytes: [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 40))
        let r = try run(["output", "check", "request", "--json"])
        XCTAssertEqual(r.exitCode, 4, r.stdout + r.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let files = Dictionary(uniqueKeysWithValues: (report?["files"] as? [[String: Any]] ?? []).map { ($0["file"] as! String, $0["status"] as! String) })
        XCTAssertEqual(files, ["table.csv": "pass", "second.csv": "evidence-mismatch", "book.xlsx": "fail"])
        let text = try run(["output", "check", "request"])
        XCTAssertTrue(text.stdout.contains("book.xlsx: unreadable: not a readable XLSX workbook (it has no end of central directory record)"), text.stdout)
    }

    /// A workbook with a RINPERSOON in a shared string, a number cell, a formula and a comment,
    /// and a sheet with one row per person: every place is named (part, cell), no value is.
    func testCheckScansTheCellsAndTextOfAnXLSXWorkbook() throws {
        let rows = [#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>"#,
                    #"<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>\#(secret)</v></c></row>"#,
                    #"<row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3"><f>B2+0*\#(secret)</f><v>1</v></c></row>"#]
        let perPerson = [#"<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t>score</t></is></c></row>"#]
            + (2...13).map { #"<row r="\#($0)"><c r="A\#($0)" t="inlineStr"><is><t>p\#($0 * 31 % 97)</t></is></c><c r="B\#($0)"><v>\#($0 % 3)</v></c></row>"# }
        try WorkbookFixture.write([
            "xl/worksheets/sheet1.xml": WorkbookFixture.sheet(rows),
            "xl/worksheets/sheet2.xml": WorkbookFixture.sheet(perPerson),
            "xl/sharedStrings.xml": WorkbookFixture.sharedStrings(["group", "value", "person \(secret)", "total", "unused \(secret)"]),
            "xl/comments1.xml": "<comments><commentList><comment ref=\"B2\"><text><t>from \(secret)</t></text></comment></commentList></comments>",
            "xl/media/\(secret).png": "not an image",
        ], to: dir.file("request/results.xlsx"))
        let r = try run(["output", "check", "request"])
        XCTAssertEqual(r.exitCode, 3, r.stdout + r.stderr)
        for place in ["results.xlsx: xl/worksheets/sheet1.xml: cell A2: key-format",
                      "results.xlsx: xl/worksheets/sheet1.xml: cell B2: key-format",
                      "results.xlsx: xl/worksheets/sheet1.xml: cell B3: key-format",
                      "results.xlsx: xl/sharedStrings.xml: item 5: key-format",
                      "results.xlsx: xl/comments1.xml: item 2: key-format",
                      "results.xlsx: (the names of its parts): item 5: key-format",
                      "results.xlsx: xl/worksheets/sheet2.xml: column A: one-row-per-unit"] {
            XCTAssertTrue(r.stdout.contains(place), "\(place)\n\(r.stdout)")
        }
        XCTAssertFalse(r.stdout.contains("sheet2.xml: column B"), r.stdout)
        XCTAssertFalse(r.stdout.contains(secret) || r.stderr.contains(secret))
        let json = try run(["output", "check", "request", "--json"])
        XCTAssertFalse(json.stdout.contains(secret))
        let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let findings = ((report?["files"] as? [[String: Any]])?.first?["findings"] as? [[String: Any]]) ?? []
        XCTAssertTrue(findings.contains { $0["part"] as? String == "xl/worksheets/sheet1.xml" && $0["line"] as? Int == 2 && $0["column"] as? Int == 1 },
                      json.stdout)

        // Without anything key-shaped the workbook, like any file without evidence, needs a person.
        try WorkbookFixture.write(["xl/worksheets/sheet1.xml": WorkbookFixture.sheet([#"<row r="1"><c r="A1"><v>42</v></c></row>"#])],
                                  to: dir.file("request/results.xlsx"))
        let clean = try run(["output", "check", "request"])
        XCTAssertEqual(clean.exitCode, 7, clean.stdout)
    }
}
