import SluisCore
import XCTest

final class BSNElevenCheckTests: XCTestCase {
    /// The weights as Statistics Netherlands states them, written out here as the independent oracle.
    func testWeightsAreNineDownToTwoThenMinusOne() {
        XCTAssertEqual((0..<9).map(BSNElevenCheck.weight(at:)), [9, 8, 7, 6, 5, 4, 3, 2, -1])
    }

    private func digits(_ s: String) -> [Int] { s.utf8.map { Int($0) - 48 } }

    func testKnownNumbers() {
        for valid in ["111222333", "123456782", "999999990", "010000008"] {
            XCTAssertTrue(BSNElevenCheck.isValid(count: 9) { self.digits(valid)[$0] }, valid)
        }
        for invalid in ["123456789", "111222334", "000000000", "999999999"] {
            XCTAssertFalse(BSNElevenCheck.isValid(count: 9) { self.digits(invalid)[$0] }, invalid)
        }
        // Eight digits: the leading zero was lost.
        XCTAssertTrue(BSNElevenCheck.isValid(count: 8) { self.digits("10000008")[$0] })
        XCTAssertFalse(BSNElevenCheck.isValid(count: 8) { self.digits("00000000")[$0] })
        XCTAssertEqual(BSNElevenCheck.checkDigit(first8: { self.digits("12345678")[$0] }), 2)
        XCTAssertNil(BSNElevenCheck.checkDigit(first8: { self.digits("00000005")[$0] }))  // 2·5 = 10: no digit completes it
    }

    /// The checks agree with a reference sum over many numbers: the one definition, and the
    /// normaliser's fast path, general (separated) path and byte check built on it. (The residual
    /// scanner's use is covered by ResidualScannerTests' corpus.)
    func testAllCheckersAgreeWithTheReference() {
        var state: UInt64 = 0x5EED
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let weights = [9, 8, 7, 6, 5, 4, 3, 2, -1]
        var valid = 0
        for i in 0..<20_000 {
            let value = i < 10 ? i : Int(next() % 1_000_000_000)
            let text = String(format: "%09d", value)
            let d = digits(text)
            let reference = value != 0 && zip(weights, d).map(*).reduce(0, +) % 11 == 0
            if reference { valid += 1 }
            XCTAssertEqual(BSNElevenCheck.isValid(count: 9) { d[$0] }, reference, text)
            XCTAssertEqual(Array(text.utf8).withUnsafeBytes { Normaliser.passesElevenCheck($0) }, reference, text)
            var out: [UInt8] = []
            let failure = Array(text.utf8).withUnsafeBytes { Normaliser.bsn($0, into: &out) }
            XCTAssertEqual(failure == nil, reference, text)
            let dotted = String(text.prefix(3)) + "." + String(text.dropFirst(3).prefix(3)) + "." + String(text.suffix(3))
            let general = Array(dotted.utf8).withUnsafeBytes { Normaliser.bsn($0, into: &out) }
            XCTAssertEqual(general == nil, reference, dotted)
            if reference && d[0] != 0 {
                XCTAssertEqual(BSNElevenCheck.checkDigit(first8: { d[$0] }), d[8], text)
            }
        }
        XCTAssertGreaterThan(valid, 1000)
    }
}
