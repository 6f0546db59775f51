import XCTest
import SluisTestSupport
@testable import SluisOutput

final class OutputPolicyTests: XCTestCase {
    func testTheShippedExampleIsTheBuiltInDefault() throws {
        let example = try OutputPolicy.load(path: CLI.packageRoot + "/examples/output-policy.json")
        XCTAssertEqual(example, OutputPolicy.cbsDefault)
        XCTAssertEqual(example.sha256, OutputPolicy.cbsDefault.sha256)
    }

    func testBadPoliciesNameTheirJSONPath() throws {
        let good = try String(contentsOfFile: CLI.packageRoot + "/examples/output-policy.json", encoding: .utf8)
        func refuse(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try OutputPolicy.parse(Array(text.utf8), path: "p.json"), file: file, line: line) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)", file: file, line: line)
            }
        }
        refuse(good.replacingOccurrences(of: "\"minimumCount\": 10", with: "\"minimumCount\": 0"), "$.table.minimumCount")
        refuse(good.replacingOccurrences(of: "\"minimumCount\": 10,", with: ""), "$.table.minimumCount is missing")
        refuse(good.replacingOccurrences(of: "\"zeroCellsDisclosive\": false", with: "\"zeroCellsDisclosive\": false,\"nkDominance\":{\"n\":1,\"k\":0.9}"),
               "$.table.nkDominance.n")
        refuse(good.replacingOccurrences(of: "\"suppressionMarker\": \"x\"", with: "\"suppressionMarker\": \"0\""), "$.suppressionMarker")
        refuse(good.replacingOccurrences(of: "\"requiredApprovals\": 1", with: "\"requiredApprovals\": 3"), "$.release.requiredApprovals")
        refuse("{", "not JSON")
        XCTAssertNoThrow(try OutputPolicy.parse(Array(good.utf8), path: "p.json"))
    }

    func testVersionChangesTheHash() {
        var p = OutputPolicy.cbsDefault
        p.version = "2"
        XCTAssertNotEqual(p.sha256, OutputPolicy.cbsDefault.sha256)
    }
}

