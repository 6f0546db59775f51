import XCTest
import SluisIO
import SluisTestSupport

/// `sluis keygen pseudonym --check-register`: a project key free of collisions over the register.
final class KeygenCheckRegisterCLITests: XCTestCase {
    func testAKeyIsCheckedAgainstTheRegisterAndRetried() throws {
        let dir = TemporaryDirectory("sluis-keygen-register")
        XCTAssertEqual(try CLI.run(["synth", "-o", dir.file("data"), "--persons", "500", "--rows", "10", "--seed", "5"]).exitCode, 0)
        let ok = try CLI.run(["keygen", "pseudonym", "--project", "P1", "-o", dir.file("p.key"), "--unprotected",
                              "--check-register", dir.file("data/register.csv")])
        XCTAssertEqual(ok.exitCode, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("no pseudonym collisions"), ok.stdout)
        XCTAssertTrue(FileSystem.exists(dir.file("p.key")))
        // Two-digit pseudonyms cannot be free of collisions over 500 persons: it gives up, writes nothing.
        let bad = try CLI.run(["keygen", "pseudonym", "--project", "P1", "-o", dir.file("q.key"), "--unprotected",
                               "--check-register", dir.file("data/register.csv"), "--rendering", "decimal:2"])
        XCTAssertEqual(bad.exitCode, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("collide"), bad.stderr)
        XCTAssertFalse(FileSystem.exists(dir.file("q.key")))
        // Messages name register lines, never values.
        let register = String(decoding: dir.read("data/register.csv"), as: UTF8.self)
        for line in register.split(separator: "\n").dropFirst().prefix(50) {
            XCTAssertFalse(bad.stderr.contains(String(line.split(separator: ",")[0])))
        }
    }
}

extension KeygenCheckRegisterCLITests {
    /// Issue 11: a register of `bsn,rinpersoons,rinpersoon` only is checked for BSN pseudonyms
    /// (it used to fail on the missing demographic columns); other column names are given
    /// with `--register-column ROLE=NAME`.
    func testABSNOnlyRegisterWithItsOwnColumnNames() throws {
        let dir = TemporaryDirectory("sluis-keygen-bsn-register")
        XCTAssertEqual(try CLI.run(["synth", "-o", dir.file("data"), "--persons", "300", "--rows", "10", "--seed", "5"]).exitCode, 0)
        let full = String(decoding: dir.read("data/register.csv"), as: UTF8.self).split(separator: "\n")
        var bsnOnly = "BSN,RINPERSOONS,RINPERSOON\n"
        for line in full.dropFirst() { bsnOnly += line.split(separator: ",").prefix(3).joined(separator: ",") + "\n" }
        dir.write("bsn-register.csv", bsnOnly)
        let flags = ["--register-column", "bsn=BSN", "--register-column", "rinpersoons=RINPERSOONS", "--register-column", "rinpersoon=RINPERSOON"]
        let ok = try CLI.run(["keygen", "pseudonym", "--project", "P1", "-o", dir.file("p.key"), "--unprotected",
                              "--check-register", dir.file("bsn-register.csv")] + flags)
        XCTAssertEqual(ok.exitCode, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("no pseudonym collisions") && ok.stdout.contains("; bsn)"), ok.stdout)
        XCTAssertTrue(FileSystem.exists(dir.file("p.key")))

        // Without the flags the message names the role and the flag that fixes it; no key is written.
        let missing = try CLI.run(["keygen", "pseudonym", "--project", "P1", "-o", dir.file("q.key"), "--unprotected",
                                   "--check-register", dir.file("bsn-register.csv")])
        XCTAssertEqual(missing.exitCode, 2, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("--register-column rinpersoons=NAME"), missing.stderr)
        XCTAssertFalse(FileSystem.exists(dir.file("q.key")))
        let unknown = try CLI.run(["keygen", "pseudonym", "--project", "P1", "-o", dir.file("q.key"), "--unprotected",
                                   "--check-register", dir.file("bsn-register.csv"), "--register-column", "bsnr=BSN"])
        XCTAssertEqual(unknown.exitCode, 2, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("unknown role 'bsnr'"), unknown.stderr)
    }
}
