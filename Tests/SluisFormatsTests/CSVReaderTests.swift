import XCTest
import SluisCore
import SluisIO
@testable import SluisFormats

final class CSVReaderTests: XCTestCase {
    /// Reads all rows as strings, with every combination of small blocks and odd read sizes.
    private func read(_ text: String, delimiter: UInt8? = nil, encoding: TextEncoding = .utf8,
                      block: Int = 1 << 20, readSize: Int = .max) throws -> (CSVReader, [[String]], [Int]) {
        try read(bytes: Array(text.utf8), delimiter: delimiter, encoding: encoding, block: block, readSize: readSize)
    }

    private func read(bytes: [UInt8], delimiter: UInt8? = nil, encoding: TextEncoding = .utf8,
                      block: Int = 1 << 20, readSize: Int = .max) throws -> (CSVReader, [[String]], [Int]) {
        let reader = try CSVReader(source: MemorySource(bytes, maxReadByteCount: readSize), path: "t.csv",
                                   delimiter: delimiter, encoding: encoding, blockByteCount: block)
        var rows: [[String]] = []
        var lines: [Int] = []
        try reader.forEachRow { view, line in
            rows.append((0..<view.count).map { String(decoding: view[$0], as: UTF8.self) })
            lines.append(line)
        }
        return (reader, rows, lines)
    }

    private func expectError(_ text: String, encoding: TextEncoding = .utf8, _ check: (CSVError) -> Void) {
        expectError(bytes: Array(text.utf8), encoding: encoding, check)
    }

    private func expectError(bytes: [UInt8], encoding: TextEncoding = .utf8, _ check: (CSVError) -> Void) {
        for block in [16, 1 << 20] {
            do {
                _ = try read(bytes: bytes, encoding: encoding, block: block, readSize: 7)
                XCTFail("no error")
            } catch let e as CSVError {
                check(e)
            } catch {
                XCTFail("unexpected \(error)")
            }
        }
    }

    func testRFC4180EdgeCasesAcrossEveryBlockBoundary() throws {
        let text = "id,text,n\r\n1,\"a, b\",2\r\n2,\"say \"\"hi\"\"\",3\r\n3,\"two\r\nlines\",4\r\n4,,\r\n5,\"\",\"\"\r\n6,x\"y,7"
        let expected = [["1", "a, b", "2"], ["2", "say \"hi\"", "3"], ["3", "two\r\nlines", "4"], ["4", "", ""], ["5", "", ""], ["6", "x\"y", "7"]]
        for block in [16, 17, 31, 64, 1 << 20] {
            for readSize in [1, 2, 3, 5, 13, 4096] {
                let (reader, rows, lines) = try read(text, block: block, readSize: readSize)
                XCTAssertEqual(reader.columnNames, ["id", "text", "n"])
                XCTAssertEqual(rows, expected, "block \(block) read \(readSize)")
                XCTAssertEqual(lines, [2, 3, 4, 6, 7, 8])
                XCTAssertEqual(reader.dialect.lineEnding, .crlf)
            }
        }
    }

    func testLFAndTrailingNewlineAndBlankLines() throws {
        let (reader, rows, lines) = try read("a;b\n1;2\n\n3;4\n\n")
        XCTAssertEqual(reader.dialect.delimiter, 0x3B)
        XCTAssertEqual(reader.dialect.lineEnding, .lf)
        XCTAssertEqual(rows, [["1", "2"], ["3", "4"]])
        XCTAssertEqual(lines, [2, 4])
    }

    func testDelimiterDetection() throws {
        XCTAssertEqual(try read("a\tb\tc\n1\t2\t3\n").0.dialect.delimiter, 0x09)
        XCTAssertEqual(try read("a|b\n1|2\n").0.dialect.delimiter, 0x7C)
        XCTAssertEqual(try read("\"x,y\";b\n1;2\n").0.dialect.delimiter, 0x3B)
        XCTAssertEqual(try read("only\n1\n").0.dialect.delimiter, 0x2C)
        // A configured delimiter wins.
        XCTAssertEqual(try read("a,b;c\n1,2;3\n", delimiter: 0x3B).0.columnNames, ["a,b", "c"])
    }

    func testByteOrderMarkIsSkipped() throws {
        let (reader, rows, _) = try read(bytes: [0xEF, 0xBB, 0xBF] + Array("naam,x\nJosé,1\n".utf8))
        XCTAssertTrue(reader.dialect.byteOrderMark)
        XCTAssertEqual(reader.columnNames, ["naam", "x"])
        XCTAssertEqual(rows, [["José", "1"]])
    }

    func testWindows1252AndLatin1AreTranscoded() throws {
        // "Zoë" in cp1252 (0xEB) and a euro sign (0x80).
        let bytes: [UInt8] = Array("naam;bedrag\n".utf8) + [0x5A, 0x6F, 0xEB, 0x3B, 0x80, 0x35, 0x0A]
        XCTAssertEqual(try read(bytes: bytes, encoding: .windows1252).1, [["Zoë", "€5"]])
        XCTAssertEqual(try read(bytes: bytes, encoding: .iso88591).1, [["Zoë", "\u{80}5"]])
        expectError(bytes: Array("a\n".utf8) + [0x81, 0x0A], encoding: .windows1252) {
            XCTAssertEqual($0, .invalidByteSequence(at: SourcePosition(file: "t.csv", line: 2, columnNumber: 1, columnName: "a"), encoding: .windows1252))
        }
    }

    func testInvalidUTF8IsAnErrorWithLineAndColumn() {
        let secret = "SECRET-Zo"
        let bytes = Array("a,b\n1,2\n3,\"\(secret)".utf8) + [0xEB] + Array("\"\n".utf8)
        expectError(bytes: bytes) { e in
            XCTAssertEqual(e, .invalidByteSequence(at: SourcePosition(file: "t.csv", line: 3, columnNumber: 2, columnName: "b"), encoding: .utf8))
            XCTAssertFalse(e.description.contains(secret))
            XCTAssertTrue(e.description.contains("t.csv:3: column 2 (b)"), e.description)
        }
        for bad: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            XCTAssertFalse(bad.withUnsafeBytes { UTF8Text.isValid($0) })
        }
        XCTAssertTrue(Array("€ é 𝄞".utf8).withUnsafeBytes { UTF8Text.isValid($0) })
    }

    func testRaggedRowsNameTheLine() {
        expectError("a,b\n1,2\n\"x\ny\",2,SECRET\n") { e in
            XCTAssertEqual(e, .raggedRow(file: "t.csv", line: 3, expectedFieldCount: 2, foundFieldCount: 3))
            XCTAssertFalse(e.description.contains("SECRET"))
        }
        expectError("a,b\n1\n") { XCTAssertEqual($0, .raggedRow(file: "t.csv", line: 2, expectedFieldCount: 2, foundFieldCount: 1)) }
    }

    func testQuoteErrors() {
        expectError("a,b\n1,\"SECRET\n2,3\n") { e in
            XCTAssertEqual(e, .unterminatedQuote(at: SourcePosition(file: "t.csv", line: 2, columnNumber: 2, columnName: "b")))
            XCTAssertFalse(e.description.contains("SECRET"))
        }
        expectError("a,b\n1,\"SECRET\"x\n") { e in
            XCTAssertEqual(e, .textAfterClosingQuote(at: SourcePosition(file: "t.csv", line: 2, columnNumber: 2, columnName: "b")))
            XCTAssertFalse(e.description.contains("SECRET"))
        }
    }

    func testHeaderErrors() {
        expectError("") { XCTAssertEqual($0, .missingHeader(file: "t.csv")) }
        expectError("a,,#2\n") { XCTAssertEqual($0, .duplicateColumnName(file: "t.csv", name: "#2", columnNumbers: [2, 3])) }
        expectError("a,b,a\n") { XCTAssertEqual($0, .duplicateColumnName(file: "t.csv", name: "a", columnNumbers: [1, 3])) }
        expectError(bytes: [0xEF, 0xBB, 0xBF, 0x61, 0x0A], encoding: .windows1252) {
            XCTAssertEqual($0, .byteOrderMarkMismatch(file: "t.csv", encoding: .windows1252))
        }
    }

    /// The reading rules docs/pipeline.md ("CSV files: reading and writing") states, one by one.
    func testDocumentedReadingRules() throws {
        // Blank lines: skipped with two or more columns, a row with one empty value with one column.
        XCTAssertEqual(try read("a,b\n1,2\n\n3,4\n").1, [["1", "2"], ["3", "4"]])
        XCTAssertEqual(try read("a\n1\n\n2\n").1, [["1"], [""], ["2"]])
        XCTAssertEqual(try read("a\n1\n\n2\n").2, [2, 3, 4])
        expectError("a,b\n1,2\n \n") { XCTAssertEqual($0, .raggedRow(file: "t.csv", line: 3, expectedFieldCount: 2, foundFieldCount: 1)) }
        // CR: part of a CRLF line end, data elsewhere, dropped as the file's last byte.
        XCTAssertEqual(try read("a,b\n1\r2,3\r\n4,5\n").1, [["1\r2", "3"], ["4", "5"]])
        XCTAssertEqual(try read("a,b\r\n1,2\n3,4\r\n").1, [["1", "2"], ["3", "4"]])
        XCTAssertEqual(try read("a,b\n1,2\r").1, [["1", "2"]])
        XCTAssertEqual(try read("a,b\n1,\"x\r\ny\"\n").1, [["1", "x\r\ny"]])
        // No final line end.
        XCTAssertEqual(try read("a,b\n1,2").1, [["1", "2"]])
        // A quote inside an unquoted field is data; text after a closing quote is an error.
        XCTAssertEqual(try read("a,b\n1,x\"y\n2, \"z\"\n").1, [["1", "x\"y"], ["2", " \"z\""]])
        expectError("a,b\n\"x\" ,2\n") { XCTAssertEqual($0, .textAfterClosingQuote(at: SourcePosition(file: "t.csv", line: 2, columnNumber: 1, columnName: "a"))) }
        // The delimiter on ties: the first of , ; tab | with the highest count.
        XCTAssertEqual(try read("a;b,c\n1;2,3\n").0.dialect.delimiter, 0x2C)
        XCTAssertEqual(try read("a;b|c\n1;2|3\n").0.dialect.delimiter, 0x3B)
        XCTAssertEqual(try read("a\tb;c\n1\t2;3\n").0.dialect.delimiter, 0x3B)
        XCTAssertEqual(try read("a\tb|c\n").0.dialect.delimiter, 0x09)
        XCTAssertEqual(try read("ab\n").0.dialect.delimiter, 0x2C)
        // windows-1252's five undefined bytes are errors; ISO-8859-1 maps every byte.
        for b: UInt8 in [0x81, 0x8D, 0x8F, 0x90, 0x9D] {
            expectError(bytes: [0x61, 0x0A, b, 0x0A], encoding: .windows1252) {
                XCTAssertEqual($0, .invalidByteSequence(at: SourcePosition(file: "t.csv", line: 2, columnNumber: 1, columnName: "a"), encoding: .windows1252))
            }
            XCTAssertEqual(try read(bytes: [0x61, 0x0A, b, 0x0A], encoding: .iso88591).1, [[String(UnicodeScalar(b))]])
        }
        XCTAssertEqual(try read(bytes: [0x61, 0x0A, 0x80, 0x0A], encoding: .windows1252).1, [["€"]])
    }

    /// Excel's trailing delimiter: an empty-named column is named by its position, `#N`.
    func testEmptyColumnNamesArePositional() throws {
        let reader = try CSVReader(source: MemorySource(Array("a;; \r\n1;;\r\n".utf8)), path: "t.csv")
        XCTAssertEqual(reader.columnNames, ["a", "#2", "#3"])
        XCTAssertEqual(reader.unnamedColumns, [1, 2])
    }

    func testHeaderOnlyAndNoFinalNewline() throws {
        XCTAssertEqual(try read("a,b").1, [])
        XCTAssertEqual(try read("a,b\n1,2").1, [["1", "2"]])
        XCTAssertEqual(try read("a,b\r\n1,\"2\"").1, [["1", "2"]])
        XCTAssertEqual(try read("a\n\n1\n").1, [[""], ["1"]])
    }

    func testLongRowsGrowTheBufferUpToTheLimit() throws {
        let long = String(repeating: "x", count: 1000)
        XCTAssertEqual(try read("a,b\n\(long),\"\(long)\"\n", block: 16, readSize: 3).1, [[long, long]])
        XCTAssertThrowsError(try CSVReader(source: MemorySource(Array("a\n\(long)\n".utf8)), path: "t.csv",
                                           blockByteCount: 16, maximumRowByteCount: 64).forEachRow { _, _ in })
    }
}
