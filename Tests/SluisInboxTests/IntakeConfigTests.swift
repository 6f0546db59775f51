import XCTest
import SluisCore
@testable import SluisInbox
import SluisTestSupport

/// intake.json: paths relative to the file, every error names its JSON path.
final class IntakeConfigTests: XCTestCase {
    let valid = """
    { "version": 1, "inbox": "in", "work": "/abs/work", "delivery": "out", "archive": "arch", "quarantine": "q",
      "identity": "keys/intake.key", "auditLog": "log/audit.jsonl",
      "projects": { "P1": { "trust": ["keys/r.pub"], "pseudonymKey": "keys/p1.key", "register": "reg.csv",
                            "surrogateKey": "keys/s.key", "link": { "unmatchedCode": "X" } } } }
    """

    func testPathsAreRelativeToTheConfigFileAndDefaultsApply() throws {
        let dir = TemporaryDirectory("sluis-intake-config")
        let path = dir.write("intake.json", valid)
        let config = try IntakeConfig.load(path: path)
        XCTAssertEqual(config.inbox, dir.path + "/in")
        XCTAssertEqual(config.work, "/abs/work")
        XCTAssertEqual(config.settleSeconds, 60)
        XCTAssertNil(config.passphraseFile)
        let p = try XCTUnwrap(config.projects["P1"])
        XCTAssertEqual(p.trust, [dir.path + "/keys/r.pub"])
        XCTAssertEqual(p.surrogateKey, dir.path + "/keys/s.key")
        XCTAssertEqual(p.link, .object([("unmatchedCode", .string("X"))]))
    }

    func testErrorsNameTheirJSONPath() throws {
        let dir = TemporaryDirectory("sluis-intake-config")
        let cases: [(String, String)] = [
            (valid.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2"), "version"),
            (valid.replacingOccurrences(of: "\"inbox\": \"in\",", with: ""), "inbox"),
            (valid.replacingOccurrences(of: "\"q\",", with: "\"q\", \"extra\": 1,"), "extra"),
            (valid.replacingOccurrences(of: "[\"keys/r.pub\"]", with: "[]"), "projects.P1.trust"),
            (valid.replacingOccurrences(of: "\"unmatchedCode\": \"X\"", with: "\"pseudonymColumns\": []"), "projects.P1.link.pseudonymColumns"),
            (valid.replacingOccurrences(of: "\"surrogateKey\": \"keys/s.key\",", with: ""), "projects.P1.surrogateKey"),
            ("{ \"version\": 1,\n  \"inbox\": }", "line 2"),
        ]
        for (text, place) in cases {
            let path = dir.write("bad.json", text)
            XCTAssertThrowsError(try IntakeConfig.load(path: path), place) { error in
                XCTAssertEqual((error as? SluisError)?.category, .usage, place)
                XCTAssertTrue("\(error)".contains(place), "\(place): \(error)")
            }
        }
    }
}
