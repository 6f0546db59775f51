import XCTest
import SluisCore

final class NormaliserTests: XCTestCase {
    private func ok(_ kind: IdentifierKind, _ input: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(try? Normaliser.normalise(kind, input).get(), expected, "input \(input)", file: file, line: line)
    }
    private func bad(_ kind: IdentifierKind, _ input: String, _ failure: NormalisationFailure, file: StaticString = #filePath, line: UInt = #line) {
        switch Normaliser.normalise(kind, input) {
        case .success: XCTFail("accepted \(input)", file: file, line: line)
        case let .failure(f): XCTAssertEqual(f, failure, "input \(input)", file: file, line: line)
        }
    }

    func testBSN() {
        ok(.bsn, "111222333", "111222333")
        ok(.bsn, "111.222.333", "111222333")
        ok(.bsn, " 111-222 333 ", "111222333")
        ok(.bsn, "123456782", "123456782")
        ok(.bsn, "123456782.0", "123456782")
        // 8 digits get a leading zero: 012345672 passes the check.
        ok(.bsn, "12345672", "012345672")
        bad(.bsn, "123456789", .checksum)
        bad(.bsn, "000000000", .allZeros)
        bad(.bsn, "", .empty)
        bad(.bsn, "  ", .empty)
        bad(.bsn, "1234567", .wrongLength)
        bad(.bsn, "1234567890", .wrongLength)
        bad(.bsn, "12345678x", .invalidCharacters)
    }

    func testDate() {
        for form in ["1984-02-29", "1984/02/29", "19840229", "29-02-1984", "29/2/1984", "29.02.1984", "1984-02-29T10:00:00", " 1984-02-29 00:00 "] {
            ok(.date, form, "1984-02-29")
        }
        bad(.date, "1983-02-29", .impossibleDate)
        bad(.date, "31-04-2000", .impossibleDate)
        bad(.date, "2000-13-01", .impossibleDate)
        bad(.date, "1700-01-01", .outOfRange)
        bad(.date, "84-02-29", .unrecognisedFormat)
        bad(.date, "1984-02/29", .unrecognisedFormat)
        bad(.date, "", .empty)
        bad(.date, "29 feb 1984", .invalidCharacters)
    }

    func testPostcode() {
        ok(.postcode, "1234AB", "1234AB")
        ok(.postcode, "1234 ab", "1234AB")
        ok(.postcode, " 9999 zz ", "9999ZZ")
        bad(.postcode, "0123AB", .unrecognisedFormat)
        bad(.postcode, "1234A", .wrongLength)
        bad(.postcode, "1234ABC", .wrongLength)
        bad(.postcode, "12345B", .unrecognisedFormat)
        bad(.postcode, "", .empty)
    }

    func testHouseNumberSexNameText() {
        ok(.housenumber, "012 a", "12A")
        ok(.housenumber, "7-bis", "7BIS")
        ok(.housenumber, "221", "221")
        bad(.housenumber, "0", .outOfRange)
        bad(.housenumber, "a12", .unrecognisedFormat)
        ok(.sex, "Vrouw", "V")
        ok(.sex, " m ", "M")
        ok(.sex, "2", "V")
        bad(.sex, "x", .unrecognisedFormat)
        ok(.name, "  José  DE\tVries ", "jose de vries")
        ok(.name, "Ĳsselmeer", "ijsselmeer")
        ok(.text, "  A b  ", "A b")
        bad(.text, "   ", .empty)
    }

    func testElevenCheck() {
        let good = Array("111222333".utf8)
        XCTAssertTrue(good.withUnsafeBytes { Normaliser.passesElevenCheck($0) })
        let badValue = Array("111222334".utf8)
        XCTAssertFalse(badValue.withUnsafeBytes { Normaliser.passesElevenCheck($0) })
    }
    /// The exact rules docs/format.md states for names (issue 12): context-free lower-casing
    /// (no final sigma) and Unicode White_Space, not Python's `str.split()` set.
    func testNameLowerCasingAndWhiteSpaceAreAsDocumented() {
        ok(.name, "ΟΔΟΣ", "οδοσ")
        ok(.name, "ΣΑΣ ΚΑΙ", "σασ και")
        ok(.name, "Ｊｏｓé", "jose")
        ok(.name, "ǅemal", "dzemal")
        ok(.name, "Straße", "straße")
        ok(.name, "A\u{85}B\u{a0}C\u{3000}D\u{2029}E", "a b c d e")
        ok(.name, "A\u{1C}B", "a\u{1C}b")
        ok(.name, "a\u{200B}b", "a\u{200B}b")
        bad(.name, " \u{2003}\t", .empty)
    }

    func testHouseNumberStripsCRLFAndSeparatorsEverywhere() {
        ok(.housenumber, "12\r\n", "12")
        ok(.housenumber, "\r\n12 a", "12A")
        ok(.housenumber, "12 A-1\r\n", "12A1")
        bad(.housenumber, "12.a", .invalidCharacters)
        bad(.housenumber, "nr 12", .unrecognisedFormat)
        bad(.housenumber, "0", .outOfRange)
        bad(.housenumber, "12345678", .outOfRange)
        bad(.housenumber, "1 ABCDEFGHIJKLMNOP", .wrongLength)
        ok(.sex, " m a n ", "M")
        bad(.sex, "0", .unrecognisedFormat)
        bad(.sex, "mannelijk", .unrecognisedFormat)
    }
}

final class NormaliserRegressionTests: XCTestCase {
    /// A dotted BSN whose last group is 000 is not a numeric value with a zero fraction.
    func testDottedBSNEndingInZerosKeepsItsLastGroup() {
        XCTAssertEqual(try? Normaliser.normalise(.bsn, "056.748.000").get(), "056748000")
        XCTAssertEqual(try? Normaliser.normalise(.bsn, "56748000.00").get(), "056748000")
    }

    func testDateNormalisationIsUnchangedByTheAllocationFreeRewrite() {
        XCTAssertEqual(try? Normaliser.normalise(.date, "5-3-2001").get(), "2001-03-05")
        XCTAssertEqual(try? Normaliser.normalise(.date, "2001.3.5").get(), "2001-03-05")
        XCTAssertEqual(try? Normaliser.normalise(.date, "1.2.3.2001").get(), nil)
        XCTAssertEqual(try? Normaliser.normalise(.housenumber, "0123456").get(), nil)
        XCTAssertEqual(try? Normaliser.normalise(.housenumber, "99999").get(), "99999")
    }

    /// Nine plain digits take a fast path; with a leading space the same value takes the general
    /// one. Both must agree on every outcome (valid, failed 11-check, all zeros, non-digits).
    func testNinePlainDigitsFastPathAgreesWithTheGeneralPath() {
        var state: UInt64 = 0x9E37_79B9
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        var valid = 0
        for round in 0..<20_000 {
            var chars = (0..<9).map { _ in Character(String(next() % 10)) }
            if round % 7 == 0 { chars[Int(next() % 9)] = ["/", ":", "a", "-", " "][Int(next() % 5)] }
            if round == 1 { chars = Array("000000000") }
            let value = String(chars)
            let fast = Normaliser.normalise(.bsn, value)
            XCTAssertEqual(fast, Normaliser.normalise(.bsn, " " + value), value)
            if case .success = fast { valid += 1 }
        }
        XCTAssertGreaterThan(valid, 1000)  // about one in eleven passes the check
        XCTAssertEqual(Normaliser.normalise(.bsn, "000000000"), .failure(.allZeros))
        XCTAssertEqual(Normaliser.normalise(.bsn, "123456782"), .success("123456782"))
        XCTAssertEqual(Normaliser.normalise(.bsn, "123456781"), .failure(.checksum))
    }
}
