import XCTest
import SluisCore
import SluisLink
@testable import SluisInbox
import SluisTestSupport

/// The project's link settings in intake.json: read as link.json is, every fault named with
/// intake.json's path and the JSON path that fixes it (never link.json).
final class ProjectLinkerTests: XCTestCase {
    func config(link: String) throws -> (IntakeConfig, String) {
        let dir = TemporaryDirectory("sluis-project-linker")
        let path = dir.write("intake.json", """
        { "version": 1, "inbox": "in", "work": "work", "delivery": "out", "archive": "arch", "quarantine": "q",
          "identity": "keys/intake.key", "auditLog": "log/audit.jsonl",
          "projects": { "P1": { "trust": ["keys/r.pub"], "pseudonymKey": "keys/p1.key", "register": "reg.csv",
                                "surrogateKey": "keys/s.key", "link": \(link) } } }
        """)
        return (try IntakeConfig.load(path: path), path)
    }

    func testRegisterColumnsAndPolicyAreRead() throws {
        let (intake, path) = try config(link: #"{ "register": { "columns": { "bsn": "BSN_NR" } }, "onCollision": "stop" }"#)
        let settings = try ProjectLinker.checkSettings(of: try XCTUnwrap(intake.projects["P1"]), configPath: path)
        XCTAssertEqual(settings.register?.columns?.bsn, "BSN_NR")
        XCTAssertEqual(settings.register?.columns?.rinpersoon, "rinpersoon")
        XCTAssertEqual(settings.collisionPolicy, .stop)
        let (plain, plainPath) = try config(link: "{}")
        XCTAssertEqual(try ProjectLinker.checkSettings(of: try XCTUnwrap(plain.projects["P1"]), configPath: plainPath).collisionPolicy, .skip)
    }

    func testFaultsNameIntakeJSONAndTheJSONPath() throws {
        let cases: [(String, String)] = [
            (#"{ "register": { "columns": { "bsnr": "BSN" } } }"#, "projects.P1.link.register.columns.bsnr"),
            (#"{ "register": { "columns": { "bsn": "" } } }"#, "projects.P1.link.register.columns.bsn"),
            (#"{ "register": { "path": "other.csv" } }"#, "projects.P1.link.register.path"),
            (#"{ "register": { "columns": ["bsn"] } }"#, "projects.P1.link.register.columns"),
            (#"{ "onCollision": "halt" }"#, "projects.P1.link.onCollision"),
        ]
        for (link, place) in cases {
            let (intake, path) = try config(link: link)
            XCTAssertThrowsError(try ProjectLinker.checkSettings(of: try XCTUnwrap(intake.projects["P1"]), configPath: path), place) { error in
                guard case let InboxError.config(file, jsonPath, _) = error else { return XCTFail("\(place): \(error)") }
                XCTAssertEqual(file, path)
                XCTAssertEqual(jsonPath, place)
                XCTAssertEqual((error as? SluisError)?.category, .usage)
                XCTAssertFalse("\(error)".contains("link.json"), "\(error)")
            }
        }
    }
}
