import Foundation
import SluisTestSupport
import XCTest

/// `sluis check` warns about risks it can see and checks the key files pipeline.json names
/// (without their passphrase); `sluis seal` says which key a passphrase is for (issue 12).
final class CheckRisksCLITests: XCTestCase {
    private func setUp(columns: String, keys: String = #""pseudonymKey": "project.pkey""#) -> TemporaryDirectory {
        let dir = TemporaryDirectory("sluis-check-risks")
        writeProjectKey(dir)
        dir.write("data.csv", "BSN,Naam,Postcode,Huisnr,Score\n123456782,Jan,1234AB,12,5\n")
        dir.write("pipeline.json", """
        { "version": 1, "project": "P2026-0042", \(keys),
          "files": [ { "path": "data.csv", "columns": { \(columns) } } ] }
        """)
        return dir
    }

    private let safeColumns = #""BSN": { "action": "pseudonymise", "identifier": "bsn" }, "Naam": "drop", "Postcode": { "action": "generalise", "to": "pc4" }, "Huisnr": "drop", "Score": "keep""#

    func testKeptNamesAndAddressesAreWarnedAbout() throws {
        let dir = setUp(columns: #""BSN": { "action": "pseudonymise", "identifier": "bsn" }, "Naam": "keep", "Postcode": "keep", "Huisnr": "keep", "Score": "keep""#)
        let r = try CLI.run(["check", "-c", dir.file("pipeline.json")])
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("warning: data.csv: column Naam is kept but its name (\"naam\")"), r.stdout)
        XCTAssertTrue(r.stdout.contains("warning: data.csv: columns Postcode and Huisnr are both kept"), r.stdout)
        XCTAssertFalse(r.stdout.contains("Jan"))
        let json = try CLI.run(["check", "-c", dir.file("pipeline.json"), "--json"])
        XCTAssertTrue(json.stdout.contains("\"warnings\""), json.stdout)

        let quiet = setUp(columns: safeColumns)
        let ok = try CLI.run(["check", "-c", quiet.file("pipeline.json")])
        XCTAssertEqual(ok.exitCode, 0, ok.stdout + ok.stderr)
        XCTAssertFalse(ok.stdout.contains("warning"), ok.stdout)
    }

    /// Values: a street and house number anywhere, or mostly personal names, in a kept column
    /// with an innocent name; the warning gives lines, never the values.
    func testKeptValuesThatLookLikeNamesOrAddressesAreWarnedAbout() throws {
        let dir = setUp(columns: safeColumns + #", "Bewoner": "keep", "Opmerking": "keep", "Stad": "keep""#)
        dir.write("data.csv", """
        BSN,Naam,Postcode,Huisnr,Score,Bewoner,Opmerking,Stad
        123456782,x,1234AB,1,5,Jan de Vries,niet thuis,Utrecht
        111222333,x,1234AB,1,5,Émile Zoë,verhuisd naar Kerkstraat 12a,Den Haag
        12345672,x,1234AB,1,5,Anna van der Berg-Smit,,Delft
        999999999,x,1234AB,1,5,onbekend,geen,Leiden

        """)
        let r = try CLI.run(["check", "-c", dir.file("pipeline.json")])
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("column Bewoner is kept but 3 of its first 4 non-empty values look like personal names"), r.stdout)
        XCTAssertTrue(r.stdout.contains("column Opmerking is kept but 1 of its first 4 values look like a street and house number (lines 3)"), r.stdout)
        XCTAssertFalse(r.stdout.contains("column Stad"), r.stdout)
        XCTAssertFalse(r.stdout.contains("Kerkstraat") || r.stdout.contains("Vries"), r.stdout)
    }

    func testAMissingOrUnsafeKeyIsNotSealingMayGoAhead() throws {
        let dir = setUp(columns: safeColumns, keys: #""pseudonymKey": "missing.pkey", "sign": "me.key", "recipients": ["intake.pub", "intake.pub"]"#)
        XCTAssertEqual(try CLI.run(["keygen", "identity", "-o", dir.file("me"), "--unprotected"]).exitCode, 0)
        XCTAssertEqual(try CLI.run(["keygen", "identity", "-o", dir.file("intake"), "--unprotected"]).exitCode, 0)
        chmod(dir.file("me.key"), 0o644)
        chmod(dir.file("intake.pub"), 0o666)
        let r = try CLI.run(["check", "-c", dir.file("pipeline.json")])
        XCTAssertEqual(r.exitCode, 3, r.stdout)
        XCTAssertFalse(r.stdout.contains("sealing may go ahead"))
        XCTAssertTrue(r.stdout.contains("pipeline.json: pseudonymKey: "), r.stdout)
        XCTAssertTrue(r.stdout.contains("pipeline.json: sign: ") && r.stdout.contains("644"), r.stdout)
        XCTAssertTrue(r.stdout.contains("recipients[0]: ") && r.stdout.contains("chmod go-w"), r.stdout)
        chmod(dir.file("me.key"), 0o600)
        chmod(dir.file("intake.pub"), 0o644)
        dir.write("pipeline.json", String(decoding: dir.read("pipeline.json"), as: UTF8.self).replacingOccurrences(of: "missing.pkey", with: "project.pkey"))
        let dup = try CLI.run(["check", "-c", dir.file("pipeline.json")])
        XCTAssertEqual(dup.exitCode, 3, dup.stdout)
        XCTAssertTrue(dup.stdout.contains("recipients[1]: the same public key as recipients[0]"), dup.stdout)
        dir.write("pipeline.json", String(decoding: dir.read("pipeline.json"), as: UTF8.self).replacingOccurrences(of: #", "intake.pub"]"#, with: "]"))
        let ok = try CLI.run(["check", "-c", dir.file("pipeline.json")])
        XCTAssertEqual(ok.exitCode, 0, ok.stdout)
        XCTAssertTrue(ok.stdout.contains("sealing may go ahead"))
    }

    /// Two protected keys, two passphrases: given one file for both, seal names the key whose
    /// passphrase is wrong and the option that gives it its own.
    func testSealNamesTheKeyAndTheOptionForItsOwnPassphrase() throws {
        let dir = setUp(columns: safeColumns, keys: #""pseudonymKey": "own.pkey", "sign": "me.key", "recipients": ["intake.pub"]"#)
        dir.write("one.pass", "first passphrase\n")
        dir.write("two.pass", "second passphrase\n")
        chmod(dir.file("one.pass"), 0o600)
        chmod(dir.file("two.pass"), 0o600)
        XCTAssertEqual(try CLI.run(["keygen", "identity", "-o", dir.file("me"), "--passphrase-file", dir.file("one.pass")]).exitCode, 0)
        XCTAssertEqual(try CLI.run(["keygen", "identity", "-o", dir.file("intake"), "--unprotected"]).exitCode, 0)
        XCTAssertEqual(try CLI.run(["keygen", "pseudonym", "--project", "P2026-0042", "-o", dir.file("own.pkey"),
                                    "--passphrase-file", dir.file("two.pass")]).exitCode, 0)
        let wrong = try CLI.run(["seal", "-c", dir.file("pipeline.json"), "-o", dir.file("out.sluis"), "--passphrase-file", dir.file("one.pass")])
        XCTAssertEqual(wrong.exitCode, 4, wrong.stderr)
        XCTAssertTrue(wrong.stderr.hasPrefix("sluis: the pseudonym key: wrong passphrase for"), wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("--pseudonym-key-passphrase-file"), wrong.stderr)
        XCTAssertFalse(wrong.stderr.contains("passphrase\n") && wrong.stderr.contains("first"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out.sluis")))
        let twice = try CLI.run(["seal", "-c", dir.file("pipeline.json"), "-o", dir.file("out.sluis"), "--passphrase-file", dir.file("one.pass"),
                                 "--pseudonym-key-passphrase-file", dir.file("two.pass"), "-r", dir.file("intake.pub"), "-r", dir.file("intake.pub")])
        XCTAssertEqual(twice.exitCode, 2, twice.stderr)
        XCTAssertTrue(twice.stderr.contains("is the same public key"), twice.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out.sluis")))
        let right = try CLI.run(["seal", "-c", dir.file("pipeline.json"), "-o", dir.file("out.sluis"), "--passphrase-file", dir.file("one.pass"),
                                 "--pseudonym-key-passphrase-file", dir.file("two.pass"), "--quiet"])
        XCTAssertEqual(right.exitCode, 0, right.stderr)
    }

    /// At the terminal each prompt says which key it is for.
    func testSealPromptsNameTheirKey() throws {
        let dir = setUp(columns: safeColumns, keys: #""pseudonymKey": "own.pkey", "sign": "me.key", "recipients": ["intake.pub"]"#)
        dir.write("one.pass", "first passphrase\n")
        dir.write("two.pass", "second passphrase\n")
        chmod(dir.file("one.pass"), 0o600)
        chmod(dir.file("two.pass"), 0o600)
        XCTAssertEqual(try CLI.run(["keygen", "identity", "-o", dir.file("me"), "--passphrase-file", dir.file("one.pass")]).exitCode, 0)
        XCTAssertEqual(try CLI.run(["keygen", "identity", "-o", dir.file("intake"), "--unprotected"]).exitCode, 0)
        XCTAssertEqual(try CLI.run(["keygen", "pseudonym", "--project", "P2026-0042", "-o", dir.file("own.pkey"),
                                    "--passphrase-file", dir.file("two.pass")]).exitCode, 0)
        let r = try CLI.runOnTerminal(["seal", "-c", "pipeline.json", "-o", "out.sluis", "--quiet"], in: dir.path, answers: [
            (waitFor: "[identity] passphrase for me.key: ", send: "first passphrase\n"),
            (waitFor: "[pseudonym key of project P2026-0042] passphrase for own.pkey: ", send: "second passphrase\n"),
        ])
        XCTAssertEqual(r.exitCode, 0, r.transcript)
        XCTAssertFalse(r.transcript.contains("first passphrase") || r.transcript.contains("second passphrase"), r.transcript)
    }
}
