import SluisCore
import XCTest

final class DataFileFormatTests: XCTestCase {
    /// Every extension sluis knows, in several cases, and the names that have none.
    static let extensionCases: [(path: String, format: DataFileFormat?)] = [
        ("survey.csv", .csv), ("survey.CSV", .csv), ("survey.Csv", .csv),
        ("survey.tsv", .csv), ("survey.TSV", .csv), ("survey.txt", .csv), ("survey.TXT", .csv),
        ("survey.sav", .sav), ("a/b/survey.SAV", .sav), ("survey.Sav", .sav),
        ("survey.zsav", .zsav), ("survey.ZSAV", .zsav), ("survey.zSav", .zsav),
        ("survey.dta", .dta), ("survey.DTA", .dta), ("survey.Dta", .dta),
        ("archive.tar.dta", .dta), ("survey.sav.csv", .csv), ("./x/../survey.dta", .dta),
        // Unknown, none, or not a file name's extension.
        ("survey.xlsx", nil), ("survey.sas7bdat", nil), ("survey.por", nil), ("survey", nil),
        ("survey.", nil), ("survey.savx", nil), ("survey.zsa", nil), ("survey.c sv", nil),
        ("dir.sav/data", nil), ("dir.sav/", nil), ("", nil), (".", nil),
        // A hidden file has no extension: `.sav` is a name, not an SPSS file (issue 18: the two
        // tables disagreed on exactly this).
        (".sav", nil), ("a/.dta", nil), (".csv", nil), (".hidden.sav", .sav),
    ]

    func testFormatFromEveryExtension() {
        for (path, format) in Self.extensionCases {
            XCTAssertEqual(DataFileFormat(path: path), format, "\(path)")
        }
    }

    func testFormatFromName() {
        for (name, format) in [("csv", DataFileFormat.csv), ("CSV", .csv), ("sav", .sav), ("SPSS", .sav), ("spss", .sav),
                               ("zsav", .zsav), ("ZSAV", .zsav), ("dta", .dta), ("Stata", .dta), ("DTA", .dta)] {
            XCTAssertEqual(DataFileFormat(name: name), format, name)
        }
        for name in ["excel", "", "tsv", "txt", ".sav", "sav ", "zspss"] {
            XCTAssertNil(DataFileFormat(name: name), name)
        }
    }

    func testStatisticalAndExtension() {
        XCTAssertEqual(DataFileFormat.allCases.filter(\.isStatistical), [.sav, .zsav, .dta])
        for format in DataFileFormat.allCases {
            XCTAssertEqual(DataFileFormat(path: "x." + format.fileExtension), format)
            XCTAssertEqual(DataFileFormat(name: format.rawValue), format)
        }
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
