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
