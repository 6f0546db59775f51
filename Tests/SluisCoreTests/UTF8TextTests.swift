import SluisCore
import XCTest

final class UTF8TextTests: XCTestCase {
    func testValidationRefusesEveryMalformedShape() {
        let bad: [[UInt8]] = [
            [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF],  // stray continuation, overlong two-byte
            [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF],  // overlong three-byte
            [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],  // surrogates
            [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF],  // overlong four-byte
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF],  // above U+10FFFF
            [0xC3], [0xE2, 0x82], [0xF0, 0x9D, 0x84],  // truncated
            [0xC3, 0x41], [0xE2, 0x41, 0xAC],  // a non-continuation byte inside
            Array("12345678é".utf8).dropLast(),  // truncated after the eight-byte ASCII skip
        ]
        for bytes in bad {
            XCTAssertFalse(UTF8Text.isValid(bytes), "\(bytes)")
            XCTAssertNil(UTF8Text.string(bytes), "\(bytes)")
            // The standard library agrees.
            XCTAssertNil(bytes.withUnsafeBytes { String(validating: $0, as: UTF8.self) }, "\(bytes)")
        }
    }

    func testValidationAcceptsWellFormedText() {
        for text in ["", "a", "abcdefgh", "abcdefghijklmnop€", "€ é 𝄞", "\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}",
                     "Jansen, Jan — ’s-Hertogenbosch"] {
            XCTAssertTrue(UTF8Text.isValid(Array(text.utf8)), text)
            XCTAssertEqual(UTF8Text.string(Array(text.utf8)), text)
        }
    }

    /// The encoder writes exactly what the standard library writes, at every length boundary.
    func testEncoderMatchesTheStandardLibrary() {
        var values: [UInt32] = [0, 0x41, 0x7F, 0x80, 0xE9, 0x7FF, 0x800, 0x20AC, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF,
                                0x1_0000, 0x1_D11E, 0x10_FFFF]
        values += stride(from: UInt32(0), to: 0x11_0000, by: 997).map { $0 }
        for v in values {
            guard let scalar = Unicode.Scalar(v) else { continue }
            var out: [UInt8] = [0x2A]
            UTF8Text.append(scalar, to: &out)
            XCTAssertEqual(out, [0x2A] + Array(String(Character(scalar)).utf8), "U+\(String(v, radix: 16))")
            XCTAssertTrue(UTF8Text.isValid(out))
        }
    }
}
