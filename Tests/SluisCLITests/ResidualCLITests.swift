import Foundation
import XCTest
import SluisIO
import SluisTestSupport

/// The spellings of BSNs and phone numbers that issue 13 found passing the residual scan, in a
/// kept column end to end: `check` exits 3 naming file, line and column, `seal` refuses and
/// writes nothing, and no value appears in any output.
extension PackageCLITests {
    func testMissedSpellingsInAKeptColumnRefuseCheckAndSeal() throws {
        let values = ["12345672", "123\u{00A0}456\u{00A0}782", "123/456/782", "(0356) 933330", "+31(0)55 2525578",
                      "0031 6 12345678", "06-12345678", "+31 6 1234 5678"]
        var csv = "BSN;Opmerking\n"
        for v in values { csv += "111222333;zie \(v) hierover\n" }
        dir.write("data/notes.csv", csv)
        var config = String(decoding: dir.read("pipeline.json"), as: UTF8.self)
        config = config.replacingOccurrences(of: "\"files\": [", with: """
        "files": [ { "path": "data/notes.csv", "delimiter": ";", "columns": {
            "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "P" }, "Opmerking": { "action": "keep" } } },
        """)
        dir.write("pipeline.json", config)
        let check = try CLI.run(["check", "-c", "pipeline.json"], in: dir.path)
        XCTAssertEqual(check.exitCode, 3, check.stderr)
        XCTAssertTrue(check.stdout.contains("data/notes.csv"), check.stdout)
        XCTAssertTrue(check.stdout.contains("residual Opmerking: 3 look like bsn (lines 2, 3, 4)"), check.stdout)
        XCTAssertTrue(check.stdout.contains("residual Opmerking: 5 look like phone (lines 5, 6, 7, 8, 9)"), check.stdout)
        let sealed = try seal()
        XCTAssertEqual(sealed.exitCode, 3, sealed.stderr)
        XCTAssertTrue(sealed.stderr.contains("Opmerking"), sealed.stderr)
        for v in values {
            let digits = String(v.unicodeScalars.filter { $0.properties.numericType != nil }.map(Character.init))
            for output in [check.stdout, check.stderr, sealed.stdout, sealed.stderr] {
                XCTAssertFalse(output.contains(v), v)
                XCTAssertFalse(output.contains(digits), v)
            }
        }
        XCTAssertFalse(FileSystem.exists(dir.file("up.sluis")))
        XCTAssertEqual(dir.allFiles().filter { $0.contains("sluis-tmp") }, [])
    }
}
