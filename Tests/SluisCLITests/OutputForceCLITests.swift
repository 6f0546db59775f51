import Foundation
import XCTest
import SluisIO
import SluisTestSupport

/// `sluis output table|model` refuse an existing output or evidence file, and `--force`
/// replaces both together (docs/cli.md, "Existing outputs").
final class OutputForceCLITests: XCTestCase {
    func testAnExistingTableIsRefusedAndForceReplacesTableAndEvidence() throws {
        let dir = TemporaryDirectory("sluis-output-force")
        var csv = "region,x,y\n"
        for i in 0..<40 { csv += "\(i % 2 == 0 ? "A" : "B"),\(i),\(i * 3 % 7)\n" }
        dir.write("data.csv", csv)
        func table(_ extra: [String] = []) throws -> CLIResult {
            try CLI.run(["output", "table", "data.csv", "--rows", "region", "-o", "t.csv"] + extra, in: dir.path)
        }
        XCTAssertEqual(try table().exitCode, 0)
        let first = dir.read("t.csv.evidence.json")

        // Only the evidence is there: still refused, and nothing is written.
        try FileSystem.rename(dir.file("t.csv"), dir.file("old.csv"))
        let refused = try table()
        XCTAssertEqual(refused.exitCode, 2)
        XCTAssertTrue(refused.stderr.contains("t.csv.evidence.json exists already"), refused.stderr)
        XCTAssertFalse(FileSystem.exists(dir.file("t.csv")))
        XCTAssertEqual(dir.read("t.csv.evidence.json"), first)

        // --force replaces the pair; the new pair passes the check, the files are whole.
        dir.write("t.csv", "stale\n")
        let forced = try table(["--force"])
        XCTAssertEqual(forced.exitCode, 0, forced.stderr)
        XCTAssertEqual(dir.read("t.csv"), dir.read("old.csv"))
        FileSystem.removeTree(dir.file("old.csv"))
        try FileSystem.makeDirectories(dir.file("request"))
        for name in ["t.csv", "t.csv.evidence.json"] { try FileSystem.rename(dir.file(name), dir.file("request/" + name)) }
        let check = try CLI.run(["output", "check", "request"], in: dir.path)
        XCTAssertEqual(check.exitCode, 0, check.stdout + check.stderr)
        XCTAssertEqual(try FileSystem.list(dir.path).filter { $0.hasPrefix(".") }, [], "no temporary file left")
    }

    func testAModelIsReplacedOnlyWithForce() throws {
        let dir = TemporaryDirectory("sluis-output-force-model")
        var csv = "y,x\n"
        for i in 0..<30 { csv += "\(i * 7 % 11),\(i)\n" }
        dir.write("data.csv", csv)
        let args = ["output", "model", "data.csv", "--y", "y", "--x", "x", "-o", "m.csv"]
        XCTAssertEqual(try CLI.run(args, in: dir.path).exitCode, 0)
        dir.write("m.csv", "changed by hand\n")
        let refused = try CLI.run(args, in: dir.path)
        XCTAssertEqual(refused.exitCode, 2)
        XCTAssertEqual(String(decoding: dir.read("m.csv"), as: UTF8.self), "changed by hand\n")
        let forced = try CLI.run(args + ["--force"], in: dir.path)
        XCTAssertEqual(forced.exitCode, 0, forced.stderr)
        XCTAssertTrue(String(decoding: dir.read("m.csv"), as: UTF8.self).hasPrefix("term,coefficient"))
    }
}
