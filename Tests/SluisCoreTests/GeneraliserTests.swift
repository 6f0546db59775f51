import XCTest
import SluisCore

final class GeneraliserTests: XCTestCase {
    private func g(_ gen: Generalisation, _ text: String) -> String? {
        var out: [UInt8] = []
        let failure = Array(text.utf8).withUnsafeBytes { Generaliser.generalise(gen, $0, into: &out) }
        return failure == nil ? String(decoding: out, as: UTF8.self) : nil
    }

    func testGeneralisations() {
        XCTAssertEqual(g(.year, "29-2-1984"), "1984")
        XCTAssertEqual(g(.yearMonth, "19840229"), "1984-02")
        XCTAssertNil(g(.year, "30-02-1984"))
        XCTAssertEqual(g(.pc4, "1234 ab"), "1234")
        XCTAssertEqual(g(.pc4, "1234"), "1234")
        XCTAssertNil(g(.pc4, "0123"))
        XCTAssertEqual(g(.band(width: 10), "37"), "30-39")
        XCTAssertEqual(g(.band(width: 10), " 40 "), "40-49")
        XCTAssertEqual(g(.band(width: 10), "39,9"), "30-39")
        XCTAssertEqual(g(.band(width: 5), "-3"), "-5--1")
        XCTAssertEqual(g(.band(width: 1000), "34500"), "34000-34999")
        XCTAssertNil(g(.band(width: 10), "veel"))
        XCTAssertNil(g(.band(width: 10), ""))
    }
}
