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
        XCTAssertEqual(g(.band(width: 5), "-3"), "(-5)-(-1)")
        XCTAssertEqual(g(.band(width: 1000), "34500"), "34000-34999")
        XCTAssertNil(g(.band(width: 10), "veel"))
        XCTAssertNil(g(.band(width: 10), ""))
    }

    private func reason(_ gen: Generalisation, _ text: String) -> NormalisationFailure? {
        var out: [UInt8] = []
        return Array(text.utf8).withUnsafeBytes { Generaliser.generalise(gen, $0, into: &out) }
    }

    /// The number forms docs/pipeline.md ("Numbers in bands") lists, each way round.
    func testPC4OfABareFourDigitPostcode() {
        XCTAssertEqual(g(.pc4, " 1234 "), "1234")
        XCTAssertEqual(reason(.pc4, "0123"), .unrecognisedFormat)
        XCTAssertEqual(reason(.pc4, "123"), .wrongLength)
        XCTAssertEqual(g(.pc4, "1234ab"), "1234")
    }

    func testBandNumberForms() {
        let b = Generalisation.band(width: 1000)
        XCTAssertEqual(g(b, "1.234,56"), "1000-1999")        // Dutch: . groups, , decimal
        XCTAssertEqual(g(b, "1,234.56"), "1000-1999")        // English
        XCTAssertEqual(g(b, "-1.234,56"), "(-2000)-(-1001)")
        XCTAssertEqual(g(b, "12.345.678"), "12345000-12345999")
        XCTAssertEqual(g(b, "12,345,678"), "12345000-12345999")
        XCTAssertEqual(g(b, "+999,99"), "0-999")
        XCTAssertEqual(g(.band(width: 10), "5."), "0-9")
        XCTAssertEqual(g(.band(width: 10), ".5"), "0-9")
        XCTAssertEqual(g(.band(width: 10), "-.5"), "(-10)-(-1)")
        XCTAssertEqual(g(.band(width: 10), "0.125"), "0-9")   // a leading 0 cannot start a thousands group
        XCTAssertEqual(g(.band(width: 10), "1234.567"), "1230-1239")
        XCTAssertEqual(reason(b, "1.234"), .ambiguousNumber)
        XCTAssertEqual(reason(b, "1,234"), .ambiguousNumber)
        XCTAssertEqual(g(.band(width: 1000, decimal: 0x2C), "1.234"), "1000-1999")
        XCTAssertEqual(g(.band(width: 10, decimal: 0x2C), "1,234"), "0-9")
        XCTAssertEqual(g(.band(width: 10, decimal: 0x2E), "1.234"), "0-9")
        XCTAssertEqual(reason(b, "1.23.456"), .unrecognisedFormat)   // groups of three after the first
        XCTAssertEqual(reason(b, "1.2345,6"), .unrecognisedFormat)
        XCTAssertEqual(reason(b, "1,2,3"), .unrecognisedFormat)
        XCTAssertEqual(reason(b, "1.234.5"), .unrecognisedFormat)
        XCTAssertEqual(reason(b, "1 234"), .unrecognisedFormat)
        XCTAssertEqual(reason(b, "1e5"), .unrecognisedFormat)
        XCTAssertEqual(reason(b, "€ 12"), .unrecognisedFormat)
        XCTAssertEqual(reason(b, "--1"), .unrecognisedFormat)
        XCTAssertEqual(reason(b, "."), .unrecognisedFormat)
        XCTAssertEqual(reason(b, "-"), .unrecognisedFormat)
        XCTAssertEqual(reason(b, " \t"), .empty)
        XCTAssertEqual(g(b, "999999999999999"), "999999999999000-999999999999999")   // 15 digits
        XCTAssertEqual(reason(b, "1000000000000000"), .outOfRange)                   // 16
        XCTAssertEqual(g(b, "1.000.000.000.000.000,5"), nil)
    }
}
