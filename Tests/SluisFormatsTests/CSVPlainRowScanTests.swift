import XCTest
import SluisCore
import SluisIO
@testable import SluisFormats

/// `CSVReader` tries a one-pass scan for plain rows before its general, field-by-field scan.
/// Both must find the same rows, fields, lines and errors for any input: random texts built from
/// the bytes that matter (delimiters, quotes, CR, LF, the bytes the has-zero-byte test can flag
/// by mistake: `-` after `,`, `#` after `"`, VT after LF, FF after CR) are read both ways, in
/// large and in tiny blocks.
final class CSVPlainRowScanTests: XCTestCase {
    override func tearDown() { CSVReader.scansPlainRows = true }

    private func rows(_ bytes: [UInt8], plainFirst: Bool, block: Int) -> String {
        CSVReader.scansPlainRows = plainFirst
        do {
            let reader = try CSVReader(source: MemorySource(bytes, maxReadByteCount: 7), path: "t.csv", blockByteCount: block)
            var out = ""
            try reader.forEachRow { view, line in
                out += "\(line):" + (0..<view.count).map { String(decoding: view[$0], as: UTF8.self).debugDescription }.joined(separator: "|") + "\n"
            }
            return out + "rows \(reader.rowCount)"
        } catch {
            return "error: \(error)"
        }
    }

    func testPlainRowScanAgreesWithTheGeneralScan() {
        var random = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = [
            Array(",".utf8), Array(",".utf8), Array(",-".utf8), Array("\"".utf8), Array("\"#".utf8), Array("\"\"".utf8),
            [0x0A], [0x0A, 0x0B], [0x0D, 0x0A], [0x0D], [0x0D, 0x0C], Array("abc".utf8), Array("12345678".utf8),
            Array("é".utf8), Array("a long value with spaces".utf8), [0xFF], Array(";".utf8),
        ]
        for trial in 0..<3000 {
            var text = Array("a,b,c\n".utf8)
            if trial % 3 == 0 { text = Array("a,b,c\r\n".utf8) }
            for _ in 0..<Int.random(in: 0..<60, using: &random) { text += pieces.randomElement(using: &random)! }
            for block in [16, 1 << 20] {
                let general = rows(text, plainFirst: false, block: block)
                let plain = rows(text, plainFirst: true, block: block)
                if general != plain {
                    XCTFail("differs for \(String(decoding: text, as: UTF8.self).debugDescription), block \(block):\n\(general)\nvs\n\(plain)")
                    return
                }
            }
        }
    }

    func testManyColumnsPastTheFieldCapacity() {
        let header = (0..<300).map { "c\($0)" }.joined(separator: ",")
        let row = (0..<300).map { "v\($0)" }.joined(separator: ",")
        let text = Array((header + "\n" + row + "\n" + row + "\r\n").utf8)
        let general = rows(text, plainFirst: false, block: 1 << 20)
        XCTAssertEqual(rows(text, plainFirst: true, block: 1 << 20), general)
        XCTAssertTrue(general.hasSuffix("rows 2"), general)
    }
}
