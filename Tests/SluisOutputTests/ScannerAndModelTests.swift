import XCTest
import SluisFormats
import SluisTestSupport
@testable import SluisOutput

final class FileScannerTests: XCTestCase {
    func scan(_ text: String, delimited: Bool, keys: KeyHashSet? = nil, units: Bool = false) throws -> FileScanner {
        let dir = TemporaryDirectory("sluis-output-scan")
        let s = FileScanner(formats: KeyFormat.defaults, keys: keys, delimited: delimited, tracksUnits: units)
        try s.scan(path: dir.write("f", text))
        return s
    }

    func testKeyShapedTokensAndWhatIsNotOne() throws {
        let s = try scan("a 123456789 b\n1234567890 0.123456789 12345678.5 x123456789\n", delimited: false)
        XCTAssertEqual(s.findings.map { "\($0.line!):\($0.column!):\($0.detail!)" }, ["1:3:RINPERSOON", "2:24:BEID"],
                       "10 digits, a fraction and a letter-prefixed token are not keys; 8 digits before a point are")
    }

    func testColumnsAreFieldsInDelimitedFiles() throws {
        let s = try scan("a;b;c\n\"x;y\";2;123456789\n", delimited: true)
        XCTAssertEqual(s.findings.map { "\($0.line!):\($0.column!)" }, ["2:3"])
    }

    func testKeysAreFoundThroughTheKeyedHashSet() throws {
        let keys = KeyHashSet()
        for k in ["AB12", "Z9Z9Z9"] { Array(k.utf8).withUnsafeBytes { keys.insert($0) } }
        XCTAssertEqual(keys.count, 2)
        let s = try scan("AB12 is here\nnot AB123 nor ab12\nZ9Z9Z9\n", delimited: false, keys: keys)
        XCTAssertEqual(s.findings.filter { $0.kind == .knownKey }.map { "\($0.line!):\($0.column!)" }, ["1:1", "3:1"])
    }

    func testOneRowPerUnit() throws {
        let unique = "id,v\n" + (0..<10).map { "u\($0),1" }.joined(separator: "\n") + "\n"
        XCTAssertEqual(try scan(unique, delimited: true, units: true).findings.map(\.column), [1])
        let nine = "id,v\n" + (0..<9).map { "u\($0),1" }.joined(separator: "\n") + "\n"
        XCTAssertEqual(try scan(nine, delimited: true, units: true).findings, [], "fewer than 10 rows")
    }
}

final class RegressionTests: XCTestCase {
    /// Reference figures from statsmodels 0.14 (OLS and Logit) on the same data.
    func testOLSAndLogitMatchStatsmodels() throws {
        let dir = TemporaryDirectory("sluis-output-model")
        var csv = "x,y,b\n"
        for i in 0..<60 {
            let x = Double((i * 13) % 17) / 17
            let y = 2 + 3 * x + Double((i * 5) % 7 - 3) / 10
            let b = (i * 7) % 3 == 0 || (i * 13) % 17 > 12 ? 1 : 0
            csv += "\(x),\(y),\(b)\n"
        }
        let path = dir.write("d.csv", csv)
        let ols = try Regression.fit(open: { try CSVReader(path: path) }, y: "y", x: ["x"], logit: false)
        XCTAssertEqual(ols.residualDF, 58)
        XCTAssertEqual(ols.coefficients[0], 1.96142384, accuracy: 1e-7)
        XCTAssertEqual(ols.coefficients[1], 3.07317881, accuracy: 1e-7)
        XCTAssertEqual(ols.standardErrors[0], 0.04906924, accuracy: 1e-7)
        XCTAssertEqual(ols.standardErrors[1], 0.09047921, accuracy: 1e-7)
        let logit = try Regression.fit(open: { try CSVReader(path: path) }, y: "b", x: ["x"], logit: true)
        XCTAssertEqual(logit.coefficients[0], -1.44112898, accuracy: 1e-6)
        XCTAssertEqual(logit.coefficients[1], 3.14264529, accuracy: 1e-6)
        XCTAssertEqual(logit.standardErrors[0], 0.55988305, accuracy: 1e-5)
        XCTAssertEqual(logit.standardErrors[1], 1.05474684, accuracy: 1e-5)
    }

    func testCollinearAndSeparatedModelsAreRefused() throws {
        let dir = TemporaryDirectory("sluis-output-model-bad")
        let collinear = dir.write("c.csv", "y,a,b\n" + (0..<20).map { "\($0 % 3),\($0),\($0 * 2)" }.joined(separator: "\n") + "\n")
        XCTAssertThrowsError(try Regression.fit(open: { try CSVReader(path: collinear) }, y: "y", x: ["a", "b"], logit: false)) {
            XCTAssertTrue("\($0)".contains("collinear"), "\($0)")
        }
        let separated = dir.write("s.csv", "y,a\n" + (0..<20).map { "\($0 < 10 ? 0 : 1),\($0)" }.joined(separator: "\n") + "\n")
        XCTAssertThrowsError(try Regression.fit(open: { try CSVReader(path: separated) }, y: "y", x: ["a"], logit: true))
    }
}
