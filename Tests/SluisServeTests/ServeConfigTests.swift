import Foundation
import SluisServe
import SluisTestSupport
import XCTest

final class ServeConfigTests: XCTestCase {
    func config(_ text: String) -> (TemporaryDirectory, String) {
        let dir = TemporaryDirectory("sluis-serve-config")
        return (dir, dir.write("serve.json", text))
    }

    let base = """
    "version": 1, "serverName": "intake.test", "identity": "k/intake.key", "inbox": "in", "staging": "st", "auditLog": "log/a.jsonl",
    "projects": { "P1": { "trust": ["k/a.pub"], "quotaBytes": 1000 } }
    """

    func testExampleLoadsWithPathsRelativeToTheFile() throws {
        let c = try ServeConfig.load(path: CLI.packageRoot + "/examples/serve.json")
        XCTAssertEqual(c.address, "127.0.0.1")
        XCTAssertEqual(c.serverName, "intake.example")
        XCTAssertEqual(c.identity, CLI.packageRoot + "/examples/../keys-example/intake.key")
        XCTAssertEqual(c.projects["P2026-0042"]?.trust, [CLI.packageRoot + "/examples/../keys-example/researcher.pub"])
        XCTAssertEqual(c.maxUploadBytes, 1 << 30)
        XCTAssertNil(c.tlsCertificate)
    }

    func testDefaultsAndLimits() throws {
        let (dir, path) = config("{ \(base), \"listen\": { \"address\": \"127.0.0.1\", \"port\": 0 }, \"limits\": { \"maxTokenMinutes\": 5, \"uploadExpiryHours\": 2 } }")
        let c = try ServeConfig.load(path: path)
        XCTAssertEqual(c.port, 0)
        XCTAssertEqual(c.maxTokenSeconds, 300)
        XCTAssertEqual(c.uploadExpirySeconds, 7200)
        XCTAssertEqual(c.concurrentUploadsPerKey, 4)
        XCTAssertEqual(c.projects["P1"]?.quotaBytes, 1000)
        XCTAssertEqual(c.inbox, dir.path + "/in")
    }

    func testRefusals() {
        let cases: [(String, String)] = [
            ("{ \(base), \"listen\": { \"address\": \"0.0.0.0\", \"port\": 80 } }", "tls: missing: plain HTTP is allowed only on a loopback address"),
            ("{ \(base), \"listen\": { \"address\": \"127.0.0.1\", \"port\": 70000 } }", "listen.port"),
            ("{ \(base), \"listen\": { \"address\": \"127.0.0.1\", \"port\": 1 }, \"limits\": { \"maxTokenMinute\": 5 } }", "limits.maxTokenMinute: unknown field"),
            ("{ \(base), \"listen\": { \"address\": \"127.0.0.1\", \"port\": 1 }, \"limits\": { \"maxTokenMinutes\": 600 } }", "limits.maxTokenMinutes: must be a number from 1 to 60"),
            ("{ \(base), \"listen\": { \"address\": \"127.0.0.1\", \"port\": 1 }, \"extra\": 1 }", "extra: unknown field"),
            ("{ \"version\": 1 }", "listen: missing"),
            ("{ \(base.replacingOccurrences(of: "\"P1\"", with: "\"../x\"")), \"listen\": { \"address\": \"127.0.0.1\", \"port\": 1 } }", "not a valid project id"),
            ("{ \(base.replacingOccurrences(of: "intake.test", with: "a b")), \"listen\": { \"address\": \"127.0.0.1\", \"port\": 1 } }", "serverName"),
            ("{ \"version\": 1, ", "line 1"),
        ]
        for (text, expected) in cases {
            let (dir, path) = config(text)
            XCTAssertThrowsError(try ServeConfig.load(path: path)) { error in
                _ = dir
                let message = "\(error)"
                XCTAssertTrue(message.contains(expected), "\(message) should contain \(expected)")
                XCTAssertEqual((error as? ServeError)?.category, .usage)
            }
        }
    }
}
