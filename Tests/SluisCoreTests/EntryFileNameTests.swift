import XCTest
import SluisCore

final class EntryFileNameTests: XCTestCase {
    func testRules() {
        for good in ["survey.csv", "Straße.csv", "données 2026.sav", "a", String(repeating: "x", count: 255)] {
            XCTAssertNil(EntryFileName.problem(good), good)
        }
        for bad in ["", ".", "..", ".hidden", "a/b", "a\\b", "a\u{0}", "a\u{85}", "a\u{202E}", "a\u{2066}", "a\u{200B}", String(repeating: "x", count: 256)] {
            XCTAssertNotNil(EntryFileName.problem(bad), bad.debugDescription)
        }
    }

    func testCollisionsUnderCompatibilityAndCaseFolding() {
        for (a, b) in [("Straße.csv", "STRASSE.csv"), ("straße.csv", "strasse.csv"), ("ﬁle.csv", "FILE.csv"), ("\u{FF21}.csv", "a.csv"),
                       ("Data.csv", "data.csv"), ("é.csv", "e\u{301}.csv"), ("ΣΑΣ.csv", "σας.csv")] {
            XCTAssertEqual(EntryFileName.collisionKey(a), EntryFileName.collisionKey(b), "\(a) / \(b)")
            XCTAssertNotNil(EntryFileName.firstCollision(["x.csv", a, b]))
        }
        XCTAssertNil(EntryFileName.firstCollision(["a.csv", "b.csv", "ab.csv"]))
        XCTAssertEqual(EntryFileName.firstCollision(["a.csv", "b.csv", "A.CSV"]).map { [$0.0, $0.1] }, [0, 2])
    }
}
