import XCTest
import SluisCore

final class ResidualScannerTests: XCTestCase {
    private func kinds(_ text: String) -> Set<ResidualKind> {
        let bits = Array(text.utf8).withUnsafeBytes { ResidualScanner.scan($0) }
        return Set(ResidualKind.allCases.filter { bits & $0.bit != 0 })
    }

    func testFindsEachKind() {
        XCTAssertEqual(kinds("bsn 123456782 genoemd"), [.bsn])
        XCTAssertEqual(kinds("bsn 123.456.782"), [.bsn])
        XCTAssertEqual(kinds("123 456 782"), [.bsn])
        XCTAssertEqual(kinds("mail j.de-vries@example.nl."), [.email])
        XCTAssertEqual(kinds("bel 06-12345678"), [.phone])
        XCTAssertEqual(kinds("bel 0612345678"), [.phone])
        XCTAssertEqual(kinds("tel +31 6 1234 5678"), [.phone])
        XCTAssertEqual(kinds("tel 020-1234567"), [.phone])
        XCTAssertEqual(kinds("rekening NL91ABNA0417164300"), [.iban])
        XCTAssertEqual(kinds("rekening NL91 ABNA 0417 1643 00"), [.iban])
        XCTAssertEqual(kinds("Dorpsstraat 12, 1234 AB Utrecht"), [.postcodeHouseNumber])
        XCTAssertEqual(kinds("1234ab 7"), [.postcodeHouseNumber])
    }

    func testLeavesOrdinaryValuesAlone() {
        for text in ["123456789", "12345678", "1234567890123", "42", "tevreden", "score 12.5 op 3 april", "NL91ABNA0417164301",
                     "1234 AB", "a@b", "zie @jan", "2024-01-31", "€ 1.234.567,89", "0000000000"] {
            XCTAssertEqual(kinds(text), [], text)
        }
    }
}
