import XCTest
import SluisCore
import SluisTestSupport
@testable import SluisLink

final class LinkConfigTests: XCTestCase {
    /// examples/link.json reads, and its paths become relative to the file.
    func testExampleConfig() throws {
        let config = try LinkConfig.load(path: CLI.packageRoot + "/examples/link.json")
        XCTAssertEqual(config.register?.path, CLI.packageRoot + "/examples/register.csv")
        XCTAssertEqual(config.inputs, [CLI.packageRoot + "/examples/opened"])
        XCTAssertEqual(config.options, LinkOptions())
        let layout = config.layout(forFile: "x/survey.csv")
        XCTAssertEqual(layout.pseudonymColumns.map(\.name), ["BSN_P", "DEMO_P"])
        XCTAssertEqual(config.domainsNeeded(for: [layout]), [LinkDomains.bsn, LinkDomains.demographic])
    }

    /// Per-file layouts win; register columns default when left out.
    func testPerFileLayoutAndDefaults() throws {
        let d = TemporaryDirectory()
        d.write("link.json", """
            {"register": {"columns": {"bsn": "BSN"}}, "unmatchedCode": "X", "surrogateWidth": 12,
             "output": {"rinpersoon": "RIN"},
             "pseudonymColumns": [{"name": "P", "domain": "bsn"}],
             "files": {"births.csv": {"pseudonymColumns": [{"name": "C", "domain": "bsn"}, {"name": "M", "domain": "bsn"}],
                                      "personKeys": [{"name": "child", "columns": ["C"]}, {"name": "mother", "columns": ["M"]}]}}}
            """)
        let config = try LinkConfig.load(path: d.file("link.json"))
        XCTAssertEqual(config.register?.columns, RegisterColumns(bsn: "BSN"))
        XCTAssertEqual(config.options, LinkOptions(rinpersoonColumn: "RIN", unmatchedCode: "X", surrogateWidth: 12))
        XCTAssertEqual(config.layout(forFile: "/a/births.csv").personKeys?.map(\.name), ["child", "mother"])
        XCTAssertEqual(config.layout(forFile: "/a/other.csv").pseudonymColumns.map(\.name), ["P"])
    }

    /// Misspelt settings and wrong types are errors that name the setting.
    func testBadConfigs() {
        let d = TemporaryDirectory()
        d.write("a.json", #"{"registr": {}}"#)
        XCTAssertThrowsError(try LinkConfig.load(path: d.file("a.json"))) {
            XCTAssertEqual($0 as? LinkError, .configInvalid(source: d.file("a.json"), reason: "unknown setting 'registr'; see docs/intake.md for the settings"))
            XCTAssertEqual(($0 as? LinkError)?.category, .usage)
        }
        d.write("b.json", #"{"surrogateWidth": "nine"}"#)
        XCTAssertThrowsError(try LinkConfig.load(path: d.file("b.json"))) { XCTAssertTrue("\($0)".contains("surrogateWidth"), "\($0)") }
        d.write("c.json", "[1]")
        XCTAssertThrowsError(try LinkConfig.load(path: d.file("c.json")))
    }

    /// Every error message is a lowercase sentence without data values.
    func testErrorMessagesNameShapesOnly() {
        let errors: [LinkError] = [
            .registerColumnMissing(file: "r.csv", role: "bsn", column: "BSN"), .registerCodeMissing(file: "r.csv", line: 3, column: "c"),
            .tooManyRegisterCodes(file: "r.csv", line: 3, column: "c", limit: 15), .registerRINInvalid(file: "r.csv", line: 3, column: "c", expectedWidth: 9),
            .duplicateRegisterBSN(file: "r.csv", firstLine: 2, secondLine: 3), .pseudonymCollision(file: "r.csv", domain: "bsn", firstLine: 2, secondLine: 3),
            .domainNotInRegister(domain: "name"), .pseudonymColumnMissing(file: "d.csv", column: "P"),
            .unknownDomain(file: "d.csv", column: "P", domain: "iban"), .renderingMismatch(file: "d.csv", column: "P", rendering: "hex:32", indexRendering: "decimal:17"),
            .ambiguousPersonKeys(file: "d.csv", domain: "bsn"), .badPersonKey(file: "d.csv", personKey: "k", reason: "names no column"),
            .outputColumnClash(file: "d.csv", column: "RINPERSOON"), .surrogateKeyInvalid(path: "s.key", reason: "the file is empty"),
            .configInvalid(source: "link.json", reason: "is not a JSON object"), .noInputs(path: "in"),
        ]
        for e in errors {
            let text = e.description
            XCTAssertEqual(text.first.map { String($0) }, text.first.map { String($0).lowercased() }, text)
            XCTAssertFalse(text.hasSuffix("."), text)
            XCTAssertTrue([FailureCategory.usage, .data].contains(e.category))
        }
    }
}
