import XCTest
import SluisCore
@testable import SluisOutput

final class OutputErrorTests: XCTestCase {
    /// Every error is one lowercase line with the right exit category; none carries a value
    /// (the cases have no place for one: files, lines, columns and details written by sluis).
    func testEveryErrorIsOneLowercaseLine() {
        let errors: [OutputError] = [
            .policyInvalid(path: "p.json", detail: "$.table.minimumCount must be at least 1"),
            .unknownColumn(path: "d.csv", column: "income"), .notANumber(path: "d.csv", line: 3, column: "income"),
            .usage("give at least one --x variable"), .modelRefused(path: "d.csv", detail: "residual degrees of freedom 9 < 10"),
            .suppressionFailed(detail: "no safe pattern"), .evidenceInvalid(path: "e.json", detail: "it cannot be read"),
            .requestInvalid(path: "r", detail: "it is not a folder"), .approvalRefused(file: "t.csv", detail: "the check says fail"),
            .countersignatureInvalid(path: "a.json", detail: "the signature is not valid"), .outputExists(path: "t.csv"),
        ]
        let categories = errors.map(\.category)
        XCTAssertEqual(categories, [.usage, .usage, .data, .usage, .data, .data, .verification, .data, .data, .verification, .usage])
        for e in errors {
            XCTAssertFalse(e.description.contains("\n"))
            XCTAssertEqual(e.description.first.map { String($0).lowercased() }, e.description.first.map(String.init))
        }
    }
}
