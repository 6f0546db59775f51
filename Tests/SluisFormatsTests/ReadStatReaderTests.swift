import SluisCore
import SluisFormats
import SluisIO
import SluisTestSupport
import XCTest

final class ReadStatReaderTests: XCTestCase {
    private func fixture(_ format: ReadStatFileFormat, in dir: TemporaryDirectory) throws -> String {
        let path = dir.file("survey." + format.fileExtension)
        try ReadStatFixtures.write(path, metadata: ReadStatFixtures.surveyMetadata(format: format),
                                   rows: ReadStatFixtures.surveyRows(format: format))
        return path
    }

    func testValuesArriveAsTextInEveryFormat() throws {
        let dir = TemporaryDirectory()
        for format in ReadStatFileFormat.allCases {
            let reader = try ReadStatReader(path: try fixture(format, in: dir))
            XCTAssertEqual(reader.format, format)
            let rows = try ReadStatFixtures.readAll(reader)
            XCTAssertEqual(rows.map(\.fields), ReadStatFixtures.surveyRows(format: format), "\(format)")
            XCTAssertEqual(rows.map(\.line), [2, 3, 4, 5], "line = row number + 1")
            // A numeric BSN arrives without a fraction; system-missing as empty.
            XCTAssertEqual(rows[0].fields[0], "12345672")
            XCTAssertEqual(rows[2].fields[0], "")
        }
    }

    func testColumnsAndMetadataComeFromTheFile() throws {
        let dir = TemporaryDirectory()
        for format in ReadStatFileFormat.allCases {
            let expected = ReadStatFixtures.surveyMetadata(format: format)
            let reader = try ReadStatReader(path: try fixture(format, in: dir))
            let m = reader.metadata
            XCTAssertEqual(reader.columnNames, expected.variables.map(\.name))
            XCTAssertEqual(m.fileLabel, expected.fileLabel)
            XCTAssertEqual(m.rowCount, 4)
            XCTAssertEqual(try reader.rowCount(), 4)
            XCTAssertEqual(m.labelSets, expected.labelSets, "\(format)")
            for (got, want) in zip(m.variables, expected.variables) {
                XCTAssertEqual(got.name, want.name)
                XCTAssertEqual(got.storage, want.storage, "\(format) \(want.name)")
                XCTAssertEqual(got.label, want.label)
                XCTAssertEqual(got.displayFormat, want.displayFormat, "\(format) \(want.name)")
                XCTAssertEqual(got.labelSetName, want.labelSetName)
                XCTAssertEqual(got.missingValues, want.missingValues, "\(format) \(want.name)")
                if want.storage == .string { XCTAssertEqual(got.storageWidth, want.storageWidth, "\(format) \(want.name)") }
                if format != .dta { XCTAssertEqual(got.measure, want.measure, "\(want.name)") }
            }
        }
    }

    func testLongStringsBeyond255BytesSurvive() throws {
        let dir = TemporaryDirectory()
        for format in ReadStatFileFormat.allCases {
            let rows = try ReadStatFixtures.readAll(try ReadStatReader(path: try fixture(format, in: dir)))
            XCTAssertEqual(rows[1].fields[5], ReadStatFixtures.longRemark)
            XCTAssertGreaterThan(rows[1].fields[5].utf8.count, 255)
        }
    }

    func testStataExtendedMissingValuesAndFloatsRoundTripAsText() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("tagged.dta")
        let meta = ReadStatMetadata(format: .dta, variables: [
            ReadStatVariable(name: "code", storage: .double, labelSetName: "codes"),
            ReadStatVariable(name: "f", storage: .float),
            ReadStatVariable(name: "i16", storage: .int16),
        ], labelSets: ["codes": ReadStatLabelSet(name: "codes", isString: false, labels: [
            .init(value: .number(1), label: "ja"), .init(value: .taggedMissing("b"), label: "weigert"),
        ])])
        let rows = [[".b", "0.1", "-32767"], ["1", "1e+38", "32740"], ["", "", ""], ["2.5", "-1.5", "0"]]
        try ReadStatFixtures.write(path, metadata: meta, rows: rows)
        let reader = try ReadStatReader(path: path)
        XCTAssertEqual(try ReadStatFixtures.readAll(reader).map(\.fields), rows)
        XCTAssertEqual(reader.metadata.labelSets["codes"]?.labels.last?.value, .taggedMissing("b"))
    }

    func testNumbersAreShortestRoundTripText() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("numbers.sav")
        let values: [Double] = [0, -0.0, 1, -1, 0.1, 1.0 / 3.0, 123456789012345, 99999999999999999, 1e17, 1e-300,
                                -2.5e-7, .pi, 4503599627370497, 9007199254740994, 18014398509481988, 1e300]
        let meta = ReadStatMetadata(format: .sav, variables: [ReadStatVariable(name: "x", storage: .double)])
        try ReadStatFixtures.write(path, metadata: meta, rows: values.map { [$0.description] })
        let texts = try ReadStatFixtures.readAll(try ReadStatReader(path: path)).map { $0.fields[0] }
        for (value, text) in zip(values, texts) {
            XCTAssertEqual(Double(text), value == 0 ? 0 : value, "exact round trip of \(value)")
            XCTAssertFalse(text.hasSuffix(".0"), text)
        }
        XCTAssertEqual(texts[0], "0")
        XCTAssertEqual(texts[1], "0", "negative zero reads as 0")
        XCTAssertEqual(texts[4], "0.1")
        XCTAssertEqual(texts[6], "123456789012345")
        XCTAssertEqual(texts[8], "1e+17")
        // Just above 2^53, where doubles are 2 and 4 apart: the literals are exactly representable
        // (2^53 + 2, 2^54 + 4), so the exact round trip of an integer beyond 2^53 is really tested.
        XCTAssertEqual(UInt64(exactly: values[13]), 9_007_199_254_740_994)
        XCTAssertEqual(UInt64(exactly: values[14]), 18_014_398_509_481_988)
        XCTAssertEqual(UInt64(exactly: Double(texts[13]) ?? 0), 9_007_199_254_740_994, texts[13])
        XCTAssertEqual(UInt64(exactly: Double(texts[14]) ?? 0), 18_014_398_509_481_988, texts[14])
    }

    func testManyRowsStreamInOrder() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("many.zsav")
        let meta = ReadStatMetadata(format: .zsav, variables: [
            ReadStatVariable(name: "n", storage: .double), ReadStatVariable(name: "s", storage: .string, storageWidth: 12),
        ])
        let count = 20_000
        try ReadStatFixtures.write(path, metadata: meta, rows: (0..<count).map { ["\($0)", "r\($0)"] })
        let reader = try ReadStatReader(path: path)
        var next = 0
        try reader.forEachRow { view, line in
            XCTAssertEqual(line, next + 2)
            if next % 997 == 0 {
                XCTAssertEqual(String(decoding: view[0], as: UTF8.self), "\(next)")
                XCTAssertEqual(String(decoding: view[1], as: UTF8.self), "r\(next)")
            }
            next += 1
        }
        XCTAssertEqual(next, count)
        XCTAssertEqual(try reader.rowCount(), count)
    }

    func testAnErrorThrownByTheBodyStopsTheReadAndIsRethrown() throws {
        struct Stop: Error {}
        let dir = TemporaryDirectory()
        let reader = try ReadStatReader(path: try fixture(.sav, in: dir))
        var seen = 0
        XCTAssertThrowsError(try reader.forEachRow { _, _ in seen += 1; if seen == 2 { throw Stop() } }) {
            XCTAssertTrue($0 is Stop)
        }
        XCTAssertEqual(seen, 2)
        // The reader can be used again afterwards.
        XCTAssertEqual(try ReadStatFixtures.readAll(reader).count, 4)
    }

    func testFormatFromExtensionOrStated() throws {
        XCTAssertEqual(ReadStatFileFormat(path: "a/b.SAV"), .sav)
        XCTAssertEqual(ReadStatFileFormat(path: "x.zsav"), .zsav)
        XCTAssertEqual(ReadStatFileFormat(path: "x.dta"), .dta)
        XCTAssertNil(ReadStatFileFormat(path: "x.csv"))
        XCTAssertNil(ReadStatFileFormat(path: "dir.sav/file"))
        // One table (DataFileFormat) decides: the hidden file `.sav` has no extension here either.
        for path in ["x.sav", "x.SAV", "x.zsav", "x.ZSav", "x.dta", "x.DTA", "x.csv", "x.tsv", "x.txt", "x.xlsx", "x",
                     ".sav", ".zsav", ".dta", "d/.sav", "dir.sav/file", "dir.dta/", "x.sav.bak"] {
            XCTAssertEqual(ReadStatFileFormat(path: path), DataFileFormat(path: path).flatMap(ReadStatFileFormat.init), path)
            XCTAssertEqual(ReadStatFileFormat(path: path)?.dataFileFormat, DataFileFormat(path: path)?.isStatistical == true
                           ? DataFileFormat(path: path) : nil, path)
        }
        XCTAssertNil(ReadStatFileFormat(path: ".sav"))
        XCTAssertEqual(ReadStatFileFormat.allCases.map(\.dataFileFormat), DataFileFormat.allCases.filter(\.isStatistical))
        XCTAssertNil(ReadStatFileFormat(name: "csv"))
        XCTAssertEqual(ReadStatFileFormat(name: "stata"), .dta)
        XCTAssertEqual(ReadStatFileFormat(name: "SPSS"), .sav)
        let dir = TemporaryDirectory()
        let path = try fixture(.dta, in: dir)
        let renamed = dir.file("survey.data")
        try FileSystem.rename(path, renamed)
        XCTAssertThrowsError(try ReadStatReader(path: renamed)) {
            XCTAssertEqual($0 as? ReadStatError, .unknownFormat(path: renamed))
            XCTAssertEqual(($0 as? SluisError)?.category, .usage)
        }
        XCTAssertEqual(try ReadStatReader(path: renamed, format: .dta).columnNames.count, 7)
    }
}
