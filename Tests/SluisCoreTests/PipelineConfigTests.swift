import XCTest
import SluisCore

final class PipelineConfigTests: XCTestCase {
    private let example = """
    {
      "version": 1, "project": "P2026-0042", "pseudonymKey": "keys/p.pkey",
      "sign": "me.key", "recipients": ["intake.pub"], "rendering": "hex:32",
      "files": [
        { "path": "survey.csv", "delimiter": ";", "encoding": "windows-1252",
          "columns": {
            "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN", "invalid": "reject-row" },
            "Naam": { "action": "drop" },
            "Geboortedatum": { "action": "generalise", "to": "year" },
            "Leeftijd": { "action": "generalise", "to": "band", "width": 10 },
            "Score": "keep",
            "Toelichting": { "action": "keep", "allowIdentifiers": true }
          },
          "pseudonyms": [ { "as": "PSEUDO_DEMO", "from": { "Naam": "name", "Geboortedatum": "date" } } ] } ]
    }
    """

    private func parse(_ text: String) throws -> PipelineConfig {
        try PipelineConfig.parse(Array(text.utf8), file: "pipeline.json")
    }

    private func expectInvalid(_ text: String, path: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text), file: file, line: line) { error in
            guard case let .invalid(_, p, _) = error as? PipelineConfigError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(p, path, file: file, line: line)
            XCTAssertTrue((error as? PipelineConfigError)?.description.contains(path) ?? false, file: file, line: line)
        }
    }

    /// Replaces the first occurrence of `a` in the example with `b`.
    private func variant(_ a: String, _ b: String) -> String {
        guard let r = example.range(of: a) else { XCTFail("no \(a)"); return example }
        return example.replacingCharacters(in: r, with: b)
    }

    func testParsesTheFullShape() throws {
        let c = try parse(example)
        XCTAssertEqual(c.project, "P2026-0042")
        XCTAssertEqual(c.sign, "me.key")
        XCTAssertEqual(c.recipients, ["intake.pub"])
        XCTAssertEqual(c.rendering, .hex(width: 32))
        let f = c.files[0]
        XCTAssertEqual(f.delimiter, 0x3B)
        XCTAssertEqual(f.encoding, .windows1252)
        XCTAssertEqual(f.columns.map(\.name), ["BSN", "Naam", "Geboortedatum", "Leeftijd", "Score", "Toelichting"])
        XCTAssertEqual(f.columns[0].action, .pseudonymise(identifier: .bsn, outputName: "PSEUDO_BSN", invalid: .rejectRow))
        XCTAssertEqual(f.columns[3].action, .generalise(.band(width: 10), invalid: .blank))
        XCTAssertEqual(f.columns[4].action, .keep(allowIdentifiers: false))
        XCTAssertEqual(f.columns[5].action, .keep(allowIdentifiers: true))
        XCTAssertEqual(f.pseudonyms[0].domain?.label, "composite:date+name")
    }

    func testRenderingWithoutKeyPathsRoundTrips() throws {
        let c = try parse(example)
        let manifest = c.json(includingKeyPaths: false).rendered()
        XCTAssertFalse(manifest.contains("pseudonymKey"))
        XCTAssertFalse(manifest.contains("intake.pub"))
        XCTAssertFalse(manifest.contains("me.key"))
        let full = try parse(c.json().rendered())
        XCTAssertEqual(full, c)
    }

    /// `codes` and a band's `decimal` (issue 12): parsed, checked, and written back into the
    /// config JSON that the inner manifest embeds.
    func testCodesAndDecimalRoundTrip() throws {
        let text = variant(#""Naam": { "action": "drop" }"#, #""Naam": { "action": "drop", "codes": {" 1 ": "Jan", "2": "Piet"} }"#)
            .replacingOccurrences(of: #""width": 10 }"#, with: #""width": 10, "decimal": "," }"#)
        let c = try parse(text)
        XCTAssertEqual(c.files[0].column(named: "Naam")?.codes?.pairs.map(\.code), ["1", "2"])
        XCTAssertEqual(c.files[0].column(named: "Leeftijd")?.action, .generalise(.band(width: 10, decimal: 0x2C), invalid: .blank))
        XCTAssertEqual(try parse(c.json().rendered()), c)
        expectInvalid(variant(#""Score": "keep""#, #""Score": { "action": "keep", "codes": {"1": "M"} }"#), path: "files[0].columns.Score.codes")
        expectInvalid(variant(#""Naam": { "action": "drop" }"#, #""Naam": { "action": "drop", "codes": {} }"#), path: "files[0].columns.Naam.codes")
        expectInvalid(variant(#""Naam": { "action": "drop" }"#, #""Naam": { "action": "drop", "codes": {"1": 1} }"#), path: "files[0].columns.Naam.codes.1")
        expectInvalid(variant(#""Naam": { "action": "drop" }"#, #""Naam": { "action": "drop", "codes": {"1": " "} }"#), path: "files[0].columns.Naam.codes.1")
        expectInvalid(variant(#""Naam": { "action": "drop" }"#, #""Naam": { "action": "drop", "codes": {"1": "a", " 1": "b"} }"#), path: "files[0].columns.Naam.codes. 1")
        expectInvalid(variant(#""Naam": { "action": "drop" }"#, #""Naam": { "action": "drop", "codes": {" ": "a"} }"#), path: "files[0].columns.Naam.codes")
        expectInvalid(text.replacingOccurrences(of: ##""decimal": ",""##, with: ##""decimal": ";""##), path: "files[0].columns.Leeftijd.decimal")
        expectInvalid(variant(#""to": "year" }"#, #""to": "year", "decimal": "," }"#), path: "files[0].columns.Geboortedatum.decimal")
        // Only drop columns in a composite may carry codes.
        expectInvalid(variant(#""Score": "keep""#, #""Score": { "action": "drop", "codes": {"1": "M"} }"#), path: "files[0].columns.Score.codes")
    }

    func testErrorsNameTheJSONPath() {
        expectInvalid(variant("\"to\": \"year\"", "\"to\": \"decade\""), path: "files[0].columns.Geboortedatum.to")
        expectInvalid(variant("{ \"action\": \"generalise\", \"to\": \"year\" }", "{ \"action\": \"generalise\" }"), path: "files[0].columns.Geboortedatum.to")
        expectInvalid(variant("\"to\": \"band\", \"width\": 10", "\"to\": \"band\""), path: "files[0].columns.Leeftijd.width")
        expectInvalid(variant("\"identifier\": \"bsn\",", ""), path: "files[0].columns.BSN.identifier")
        expectInvalid(variant("\"identifier\": \"bsn\"", "\"identifier\": \"passport\""), path: "files[0].columns.BSN.identifier")
        expectInvalid(variant("\"encoding\": \"windows-1252\"", "\"encoding\": \"ebcdic\""), path: "files[0].encoding")
        expectInvalid(variant("\"delimiter\": \";\"", "\"delimiter\": \":\""), path: "files[0].delimiter")
        expectInvalid(variant("\"delimiter\": \";\"", "\"colour\": \"red\""), path: "files[0].colour")
        expectInvalid(variant("\"version\": 1,", "\"version\": 1, \"extra\": true,"), path: "extra")
        expectInvalid(variant("\"version\": 1,", "\"version\": 2,"), path: "version")
        expectInvalid(variant("\"version\": 1,", ""), path: "version")
        expectInvalid(variant("\"rendering\": \"hex:32\"", "\"rendering\": \"decimal:9\""), path: "rendering")
        expectInvalid(variant("\"invalid\": \"reject-row\"", "\"invalid\": \"ignore\""), path: "files[0].columns.BSN.invalid")
        expectInvalid(variant("\"Score\": \"keep\"", "\"Score\": { \"action\": \"keep\", \"allowIdentifiers\": \"yes\" }"), path: "files[0].columns.Score.allowIdentifiers")
        expectInvalid(variant("\"Score\": \"keep\"", "\"Score\": { \"action\": \"hide\" }"), path: "files[0].columns.Score.action")
        expectInvalid(variant("\"Naam\": \"name\"", "\"Onbekend\": \"name\""), path: "files[0].pseudonyms[0].from.Onbekend")
        expectInvalid(variant("\"as\": \"PSEUDO_DEMO\"", "\"as\": \"PSEUDO_BSN\""), path: "files[0].pseudonyms[0].as")
        expectInvalid(variant("\"as\": \"PSEUDO_BSN\"", "\"as\": \"Score\""), path: "files[0].columns.Score")
    }

    func testSyntaxErrorsHaveLineAndColumn() {
        XCTAssertThrowsError(try parse("{\n  \"version\": 1,\n  \"project\" \"x\"\n}")) { error in
            guard case let .syntax(_, line, column, _) = error as? PipelineConfigError else { return XCTFail("\(error)") }
            XCTAssertEqual(line, 3)
            XCTAssertEqual(column, 13)
        }
        XCTAssertThrowsError(try parse("{\"a\": 1, \"a\": 2}"))
    }
}
