import XCTest
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisTestSupport
import Foundation
@testable import SluisLink

final class TableLinkerTests: XCTestCase {
    static let layout = LinkFileLayout(pseudonymColumns: [
        PseudonymColumn(name: "bsn_p", domain: "bsn"),
        PseudonymColumn(name: "demo_p", domain: "composite:sex+date+postcode+housenumber"),
    ])
    let surrogateSecret = SecretBytes(copying: [UInt8](repeating: 9, count: 32))

    struct DataFile {
        var text = "id,bsn_p,income,demo_p\n"
        /// Expected RINPERSOON per row, "" for rows that must not link.
        var truth: [String] = []
    }

    /// Rows of every kind, with known outcomes: BSN matches, demographic fall-backs (empty BSN,
    /// malformed BSN pseudonym, unregistered BSN), strangers, rows with no key at all, twins.
    func makeData(_ fixture: inout LinkFixture) -> (DataFile, expected: [String: Int]) {
        var d = DataFile()
        var row = 0
        func add(_ bsn: String, _ demo: String, _ rin: String) {
            row += 1
            d.text += "\(row),\(bsn),\(1000 + row),\(demo)\n"
            d.truth.append(rin)
        }
        // 40 rows matched on BSN (messy BSN spellings normalise to the same pseudonym).
        for p in fixture.persons.prefix(40) {
            let messy = p.bsn.prefix(4) + " " + p.bsn.dropFirst(4)
            add(fixture.bsnPseudonym(String(messy)), fixture.demographicPseudonym(of: p), p.rin)
        }
        // 15 rows with an empty BSN pseudonym, matched on the demographic key (messy values).
        for p in fixture.persons[40..<55] {
            let parts = p.birthdate.split(separator: "-")
            let dutchDate = "\(Int(parts[2])!)-\(Int(parts[1])!)-\(parts[0])"
            add("", fixture.demographicPseudonym(sex: p.sex == "M" ? "man" : "vrouw", birthdate: dutchDate,
                                                 postcode: p.postcode.prefix(4) + " " + p.postcode.suffix(2).lowercased(),
                                                 housenumber: "0" + p.housenumber), p.rin)
        }
        // 12 rows whose BSN pseudonym is malformed, matched on the demographic key.
        for p in fixture.persons[55..<67] { add("12345", fixture.demographicPseudonym(of: p), p.rin) }
        // 11 rows of people whose BSN is not in the register but whose demographics are.
        for p in fixture.persons[67..<78] { add(fixture.bsnPseudonym(fixture.makeBSN()), fixture.demographicPseudonym(of: p), p.rin) }
        // 13 strangers (neither key registered), each twice: same surrogate for both rows.
        for _ in 0..<13 {
            let stranger = fixture.makePerson(bsn: fixture.makeBSN(), rin: "")
            let b = fixture.bsnPseudonym(stranger.bsn), dp = fixture.demographicPseudonym(of: stranger)
            add(b, dp, "")
            add(b, "", "")
        }
        // 10 rows without any usable key.
        for _ in 0..<10 { add("", "", "") }
        let expected = ["rows": 114, "bsnMatched": 40, "bsnInvalid": 15 + 12 + 10, "bsnUnmatched": 11 + 26,
                        "demoRows": 74, "demoMatched": 15 + 12 + 11, "demoUnmatched": 13, "demoInvalid": 13 + 10,
                        "linked": 78, "unlinked": 26, "withoutKey": 10]
        return (d, expected)
    }

    func link(_ fixture: LinkFixture, _ data: String, layout: LinkFileLayout = layout,
              options: LinkOptions = LinkOptions()) throws -> (FileLinkReport, [[String]]) {
        let index = try fixture.buildIndex()
        let linker = TableLinker(index: index, surrogateSecret: surrogateSecret, projectId: LinkFixture.projectId, options: options)
        let out = MemorySink()
        let report = try linker.link(source: LinkFixture.reader(data, path: "data.csv"), layout: layout,
                                     sink: CSVWriter(sink: out), output: "linked/data.csv")
        return (report, csvRows(out.bytes))
    }

    func testCascadeLinksEveryRowToItsTruth() throws {
        var fixture = LinkFixture(personCount: 120)
        let (data, expected) = makeData(&fixture)
        let (report, rows) = try link(fixture, data.text)
        XCTAssertEqual(rows[0], ["id", "RINPERSOONS", "RINPERSOON", "income"])
        XCTAssertEqual(rows.count, 1 + data.truth.count)
        var surrogateOf: [String: String] = [:]
        for (i, truth) in data.truth.enumerated() {
            let r = rows[i + 1]
            XCTAssertEqual(r[0], String(i + 1))
            XCTAssertEqual(r[3], String(1001 + i))
            if truth.isEmpty {
                XCTAssertEqual(r[1], "S", "row \(i + 1)")
                XCTAssertFalse(fixture.persons.contains { $0.rin == r[2] && !r[2].isEmpty })
            } else {
                XCTAssertEqual(r[1], "R", "row \(i + 1)")
                XCTAssertEqual(r[2], truth, "row \(i + 1)")
            }
        }
        // Strangers: both rows of one stranger share a 9-digit surrogate; different strangers differ.
        for i in stride(from: 78, to: 104, by: 2) where i + 1 < data.truth.count {
            let a = rows[i + 1], b = rows[i + 2]
            XCTAssertEqual(a[2], b[2])
            XCTAssertEqual(a[2].count, 9)
            XCTAssertNil(surrogateOf[a[2]])
            surrogateOf[a[2]] = a[0]
        }
        // Rows without a key: S and an empty RINPERSOON.
        for r in rows.suffix(10) { XCTAssertEqual(Array(r[1...2]), ["S", ""]) }

        // The report's counts are exact.
        XCTAssertEqual(report.rows, expected["rows"])
        let person = try XCTUnwrap(report.personKeys.first)
        XCTAssertEqual(report.personKeys.count, 1)
        XCTAssertEqual(person.rows, expected["rows"])
        XCTAssertEqual(person.linked, expected["linked"])
        XCTAssertEqual(person.unlinked, expected["unlinked"])
        XCTAssertEqual(person.withoutKey, expected["withoutKey"])
        let bsn = person.keys[0], demo = person.keys[1]
        XCTAssertEqual(bsn.domain, "bsn")
        XCTAssertEqual(bsn.column, "bsn_p")
        XCTAssertEqual(bsn.rows, expected["rows"])
        XCTAssertEqual(bsn.matched, expected["bsnMatched"])
        XCTAssertEqual(bsn.invalid, expected["bsnInvalid"])
        XCTAssertEqual(bsn.unmatched, expected["bsnUnmatched"])
        XCTAssertEqual(bsn.duplicates, 0)
        XCTAssertEqual(demo.domain, LinkDomains.demographic.label)
        XCTAssertEqual(demo.rows, expected["demoRows"])
        XCTAssertEqual(demo.matched, expected["demoMatched"])
        XCTAssertEqual(demo.unmatched, expected["demoUnmatched"])
        XCTAssertEqual(demo.invalid, expected["demoInvalid"])
        XCTAssertEqual(demo.duplicates, 0)
        XCTAssertEqual(demo.rows, demo.matched + demo.unmatched + demo.invalid + demo.duplicates)

        // No pseudonym survives anywhere in the output.
        let pseudonyms = Set(data.text.split(whereSeparator: { $0 == "," || $0 == "\n" }).map(String.init).filter { $0.count == 17 })
        XCTAssertFalse(pseudonyms.isEmpty)
        for r in rows { for v in r { XCTAssertFalse(pseudonyms.contains(v)) } }
    }

    /// A demographic key shared by register twins counts as a duplicate and is not linked on.
    func testTwinsCountAsDuplicates() throws {
        var fixture = LinkFixture(personCount: 30)
        var twin = fixture.persons[2]
        twin.bsn = fixture.makeBSN()
        twin.rin = "777777777"
        fixture.persons.append(twin)
        let data = "id,bsn_p,income,demo_p\n1,,5,\(fixture.demographicPseudonym(of: twin))\n2,\(fixture.bsnPseudonym(twin.bsn)),6,\(fixture.demographicPseudonym(of: twin))\n"
        let (report, rows) = try link(fixture, data)
        XCTAssertEqual(rows[1][1], "S")
        XCTAssertEqual(rows[2][1...2], ["R", "777777777"])
        XCTAssertEqual(report.personKeys[0].keys[1].duplicates, 1)
    }

    /// Several person keys: columns are prefixed and placed where each person's first pseudonym was.
    func testSeveralPersonKeys() throws {
        let fixture = LinkFixture(personCount: 30)
        let a = fixture.persons[0], b = fixture.persons[1]
        let data = "child,x,mother\n\(fixture.bsnPseudonym(a.bsn)),1,\(fixture.bsnPseudonym(b.bsn))\n"
        let layout = LinkFileLayout(pseudonymColumns: [PseudonymColumn(name: "child", domain: "bsn"), PseudonymColumn(name: "mother", domain: "bsn")],
                                    personKeys: [PersonKey(name: "kind", columns: ["child"]), PersonKey(name: "moeder", columns: ["mother"])])
        let (report, rows) = try link(fixture, data, layout: layout, options: LinkOptions(rinpersoonsColumn: "RINPERSOONS", rinpersoonColumn: "RINPERSOON"))
        XCTAssertEqual(rows[0], ["kind_RINPERSOONS", "kind_RINPERSOON", "x", "moeder_RINPERSOONS", "moeder_RINPERSOON"])
        XCTAssertEqual(rows[1], ["R", a.rin, "1", "R", b.rin])
        XCTAssertEqual(report.personKeys.map(\.linked), [1, 1])
        // Without person keys the grouping is ambiguous.
        XCTAssertThrowsError(try link(fixture, data, layout: LinkFileLayout(pseudonymColumns: layout.pseudonymColumns))) { error in
            XCTAssertEqual(error as? LinkError, .ambiguousPersonKeys(file: "data.csv", domain: "bsn"))
        }
    }

    /// Pseudonym columns the register cannot link (a name pseudonym) are removed all the same.
    func testUnlinkablePseudonymColumnsAreRemoved() throws {
        let fixture = LinkFixture(personCount: 10)
        let p = fixture.persons[0]
        let data = "name_p,bsn_p,v\n12345678901234567,\(fixture.bsnPseudonym(p.bsn)),x\n"
        let layout = LinkFileLayout(pseudonymColumns: [PseudonymColumn(name: "name_p", domain: "name"), PseudonymColumn(name: "bsn_p", domain: "bsn")])
        let (_, rows) = try link(fixture, data, layout: layout)
        XCTAssertEqual(rows, [["RINPERSOONS", "RINPERSOON", "v"], ["R", p.rin, "x"]])
    }

    /// Layout errors name the file and column.
    func testLayoutErrors() throws {
        let fixture = LinkFixture(personCount: 5)
        let data = "a,RINPERSOON\n1,2\n"
        XCTAssertThrowsError(try link(fixture, data, layout: LinkFileLayout(pseudonymColumns: [PseudonymColumn(name: "bsn_p", domain: "bsn")]))) {
            XCTAssertEqual($0 as? LinkError, .pseudonymColumnMissing(file: "data.csv", column: "bsn_p"))
        }
        XCTAssertThrowsError(try link(fixture, data, layout: LinkFileLayout(pseudonymColumns: [PseudonymColumn(name: "a", domain: "bsn")]))) {
            XCTAssertEqual($0 as? LinkError, .outputColumnClash(file: "data.csv", column: "RINPERSOON"))
        }
        XCTAssertThrowsError(try link(fixture, data, layout: LinkFileLayout(pseudonymColumns: [PseudonymColumn(name: "a", domain: "iban")]))) {
            XCTAssertEqual($0 as? LinkError, .unknownDomain(file: "data.csv", column: "a", domain: "iban"))
        }
        XCTAssertThrowsError(try link(fixture, data, layout: LinkFileLayout(pseudonymColumns: [PseudonymColumn(name: "a", domain: "bsn", rendering: "hex:32")]))) {
            XCTAssertEqual($0 as? LinkError, .renderingMismatch(file: "data.csv", column: "a", rendering: "hex:32", indexRendering: "decimal:17"))
        }
    }

    /// Surrogates are stable, depend on the intake's secret and the project, and honour the width.
    func testSurrogates() {
        let a = SurrogateGenerator(secret: surrogateSecret, projectId: "A", width: 9)
        let a2 = SurrogateGenerator(secret: surrogateSecret, projectId: "A", width: 9)
        let b = SurrogateGenerator(secret: surrogateSecret, projectId: "B", width: 9)
        let c = SurrogateGenerator(secret: SecretBytes(copying: [UInt8](repeating: 1, count: 32)), projectId: "A", width: 12)
        func s(_ g: SurrogateGenerator, _ key: UInt64) -> String {
            var out = [UInt8](repeating: 0, count: g.width)
            out.withUnsafeMutableBytes { g.surrogate(domain: LinkDomains.bsn, key: key, into: $0) }
            return String(decoding: out, as: UTF8.self)
        }
        XCTAssertEqual(s(a, 12345), s(a2, 12345))
        XCTAssertNotEqual(s(a, 12345), s(a, 12346))
        XCTAssertNotEqual(s(a, 12345), s(b, 12345))
        XCTAssertEqual(s(c, 1).count, 12)
        XCTAssertTrue(s(a, 1).allSatisfy(\.isNumber))
    }

    /// The report shows counts below 10 as <10, in text and JSON.
    func testReportHidesSmallCounts() throws {
        var fixture = LinkFixture(personCount: 120)
        let (data, _) = makeData(&fixture)
        let (fileReport, _) = try link(fixture, data.text)
        let report = LinkReport(files: [fileReport])
        let text = report.text
        XCTAssertTrue(text.contains("114 rows"), text)
        XCTAssertTrue(text.contains("linked 78, unlinked 26, without key 10 of 114 rows (68.4 %)"), text)
        XCTAssertTrue(text.contains("overall link rate: 68.4 %"), text)
        XCTAssertTrue(text.contains("<10"), text)   // bsn duplicates = 0
        let json = try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any]
        let files = json?["files"] as? [[String: Any]]
        let keys = (files?.first?["personKeys"] as? [[String: Any]])?.first?["matchKeys"] as? [[String: Any]]
        XCTAssertEqual(keys?.first?["matched"] as? Int, 40)
        XCTAssertEqual(keys?.first?["duplicates"] as? String, "<10")
        XCTAssertEqual(json?["linkRate"] as? Double, 0.684)
        // Nothing identifying: no pseudonym or RIN appears in the report.
        for p in fixture.persons { XCTAssertFalse(text.contains(p.rin) || report.json.contains(p.rin)) }
    }

    /// Linking files writes every output atomically, or none when one file fails.
    func testFilesAreAllOrNothing() throws {
        var fixture = LinkFixture(personCount: 120)
        let (data, _) = makeData(&fixture)
        let dir = TemporaryDirectory()
        try FileSystem.makeDirectories(dir.file("in"))
        dir.write("in/a.csv", data.text)
        dir.write("in/b.csv", "id,other\n1,2\n")
        dir.write("in/manifest.json", "{}")
        let index = try fixture.buildIndex()
        let linker = TableLinker(index: index, surrogateSecret: surrogateSecret, projectId: LinkFixture.projectId)
        let files = try LinkFiles.expand([dir.file("in")])
        XCTAssertEqual(files.map { splitPath($0).name }, ["a.csv", "b.csv"])
        XCTAssertThrowsError(try LinkFiles.run(files.map { LinkInput(path: $0, layout: Self.layout) }, outputDirectory: dir.file("out"), linker: linker))
        XCTAssertEqual(try FileSystem.list(dir.file("out")), [])
        let report = try LinkFiles.run([LinkInput(path: files[0], layout: Self.layout), LinkInput(path: files[1], layout: LinkFileLayout(pseudonymColumns: []))],
                                       outputDirectory: dir.file("out"), linker: linker)
        XCTAssertEqual(try FileSystem.list(dir.file("out")), ["a.csv", "b.csv"])
        XCTAssertEqual(report.files.map(\.rows), [114, 1])
        XCTAssertEqual(dir.read("out/b.csv"), Array("id,other\n1,2\n".utf8))
    }

    /// The surrogate key file: generated with mode 0600, refused when others may read it.
    func testSurrogateKeyFile() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("surrogate.key")
        try SurrogateKey.generate(path: path)
        XCTAssertEqual(FileSystem.mode(path), 0o600)
        let key = try SurrogateKey.load(path: path)
        XCTAssertEqual(key.count, 32)
        XCTAssertThrowsError(try SurrogateKey.generate(path: path))
        chmod(path, 0o644)
        XCTAssertThrowsError(try SurrogateKey.load(path: path)) { XCTAssertTrue("\($0)".contains("readable by others")) }
        dir.write("short.key", "abcd\n")
        chmod(dir.file("short.key"), 0o600)
        XCTAssertThrowsError(try SurrogateKey.load(path: dir.file("short.key")))
    }

    /// A malformed data file (a ragged row) stops linking with the reader's error and leaves no output.
    func testBadDataFileLeavesNothing() throws {
        let fixture = LinkFixture(personCount: 10)
        let dir = TemporaryDirectory()
        var text = "bsn_p,v\n"
        for i in 0..<3000 { text += "\(fixture.bsnPseudonym(fixture.persons[i % 10].bsn)),\(i)\n" }
        text += "1,2,3\n"
        dir.write("bad.csv", text)
        let linker = TableLinker(index: try fixture.buildIndex(), surrogateSecret: surrogateSecret, projectId: LinkFixture.projectId)
        let layout = LinkFileLayout(pseudonymColumns: [PseudonymColumn(name: "bsn_p", domain: "bsn")])
        XCTAssertThrowsError(try LinkFiles.run([LinkInput(path: dir.file("bad.csv"), layout: layout)], outputDirectory: dir.file("out"), linker: linker)) {
            XCTAssertTrue("\($0)".contains("3002"), "\($0)")
        }
        XCTAssertEqual(try FileSystem.list(dir.file("out")), [])
        // An empty register still gives 9-digit surrogates.
        let empty = try fixture.buildIndex(register: "bsn,rinpersoons,rinpersoon,sex,birthdate,postcode,housenumber\n")
        let out = MemorySink()
        let report = try TableLinker(index: empty, surrogateSecret: surrogateSecret, projectId: "P").link(
            source: LinkFixture.reader("bsn_p\n\(fixture.bsnPseudonym(fixture.persons[0].bsn))\n", path: "d.csv"), layout: layout,
            sink: CSVWriter(sink: out), output: "o")
        XCTAssertEqual(report.personKeys[0].unlinked, 1)
        XCTAssertEqual(csvRows(out.bytes)[1][1].count, 9)
    }
}

/// The link table formats pick a file by DataFileFormat's one extension table.
final class LinkTableFormatChoiceTests: XCTestCase {
    func testEachFormatReadsExactlyItsExtensions() {
        for (path, expected) in [("a.csv", "csv"), ("a.TSV", "csv"), ("a.txt", "csv"), ("a.sav", "readstat"),
                                 ("a.ZSAV", "readstat"), ("a.Dta", "readstat"), ("a.xlsx", nil), (".sav", nil),
                                 (".csv", nil), ("a", nil), ("a.csv.gz", nil)] as [(String, String?)] {
            let csv = CSVTableFormat().canRead(path: path), readStat = ReadStatTableFormat().canRead(path: path)
            XCTAssertEqual(csv ? "csv" : readStat ? "readstat" : nil, expected, path)
            XCTAssertFalse(csv && readStat, path)
        }
    }
}
