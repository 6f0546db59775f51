import SluisCore
import XCTest

final class DataFileFormatTests: XCTestCase {
    func testFormatFromExtensionAndName() {
        XCTAssertEqual(DataFileFormat(path: "a/b/survey.SAV"), .sav)
        XCTAssertEqual(DataFileFormat(path: "x.zsav"), .zsav)
        XCTAssertEqual(DataFileFormat(path: "x.dta"), .dta)
        XCTAssertEqual(DataFileFormat(path: "x.tsv"), .csv)
        XCTAssertNil(DataFileFormat(path: "x.xlsx"))
        XCTAssertNil(DataFileFormat(path: "dir.sav/data"))
        XCTAssertNil(DataFileFormat(path: ".sav"))
        XCTAssertEqual(DataFileFormat(name: "Stata"), .dta)
        XCTAssertEqual(DataFileFormat(name: "spss"), .sav)
        XCTAssertNil(DataFileFormat(name: "excel"))
    }

    private func parse(_ fileEntry: String) throws -> PipelineConfig {
        let json = """
        { "version": 1, "project": "P", "pseudonymKey": "k", "files": [ { \(fileEntry), "columns": { "a": { "action": "keep" } } } ] }
        """
        return try PipelineConfig.parse(Array(json.utf8), file: "pipeline.json")
    }

    func testConfigStatesFormatAndOutputFormat() throws {
        let c = try parse("\"path\": \"data.bin\", \"format\": \"sav\", \"outputFormat\": \"csv\"")
        XCTAssertEqual(c.files[0].inputFormat, .sav)
        XCTAssertEqual(c.files[0].outputFormat, .csv)
        XCTAssertEqual(try parse("\"path\": \"data.dta\"").files[0].inputFormat, .dta)
        // Written back with the same fields.
        let again = try PipelineConfig.parse(Array(c.json().rendered().utf8), file: "again.json")
        XCTAssertEqual(again, c)
    }

    func testConfigErrorsNameTheJSONPath() {
        for (entry, path) in [("\"path\": \"data.xlsx\"", "files[0].path"),
                              ("\"path\": \"data.sav\", \"format\": \"excel\"", "files[0].format"),
                              ("\"path\": \"data.csv\", \"outputFormat\": \"sav\"", "files[0].outputFormat")] {
            XCTAssertThrowsError(try parse(entry)) { error in
                XCTAssertEqual((error as? SluisError)?.category, .usage)
                XCTAssertTrue("\(error)".contains(path), "\(error)")
            }
        }
    }
}
