import SluisCore
import SluisFormats
import SluisIO
import SluisTestSupport
import XCTest

final class ReadStatWriterTests: XCTestCase {
    private let secret = ReadStatFixtures.secretBSN

    /// Writes one row; the buffer outlives the view handed to the writer.
    private func put(_ writer: ReadStatWriter, _ fields: [String]) throws {
        let b = FieldBuffer()
        for f in fields { b.append(Array(f.utf8)) }
        try withExtendedLifetime(b) { try writer.writeRow(b.view) }
    }

    private func source(_ format: ReadStatFileFormat) -> ReadStatMetadata {
        ReadStatMetadata(format: format, fileLabel: "bron", variables: [
            ReadStatVariable(name: "n", storage: format == .dta ? .int16 : .double, label: "getal"),
            ReadStatVariable(name: "s", storage: .string, storageWidth: 5, label: "tekst"),
            ReadStatVariable(name: "geboren", storage: .string, storageWidth: 10, label: "Geboortedatum"),
            ReadStatVariable(name: "pc", storage: .string, storageWidth: 6, label: "Postcode"),
        ])
    }

    func testGeneralisedColumnsGetAFittingTypeAndKeepTheirLabel() throws {
        for format in ReadStatFileFormat.allCases {
            let dir = TemporaryDirectory()
            let path = dir.file("g." + format.fileExtension)
            let file = try AtomicFile(path: path)
            let writer = try ReadStatWriter(path: path, sink: file, format: format, source: source(format), rowCount: 2,
                                            generalised: ["jaar": .year, "maand": .yearMonth, "pc4": .postcode4, "band": .text(width: 9)])
            try writer.writeHeader([
                OutputColumn(name: "jaar", origin: .generalised(sourceIndex: 2)),
                OutputColumn(name: "maand", origin: .generalised(sourceIndex: 2)),
                OutputColumn(name: "pc4", origin: .generalised(sourceIndex: 3)),
                OutputColumn(name: "band", origin: .generalised(sourceIndex: 0)),
                OutputColumn(name: "vrij", origin: .generalised(sourceIndex: 1)),
                OutputColumn(name: "RINPERSOON", origin: .added(width: 9)),
            ])
            try put(writer, ["1987", "1987-06", "1234", "20-29", "abc", "000000001"])
            try put(writer, ["", "", "", "", "", ""])
            try writer.finish()
            try file.commit()

            let reader = try ReadStatReader(path: path)
            let v = reader.metadata.variables
            XCTAssertEqual(v.map(\.storage), [.double, .string, .string, .string, .string, .string])
            XCTAssertEqual(v.map(\.storageWidth).dropFirst(), [7, 4, 9, 5, 9])
            XCTAssertEqual(v[0].displayFormat, format == .dta ? "%ty" : "F4.0")
            XCTAssertEqual(v.map(\.label), ["Geboortedatum", "Geboortedatum", "Postcode", "getal", "tekst", ""])
            XCTAssertEqual(try ReadStatFixtures.readAll(reader).map(\.fields),
                           [["1987", "1987-06", "1234", "20-29", "abc", "000000001"], ["", "", "", "", "", ""]])
            XCTAssertEqual(reader.metadata.fileLabel, "bron")
        }
    }

    func testGeneralisationTargetsFromConfigNames() {
        XCTAssertEqual(ReadStatGeneralisedType(target: "year"), .year)
        XCTAssertEqual(ReadStatGeneralisedType(target: "year-month"), .yearMonth)
        XCTAssertEqual(ReadStatGeneralisedType(target: "pc4"), .postcode4)
        XCTAssertNil(ReadStatGeneralisedType(target: "bands"))
    }

    func testWritesThroughAnyByteSinkAndTheBytesEqualTheFile() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("x.sav")
        func write(_ sink: ByteSink) throws {
            let writer = try ReadStatWriter(path: path, sink: sink, format: .sav, source: source(.sav), rowCount: 1)
            try writer.writeHeader([OutputColumn(name: "n", origin: .kept(sourceIndex: 0))])
            try put(writer, ["42"])
            try writer.finish()
        }
        let memory = MemorySink()
        try write(memory)
        let file = try AtomicFile(path: path)
        try write(file)
        try file.commit()
        XCTAssertFalse(memory.bytes.isEmpty)
        XCTAssertEqual(memory.bytes, dir.read("x.sav"))
    }

    func testASinkFailureIsReportedAsItselfAndNothingIsLeft() throws {
        final class FailingSink: ByteSink {
            func write(_ bytes: UnsafeRawBufferPointer) throws { throw IOError.writeFailed(path: "disk", errno: 28) }
            func finish() throws {}
        }
        let writer = try ReadStatWriter(path: "x.sav", sink: FailingSink(), format: .sav, source: source(.sav), rowCount: 1)
        XCTAssertThrowsError(try {
            try writer.writeHeader([OutputColumn(name: "n", origin: .kept(sourceIndex: 0))])
            try self.put(writer, ["1"])
            try writer.finish()
        }()) { XCTAssertEqual($0 as? IOError, .writeFailed(path: "disk", errno: 28)) }
    }

    /// Every writer error built from inputs holding a known BSN: the message names file, line and
    /// column, never the value.
    func testErrorsNamePositionsNeverValues() throws {
        for format in ReadStatFileFormat.allCases {
            let dir = TemporaryDirectory()
            let path = dir.file("e." + format.fileExtension)
            func attempt(rowCount: Int = 1, _ rows: [[String]], columns: [OutputColumn]? = nil) -> Error? {
                do {
                    let file = try AtomicFile(path: path)
                    let writer = try ReadStatWriter(path: path, sink: file, format: format, source: source(format), rowCount: rowCount)
                    try writer.writeHeader(columns ?? [OutputColumn(name: "n", origin: .kept(sourceIndex: 0)),
                                                       OutputColumn(name: "s", origin: .kept(sourceIndex: 1))])
                    for r in rows { try put(writer, r) }
                    try writer.finish()
                    try file.commit()
                    return nil
                } catch { return error }
            }
            let errors: [(Error?, ReadStatError)] = [
                (attempt([["x" + secret, "a"]]), .notANumber(position: SourcePosition(file: path, line: 2, columnNumber: 1, columnName: "n"),
                                                              storage: format == .dta ? "int16" : "double")),
                (attempt([["1", secret]]), .stringTooWide(position: SourcePosition(file: path, line: 2, columnNumber: 2, columnName: "s"),
                                                           byteCount: 9, width: 5)),
                (attempt([[secret]]), .fieldCountMismatch(path: path, line: 2, expected: 2, found: 1)),
                (attempt(rowCount: 2, [["1", "a"]]), .rowCountMismatch(path: path, announced: 2, written: 1)),
                (attempt(rowCount: 1, [["1", "a"], ["2", "b"]]), .rowCountMismatch(path: path, announced: 1, written: 2)),
                (attempt([], columns: [OutputColumn(name: "z", origin: .kept(sourceIndex: 9))]),
                 .noSuchSourceColumn(path: path, column: "z", sourceIndex: 9)),
                (attempt([], columns: [OutputColumn(name: "p", origin: .pseudonym(width: 0))]), .badColumnWidth(path: path, column: "p", width: 0)),
            ]
            for (got, want) in errors {
                XCTAssertEqual(got as? ReadStatError, want, "\(format)")
                // The error the writer threw, not the one the test expects: the writer must not echo the value.
                let message = (got as? SluisError)?.description ?? "no error"
                XCTAssertFalse(message.contains(secret) || String(describing: got as Any).contains(secret), message)
                XCTAssertTrue(message.contains(path), message)
                XCTAssertEqual(message, message.lowercased().replacingOccurrences(of: path.lowercased(), with: path))
            }
            XCTAssertEqual(dir.allFiles(), [], "\(format): nothing written")
        }
    }

    func testNumbersOutOfRangeForStataIntegersAreRefused() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("i.dta")
        let file = try AtomicFile(path: path)
        let writer = try ReadStatWriter(path: path, sink: file, format: .dta, source: source(.dta), rowCount: 1)
        try writer.writeHeader([OutputColumn(name: "n", origin: .kept(sourceIndex: 0))])
        XCTAssertThrowsError(try put(writer, ["40000"])) {
            guard case .notANumber = $0 as? ReadStatError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try put(writer, ["1.5"]))
    }

    func testReadStatRefusalsComeBackAsUnwritable() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("bad.sav")
        let file = try AtomicFile(path: path)
        let writer = try ReadStatWriter(path: path, sink: file, format: .sav, source: nil, rowCount: 0)
        XCTAssertThrowsError(try writer.writeHeader([OutputColumn(name: "1 bad name", origin: .pseudonym(width: 17))])) {
            guard case let .unwritable(p, message) = $0 as? ReadStatError else { return XCTFail("\($0)") }
            XCTAssertEqual(p, path)
            XCTAssertFalse(message.isEmpty)
        }
    }

    func testZeroRowsWriteAValidEmptyFile() throws {
        for format in ReadStatFileFormat.allCases {
            let dir = TemporaryDirectory()
            let path = dir.file("empty." + format.fileExtension)
            let file = try AtomicFile(path: path)
            let writer = try ReadStatWriter(path: path, sink: file, format: format, source: source(format), rowCount: 0)
            try writer.writeHeader([OutputColumn(name: "n", origin: .kept(sourceIndex: 0))])
            try writer.finish()
            try file.commit()
            let reader = try ReadStatReader(path: path)
            XCTAssertEqual(reader.columnNames, ["n"])
            XCTAssertEqual(try ReadStatFixtures.readAll(reader).count, 0)
        }
    }
}
