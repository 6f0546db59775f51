import Foundation
import XCTest
import SluisCore

final class UntrustedTextTests: XCTestCase {
    func testEscapesControlsBidiAndFormatCharacters() {
        XCTAssertEqual(UntrustedText.escaped("P2026-0042"), "P2026-0042")
        XCTAssertEqual(UntrustedText.escaped("a\u{1B}[2Jb"), "a\\u{001B}[2Jb")
        XCTAssertEqual(UntrustedText.escaped("\u{07}\u{7F}\u{85}\u{9B}"), "\\u{0007}\\u{007F}\\u{0085}\\u{009B}")
        XCTAssertEqual(UntrustedText.escaped("x\u{202E}y\u{2066}z\u{200F}"), "x\\u{202E}y\\u{2066}z\\u{200F}")
        XCTAssertEqual(UntrustedText.escaped("\u{200B}\u{FEFF}\u{AD}\u{2028}\u{E0041}"), "\\u{200B}\\u{FEFF}\\u{00AD}\\u{2028}\\u{E0041}")
        // Letters of every script, accents and emoji are shown as they are.
        XCTAssertEqual(UntrustedText.escaped("Straße, ﬁle, Ａ, مرحبا, 😀"), "Straße, ﬁle, Ａ, مرحبا, 😀")
    }

    func testIsIdempotentAndCuts() {
        let hostile = "a\u{1B}b\u{202E}c"
        XCTAssertEqual(UntrustedText.escaped(UntrustedText.escaped(hostile)), UntrustedText.escaped(hostile))
        XCTAssertEqual(UntrustedText.escaped(String(repeating: "x", count: 10), maxScalars: 4), "xxxx…(6 more characters)")
        XCTAssertTrue(UntrustedText.isPlain("P2026-0042"))
        XCTAssertFalse(UntrustedText.isPlain("P\u{202E}"))
        XCTAssertFalse(UntrustedText.isPlain("xxxxx", maxScalars: 4))
    }

    func testJSONEscapingKeepsTheMeaning() throws {
        let value = ["name": "a\u{202E}b\u{85}c\u{7F}d\u{E0041}é"]
        let bytes = try CanonicalJSON.bytes(value)
        for u in String(decoding: bytes, as: UTF8.self).unicodeScalars { XCTAssertFalse(UntrustedText.needsEscape(u) && u != "\n", "\(u)") }
        let back = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: String]
        XCTAssertEqual(back, value)
    }
}
