import XCTest
import SluisCore
import SluisFormats
import SluisIO

/// Every CSV reader error, each produced by a file holding a planted identifier next to the
/// fault: the message names file, line and column, and never holds the identifier.
final class CSVErrorMessageTests: XCTestCase {
    let planted = "123456782"

    func error(_ text: [UInt8], encoding: TextEncoding = .utf8, maximumRowByteCount: Int = 1 << 16) -> CSVError? {
        do {
            let reader = try CSVReader(source: MemorySource(text, maxReadByteCount: 5), path: "in.csv", encoding: encoding,
                                       blockByteCount: 16, maximumRowByteCount: maximumRowByteCount)
            try reader.forEachRow { _, _ in }
            return nil
        } catch {
            XCTAssertTrue(error is CSVError, "\(error)")
            return error as? CSVError
        }
    }

    func testEveryErrorFromPlantedInputsNamesNoValue() {
        let p = planted
        let cases: [(String, [UInt8], TextEncoding, Int)] = [
            ("missing header", [], .utf8, 1 << 16),
            ("ragged row", Array("BSN,Naam\n\(p),Jan,\(p)\n".utf8), .utf8, 1 << 16),
            ("unterminated quote", Array("BSN,Naam\n\(p),\"Jan \(p)\n".utf8), .utf8, 1 << 16),
            ("text after closing quote", Array("BSN,Naam\n\"\(p)\"\(p),Jan\n".utf8), .utf8, 1 << 16),
            ("invalid UTF-8", Array("BSN,Naam\n\(p),Jan".utf8) + [0xC3, 0x28] + Array("\(p)\n".utf8), .utf8, 1 << 16),
            ("byte order mark in another encoding", [0xEF, 0xBB, 0xBF] + Array("BSN\n\(p)\n".utf8), .windows1252, 1 << 16),
            ("row too long", Array("BSN,Naam\n\(p),\(String(repeating: p, count: 20))\n".utf8), .utf8, 64),
        ]
        var kinds = Set<String>()
        for (what, bytes, encoding, limit) in cases {
            guard let e = error(bytes, encoding: encoding, maximumRowByteCount: limit) else { XCTFail("\(what): no error"); continue }
            kinds.insert(Mirror(reflecting: e).children.first?.label ?? e.description)
            let m = e.description
            XCTAssertTrue(m.contains("in.csv"), "\(what): \(m)")
            XCTAssertFalse(m.contains(p) || m.contains("Jan"), "\(what): \(m)")
            XCTAssertFalse(m.contains("\n"), "\(what): \(m)")
            XCTAssertEqual(e.category, .data, "\(what): \(m)")
        }
        XCTAssertEqual(kinds.count, cases.count, "\(kinds.sorted())")
    }
}
