import SluisFormats
import SluisIO
import SluisTestSupport
import XCTest

/// Date variables travel as `YYYY-MM-DD` so the `date` normaliser and the year generaliser work
/// on SPSS/Stata files as on CSV, and come back as the same stored number.
final class ReadStatDateTests: XCTestCase {
    private let dates = ["1987-06-15", "1970-01-01", "2000-02-29", "1582-10-14", "1900-03-01", "9999-12-31", ""]

    private func metadata(_ format: ReadStatFileFormat) -> ReadStatMetadata {
        let dta = format == .dta
        return ReadStatMetadata(format: format, variables: [
            ReadStatVariable(name: "geboren", storage: dta ? .int32 : .double, label: "Geboortedatum",
                             displayFormat: dta ? "%td" : "DATE11"),
            ReadStatVariable(name: "peildatum", storage: .double, displayFormat: dta ? "%tdCCYY-NN-DD" : "ADATE10"),
            ReadStatVariable(name: "raw", storage: .double, displayFormat: dta ? "%10.0g" : "F12.0"),
        ])
    }

    func testDatesReadAsISOAndWriteBackAsTheSameNumber() throws {
        let dir = TemporaryDirectory()
        for format in ReadStatFileFormat.allCases {
            let path = dir.file("d." + format.fileExtension)
            // The raw column holds the stored number of 1970-01-01, to check the epoch.
            let epoch = format == .dta ? "3653" : "12219379200"
            try ReadStatFixtures.write(path, metadata: metadata(format), rows: dates.map { [$0, $0, epoch] })
            let rows = try ReadStatFixtures.readAll(try ReadStatReader(path: path)).map(\.fields)
            XCTAssertEqual(rows.map { $0[0] }, dates, "\(format)")
            XCTAssertEqual(rows.map { $0[1] }, dates, "\(format)")
            // A copy of the raw column declared as a date reads as 1970-01-01.
            var asDate = metadata(format)
            asDate.variables[2].displayFormat = asDate.variables[0].displayFormat
            let copy = dir.file("c." + format.fileExtension)
            try ReadStatFixtures.write(copy, metadata: asDate, rows: [["", "", epoch]])
            XCTAssertEqual(try ReadStatFixtures.readAll(try ReadStatReader(path: copy)).first?.fields[2], "1970-01-01")
        }
    }

    func testTheReadstatToolAgreesOnTheDates() throws {
        let dir = TemporaryDirectory()
        for format in [ReadStatFileFormat.sav, .dta] {
            let path = dir.file("t." + format.fileExtension)
            try ReadStatFixtures.write(path, metadata: metadata(format), rows: [["1987-06-15", "2000-02-29", "0"]])
            guard let dump = try ReadStatFixtures.readstatCLI([path, "-"]) else { throw XCTSkip("readstat not installed") }
            // The tool prints SPSS dates as seconds since 1582-10-14 and Stata's plain %td as a date:
            // 1987-06-15 is day 6374 after 1970-01-01, 2000-02-29 day 11016.
            let expected = format == .sav ? ["12770092800.000000", "13171161600.000000"] : ["1987-06-15", "14669.000000"]
            for e in expected { XCTAssertTrue(dump.output.contains(e), "\(format): \(e) in \(dump.output)") }
        }
    }

    func testNonWholeDaysAndInvalidDatesStayNumbersOrAreRefused() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("t.sav")
        // 1970-01-01 plus half a day is not a calendar date: it stays a number.
        try ReadStatFixtures.write(path, metadata: metadata(.sav), rows: [["12219422400.5", "", ""]])
        XCTAssertEqual(try ReadStatFixtures.readAll(try ReadStatReader(path: path)).first?.fields[0], "12219422400.5")
        XCTAssertThrowsError(try ReadStatFixtures.write(dir.file("bad.sav"), metadata: metadata(.sav), rows: [["2001-02-29", "", ""]]))
        XCTAssertThrowsError(try ReadStatFixtures.write(dir.file("bad2.sav"), metadata: metadata(.sav), rows: [["15-06-1987", "", ""]]))
        XCTAssertEqual(dir.allFiles(), ["t.sav"])
    }
}
