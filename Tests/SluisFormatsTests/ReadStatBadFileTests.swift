import SluisCore
import SluisFormats
import SluisIO
import SluisTestSupport
import XCTest

/// Files that are not what they claim: a clear error naming the file and ReadStat's reason,
/// no data value in the message, nothing written.
final class ReadStatBadFileTests: XCTestCase {
    private let secret = ReadStatFixtures.secretBSN

    /// A good file's bytes, holding the secret BSN as both a number and a string.
    private func goodBytes(_ format: ReadStatFileFormat, rows: Int = 4) throws -> [UInt8] {
        let dir = TemporaryDirectory()
        let path = dir.file("good." + format.fileExtension)
        var data = ReadStatFixtures.surveyRows(format: format)
        while data.count < rows { data.append(data[1]) }
        try ReadStatFixtures.write(path, metadata: ReadStatFixtures.surveyMetadata(format: format), rows: data)
        return dir.read("good." + format.fileExtension)
    }

    /// Reads `path` fully into a writer on an AtomicFile; returns the error.
    private func convert(_ path: String, out: String) -> Error? {
        do {
            let reader = try ReadStatReader(path: path)
            let file = try AtomicFile(path: out)
            let writer = try ReadStatWriter(path: out, sink: file, format: reader.format, source: reader.metadata,
                                            rowCount: try reader.rowCount())
            try writer.writeHeader(reader.columnNames.indices.map { OutputColumn(name: reader.columnNames[$0], origin: .kept(sourceIndex: $0)) })
            try reader.forEachRow { view, _ in try writer.writeRow(view) }
            try writer.finish()
            try file.commit()
            return nil
        } catch {
            return error
        }
    }

    private func assertUnreadable(_ error: Error?, path: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let error = error as? ReadStatError, case let .unreadable(p, message) = error else {
            return XCTFail("expected unreadable, got \(String(describing: error))", file: file, line: line)
        }
        XCTAssertEqual(p, path, file: file, line: line)
        XCTAssertFalse(message.isEmpty, file: file, line: line)
        XCTAssertEqual(error.category, .data, file: file, line: line)
        XCTAssertTrue(error.description.contains(path), file: file, line: line)
        XCTAssertFalse(error.description.contains(secret), file: file, line: line)
        XCTAssertFalse(error.description.contains("12345672"), file: file, line: line)
    }

    func testTruncatedFilesFailWithTheFileNameAndWriteNothing() throws {
        for format in ReadStatFileFormat.allCases {
            let bytes = try goodBytes(format, rows: 200)
            for cut in [16, bytes.count / 3, bytes.count / 2, bytes.count - 9] {
                let dir = TemporaryDirectory()
                let path = dir.write("cut." + format.fileExtension, bytes: Array(bytes[0..<cut]))
                let error = convert(path, out: dir.file("out." + format.fileExtension))
                if format == .dta, cut == bytes.count - 9, error == nil {
                    continue // only Stata's trailing value-label table was cut; ReadStat accepts that
                }
                assertUnreadable(error, path: path)
                XCTAssertEqual(dir.allFiles(), ["cut." + format.fileExtension], "\(format) cut at \(cut): nothing written")
            }
        }
    }

    func testGarbageEmptyAndCSVRenamedAreNotSPSSOrStata() throws {
        let dir = TemporaryDirectory()
        var cases: [String] = []
        for format in ReadStatFileFormat.allCases {
            let ext = format.fileExtension
            cases.append(dir.write("empty." + ext, ""))
            cases.append(dir.write("csv." + ext, "bsn,naam\n\(secret),Jan Jansen\n"))
            var g = SystemRandomNumberGenerator()
            cases.append(dir.write("garbage." + ext, bytes: (0..<4096).map { _ in UInt8.random(in: 0...255, using: &g) }))
        }
        let before = dir.allFiles()
        for path in cases {
            assertUnreadable(convert(path, out: path + ".out"), path: path)
        }
        XCTAssertEqual(dir.allFiles(), before, "nothing written")
    }

    func testAStataFileCalledSavIsRefusedAndTheReverse() throws {
        let dir = TemporaryDirectory()
        let dtaAsSav = dir.write("stata.sav", bytes: try goodBytes(.dta))
        let savAsDta = dir.write("spss.dta", bytes: try goodBytes(.sav))
        assertUnreadable(convert(dtaAsSav, out: dir.file("o1.sav")), path: dtaAsSav)
        assertUnreadable(convert(savAsDta, out: dir.file("o2.dta")), path: savAsDta)
    }

    func testMissingFileIsReported() {
        let path = "/nonexistent/dir/x.sav"
        XCTAssertThrowsError(try ReadStatReader(path: path)) { error in
            XCTAssertEqual((error as? SluisError)?.category, .data)
            XCTAssertTrue("\(error)".contains(path))
        }
    }
}

final class ReadStatVersionTests: XCTestCase {
    /// A Stata file claiming a release ReadStat does not know (121) is refused with ReadStat's
    /// own reason, naming the file.
    func testUnsupportedStataReleaseIsRefused() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("v.dta")
        try ReadStatFixtures.write(path, metadata: ReadStatFixtures.surveyMetadata(format: .dta),
                                   rows: ReadStatFixtures.surveyRows(format: .dta))
        var bytes = dir.read("v.dta")
        let marker = Array("<release>118</release>".utf8)
        let at = try XCTUnwrap((0...(bytes.count - marker.count)).first { Array(bytes[$0..<$0 + marker.count]) == marker })
        bytes.replaceSubrange(at + 9..<at + 12, with: Array("121".utf8))
        dir.write("v.dta", bytes: bytes)
        XCTAssertThrowsError(try ReadStatReader(path: path)) { error in
            guard case let .unreadable(p, message) = error as? ReadStatError else { return XCTFail("\(error)") }
            XCTAssertEqual(p, path)
            XCTAssertTrue(message.lowercased().contains("version") || message.lowercased().contains("unsupported"), message)
        }
    }
}
