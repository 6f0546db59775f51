import XCTest
import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
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

    /// Every error message is one lowercase line without data values: each error is produced by
    /// real inputs — configs, registers, data files and key files — holding a planted identifier
    /// and values of the fixture's persons, and no message may hold any of them.
    func testErrorMessagesNameShapesOnly() throws {
        let d = TemporaryDirectory()
        var fixture = LinkFixture(personCount: 8)
        let planted = "123456782"
        var errors: [Error] = []
        func collect(_ body: () throws -> Void) {
            do { try body(); XCTFail("no error (case \(errors.count))") } catch { errors.append(error) }
        }
        // link.json: a wrong type, an unknown setting, not an object — each with the planted value.
        for (i, text) in [#"{"surrogateWidth": "123456782"}"#, #"{"unmatchedCode": 123456782, "registr": 1}"#, "[123456782]"].enumerated() {
            d.write("c\(i).json", text)
            collect { _ = try LinkConfig.load(path: d.file("c\(i).json")) }
        }
        // Registers: a bad RIN, a missing code, a missing column, a duplicate BSN, a collision.
        let register = fixture.registerCSV
        collect { _ = try fixture.buildIndex(register: register + "\(fixture.persons[0].bsn),R,\(planted)x,M,1970-01-01,1234AB,1\n") }
        collect { _ = try fixture.buildIndex(register: register + "\(planted),,100000001,M,1970-01-01,1234AB,1\n") }
        collect { _ = try fixture.buildIndex(register: "bsn,rinpersoons,\(planted)\n\(planted),R,1\n") }
        var twin = fixture.persons[3]
        twin.rin = planted
        fixture.persons.append(twin)
        collect { _ = try fixture.buildIndex() }
        fixture.persons.removeLast()
        collect {  // a collision, under the policy that stops on one (the default skips and counts it)
            var builder = RegisterIndexBuilder(projectKey: fixture.projectKey, projectId: LinkFixture.projectId, rendering: .decimal(width: 1))
            builder.onCollision = .stop
            _ = try builder.build(from: LinkFixture.reader(register, path: "register.csv"))
        }
        // Data files: a missing pseudonym column, a clash with an output column, an unknown domain,
        // another rendering — with rows holding the planted value and a person's BSN.
        let index = try fixture.buildIndex()
        let linker = TableLinker(index: index, surrogateSecret: SecretBytes(copying: [UInt8](repeating: 9, count: 32)),
                                 projectId: LinkFixture.projectId, options: LinkOptions())
        let data = "a,RINPERSOON,b\n\(planted),\(fixture.persons[0].bsn),\(fixture.persons[1].rin)\n"
        for columns in [[PseudonymColumn(name: "bsn_p", domain: "bsn")], [PseudonymColumn(name: "a", domain: "bsn")],
                        [PseudonymColumn(name: "b", domain: "iban")], [PseudonymColumn(name: "b", domain: "bsn", rendering: "hex:32")]] {
            collect {
                _ = try linker.link(source: LinkFixture.reader(data, path: "data.csv"), layout: LinkFileLayout(pseudonymColumns: columns),
                                    sink: CSVWriter(sink: MemorySink()), output: "linked/data.csv")
            }
        }
        // A surrogate key file that holds the planted value instead of a key.
        let keyPath = d.write("s.key", planted + "\n")
        chmod(keyPath, 0o600)
        collect { _ = try SurrogateKey.load(path: keyPath) }

        let identifiers = [planted] + fixture.persons.flatMap { [$0.bsn, $0.rin, $0.birthdate, $0.postcode] }
        XCTAssertGreaterThanOrEqual(errors.count, 13)
        for e in errors {
            guard let error = e as? SluisError else { XCTFail("not a SluisError: \(e)"); continue }
            let text = error.description
            XCTAssertEqual(text.first.map { String($0) }, text.first.map { String($0).lowercased() }, text)
            XCTAssertFalse(text.contains("\n"), text)
            XCTAssertFalse(text.hasSuffix("."), text)
            for id in identifiers { XCTAssertFalse(text.contains(id), "\(text) holds \(id)") }
            XCTAssertTrue([FailureCategory.usage, .data].contains(error.category), text)
        }
    }
}
