import XCTest
import SluisCore
import SluisIO
@testable import SluisFormats

final class CSVWriterTests: XCTestCase {
    private func write(_ rows: [[String]], dialect: CSVDialect, block: Int = 1 << 20) throws -> String {
        let sink = MemorySink()
        let writer = CSVWriter(sink: sink, dialect: dialect, blockByteCount: block)
        try writer.writeHeader(names: rows[0])
        for row in rows.dropFirst() {
            let fields = FieldBuffer()
            for f in row { fields.append(Array(f.utf8)) }
            try writer.writeRow(fields.view)
        }
        try writer.finish()
        return String(decoding: sink.bytes, as: UTF8.self)
    }

    /// A lone empty value is written `""` (else its row would be a blank line, which readers
    /// skip); empty values beside others are written as nothing.
    func testALoneEmptyValueIsQuoted() throws {
        XCTAssertEqual(try write([["a"], [""], ["1"]], dialect: CSVDialect()), "a\n\"\"\n1\n")
        XCTAssertEqual(try write([["a", "b"], ["", ""]], dialect: CSVDialect(delimiter: 0x3B, lineEnding: .crlf)), "a;b\r\n;\r\n")
    }

    func testQuotesOnlyWhenNeeded() throws {
        let rows = [["a", "b"], ["plain", "with,comma"], ["say \"hi\"", "two\nlines"], ["", "x;y"]]
        XCTAssertEqual(try write(rows, dialect: CSVDialect()),
                       "a,b\nplain,\"with,comma\"\n\"say \"\"hi\"\"\",\"two\nlines\"\n,x;y\n")
        XCTAssertEqual(try write(rows, dialect: CSVDialect(delimiter: 0x3B, lineEnding: .crlf)),
                       "a;b\r\nplain;with,comma\r\n\"say \"\"hi\"\"\";\"two\nlines\"\r\n;\"x;y\"\r\n")
        XCTAssertEqual(try write([["a"], [""]], dialect: CSVDialect()), "a\n\"\"\n")
        XCTAssertEqual(try write([["a"]], dialect: CSVDialect(byteOrderMark: true)), "\u{FEFF}a\n")
    }

    /// The writer checks eight bytes at a time: a special byte at any position of a field of any
    /// length must still make it quoted, and plain fields must be copied exactly.
    func testSpecialByteAtEveryPositionIsQuoted() throws {
        for length in 1...25 {
            let plain = String((0..<length).map { Character(UnicodeScalar(UInt8(0x61 + $0 % 26))) })
            XCTAssertEqual(try write([["h", "i"], [plain, "x"]], dialect: CSVDialect()), "h,i\n\(plain),x\n")
            for position in 0..<length {
                for special in [",", "\"", "\n", "\r"] {
                    var chars = Array(plain)
                    chars[position] = Character(special)
                    let value = String(chars)
                    let escaped = "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                    XCTAssertEqual(try write([["h", "i"], [value, "x"]], dialect: CSVDialect()), "h,i\n\(escaped),x\n",
                                   "length \(length), position \(position)")
                }
                var chars = Array(plain)
                chars[position] = ";"
                XCTAssertEqual(try write([["h", "i"], [String(chars), "x"]], dialect: CSVDialect()), "h,i\n\(String(chars)),x\n")
            }
        }
    }

    func testRoundTripThroughReaderKeepsValuesAndDialect() throws {
        let rows = [["id", "t"], ["1", "a,\"b\"\r\nc"], ["2", "é"], ["3", ""]]
        for dialect in [CSVDialect(), CSVDialect(delimiter: 0x09, lineEnding: .crlf, byteOrderMark: true)] {
            let text = try write(rows, dialect: dialect, block: 64)
            let reader = try CSVReader(source: MemorySource(Array(text.utf8), maxReadByteCount: 5), path: "t", blockByteCount: 16)
            XCTAssertEqual(reader.dialect, dialect)
            var back: [[String]] = [reader.columnNames]
            try reader.forEachRow { v, _ in back.append((0..<v.count).map { String(decoding: v[$0], as: UTF8.self) }) }
            XCTAssertEqual(back, rows)
        }
    }

    func testWritesLargeBlocks() throws {
        final class BlockSizes: ByteSink {
            var sizes: [Int] = []
            func write(_ bytes: UnsafeRawBufferPointer) throws { sizes.append(bytes.count) }
            func finish() throws {}
        }
        let sink = BlockSizes()
        let writer = CSVWriter(sink: sink, dialect: CSVDialect(), blockByteCount: 1 << 16)
        let fields = FieldBuffer()
        fields.append(Array("0123456789".utf8))
        for _ in 0..<20_000 { try writer.writeRow(fields.view) }
        try writer.finish()
        XCTAssertEqual(sink.sizes.reduce(0, +), 20_000 * 11)
        XCTAssertTrue(sink.sizes.dropLast().allSatisfy { $0 >= 1 << 16 })
    }
}

/// Random tables written by the writer and read back by the reader, over many block and read
/// sizes: every value (delimiters, quotes, CR, LF, non-ASCII, empty) must come back unchanged.
final class CSVRoundTripTests: XCTestCase {
    func testRandomTablesRoundTrip() throws {
        var state: UInt64 = 0x1234_5678
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let pieces = ["a", "b", ",", ";", "\"", "\r", "\n", "\r\n", " ", "é", "€", "0", "123456782", "\t", "|", "xyz"]
        for round in 0..<60 {
            let width = 1 + next(5)
            let dialect = CSVDialect(delimiter: CSVDialect.supportedDelimiters[next(4)], lineEnding: next(2) == 0 ? .lf : .crlf,
                                     byteOrderMark: next(3) == 0)
            var rows: [[String]] = [(0..<width).map { "c\($0)" }]
            for _ in 0..<(1 + next(30)) {
                rows.append((0..<width).map { _ in (0..<next(6)).map { _ in pieces[next(pieces.count)] }.joined() })
            }
            let sink = MemorySink()
            let writer = CSVWriter(sink: sink, dialect: dialect, blockByteCount: 64)
            try writer.writeHeader(names: rows[0])
            for row in rows.dropFirst() {
                let fields = FieldBuffer()
                for f in row { fields.append(Array(f.utf8)) }
                try writer.writeRow(fields.view)
            }
            try writer.finish()
            let block = [16, 23, 64, 1 << 20][round % 4]
            let reader = try CSVReader(source: MemorySource(sink.bytes, maxReadByteCount: 1 + next(40)), path: "r.csv",
                                       delimiter: dialect.delimiter, blockByteCount: block)
            var back: [[String]] = [reader.columnNames]
            try reader.forEachRow { v, _ in back.append((0..<v.count).map { String(decoding: v[$0], as: UTF8.self) }) }
            // A row whose only field is empty is written as "" and read back as one empty field.
            XCTAssertEqual(back, rows, "round \(round)")
            XCTAssertEqual(reader.dialect.byteOrderMark, dialect.byteOrderMark)
        }
    }
}
