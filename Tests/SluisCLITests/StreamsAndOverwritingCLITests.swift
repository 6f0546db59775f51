import XCTest
import Foundation
import SluisIO
import SluisTestSupport

/// One set of habits for outputs and streams (docs/cli.md): `-` is standard input or output
/// wherever a command handles one file, and every command that writes refuses an existing output
/// unless `--force`, which replaces it as a whole (no stale file of an earlier run survives).
final class StreamsAndOverwritingCLITests: XCTestCase {
    var dir: TemporaryDirectory!

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-habits")
        try dir.installExampleKeys(["researcher.key", "researcher.pub", "intake.key", "intake.pub", "project-P2026-0042.key"], into: "keys")
        try ok(["synth", "-o", "data", "--persons", "100", "--rows", "200", "--seed", "4"])
        try ok(["link", "--new-surrogate-key", "keys/surrogate.key"])
        dir.write("pipeline.json", """
        { "version": 1, "project": "P2026-0042", "pseudonymKey": "keys/project-P2026-0042.key", "sign": "keys/researcher.key",
          "recipients": ["keys/intake.pub"], "files": [ { "path": "data/survey.csv", "delimiter": ";",
          "columns": { "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" },
            "Naam": "drop", "Geboortedatum": { "action": "generalise", "to": "year" }, "Geslacht": "drop",
            "Postcode": { "action": "generalise", "to": "pc4" }, "Huisnummer": "drop", "Woonplaats": "keep",
            "Opleiding": "keep", "Score": "keep", "Inkomen": "keep", "Toelichting": "drop" } } ] }
        """)
    }

    @discardableResult
    func ok(_ args: [String], stdin: [UInt8] = []) throws -> CLIResult {
        let r = try CLI.run(args, in: dir.path, stdin: stdin)
        XCTAssertEqual(r.exitCode, 0, "\(args): \(r.stderr)")
        return r
    }

    func testSealToStandardOutputThenVerifyAndInspectFromStandardInput() throws {
        let sealed = try ok(["seal", "-o", "-", "-q"])  // -c defaults to ./pipeline.json
        XCTAssertTrue(sealed.stderr.contains("written to standard output"), sealed.stderr)
        let package = sealed.stdoutBytes
        XCTAssertEqual(Array(package.prefix(8)), Array("SLUISPKG".utf8))
        let verified = try ok(["verify", "-", "--trust", "keys/researcher.pub"], stdin: package)
        XCTAssertTrue(verified.stdout.contains("verified"), verified.stdout)
        let inspected = try ok(["inspect", "-"], stdin: package)
        XCTAssertTrue(inspected.stdout.contains("P2026-0042"), inspected.stdout)
        // A package cut short on its way through a pipe is refused.
        let cut = try CLI.run(["verify", "-", "--trust", "keys/researcher.pub"], in: dir.path, stdin: Array(package.dropLast(100)))
        XCTAssertEqual(cut.exitCode, 4, cut.stderr)
        // --json and a package on stdout cannot share it.
        let both = try CLI.run(["seal", "-o", "-", "--json"], in: dir.path)
        XCTAssertEqual(both.exitCode, 2, both.stderr)
    }

    func testSealRefusesAnExistingPackageUnlessForced() throws {
        try ok(["seal", "-o", "up.sluis", "-q"])
        let before = dir.read("up.sluis")
        let again = try CLI.run(["seal", "-o", "up.sluis", "-q"], in: dir.path)
        XCTAssertEqual(again.exitCode, 5, again.stderr)
        XCTAssertTrue(again.stderr.contains("up.sluis already exists"), again.stderr)
        XCTAssertEqual(dir.read("up.sluis"), before)
        try ok(["seal", "-o", "up.sluis", "-q", "--force"])
        XCTAssertNotEqual(dir.read("up.sluis"), before, "a new package (new id) replaced the old one")
        try ok(["verify", "up.sluis", "--trust", "keys/researcher.pub", "-q"])
    }

    func testOpenAndLinkRefuseAnExistingOutputAndForceReplacesItWhole() throws {
        try ok(["seal", "-o", "up.sluis", "-q"])
        let open = ["open", "up.sluis", "-i", "keys/intake.key", "--trust", "keys/researcher.pub", "-o", "opened", "-q"]
        try ok(open)
        let refused = try CLI.run(open, in: dir.path)
        XCTAssertEqual(refused.exitCode, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("opened already exists; choose a new output folder, or give --force"), refused.stderr)
        dir.write("opened/stale.csv", "from an earlier run\n")
        try ok(open + ["--force"])
        XCTAssertFalse(FileSystem.exists(dir.file("opened/stale.csv")))
        XCTAssertTrue(FileSystem.exists(dir.file("opened/survey.csv")))

        let link = ["link", "opened", "--register", "data/register.csv", "--pseudonym-key", "keys/project-P2026-0042.key",
                    "--surrogate-key", "keys/surrogate.key", "-o", "linked", "-q"]
        let first = try ok(link)
        XCTAssertTrue(first.stdout.contains("linked/survey.csv"), first.stdout)
        XCTAssertFalse(first.stdout.contains(".sluis-link-"), "the report names the output, not the staging folder")
        dir.write("linked/stale.csv", "from an earlier run\n")
        let again = try CLI.run(link, in: dir.path)
        XCTAssertEqual(again.exitCode, 5, again.stderr)
        XCTAssertTrue(again.stderr.contains("linked already exists"), again.stderr)
        try ok(link + ["--force"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.file("linked")), ["survey.csv"])
        // Nothing hidden is left beside the outputs.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }, [])
    }

    func testSynthRefusesToReplaceItsFilesUnlessForced() throws {
        let before = dir.read("data/survey.csv")
        let again = try CLI.run(["synth", "-o", "data", "--persons", "10", "--rows", "5"], in: dir.path)
        XCTAssertEqual(again.exitCode, 5, again.stderr)
        XCTAssertTrue(again.stderr.contains("data/register.csv already exists"), again.stderr)
        XCTAssertEqual(dir.read("data/survey.csv"), before)
        try ok(["synth", "-o", "data", "--persons", "10", "--rows", "5", "--force"])
        XCTAssertNotEqual(dir.read("data/survey.csv"), before)
        // Other files in the folder are not its outputs: a folder with a pipeline.json takes synth data.
        try ok(["synth", "-o", "other", "--persons", "10", "--rows", "5"])
    }

    func testLinkJSONPersonKeysApplyToAnOpenedPackageFile() throws {
        try ok(["seal", "-o", "up.sluis", "-q"])
        try ok(["open", "up.sluis", "-i", "keys/intake.key", "--trust", "keys/researcher.pub", "-o", "opened", "-q"])
        dir.write("link.json", """
        { "inputs": ["opened"], "register": { "path": "data/register.csv" }, "pseudonymKey": "keys/project-P2026-0042.key",
          "surrogateKey": "keys/surrogate.key", "output": { "directory": "linked" },
          "files": { "survey.csv": { "pseudonymColumns": [ { "name": "PSEUDO_BSN", "domain": "bsn" } ],
                                    "personKeys": [ { "name": "respondent", "columns": ["PSEUDO_BSN"] } ] } } }
        """)
        let r = try ok(["link", "-c", "link.json", "-q"])
        XCTAssertTrue(r.stdout.contains("person key respondent"), r.stdout)
    }
}
