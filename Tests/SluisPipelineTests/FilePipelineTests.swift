import XCTest
import SluisCore
import SluisIO
import SluisPipeline
import SluisTestSupport

final class FilePipelineTests: PipelineTestCase {
    func testSamePersonWrittenDifferentlyGetsTheSamePseudonyms() throws {
        let csv = """
        id,bsn,sex,birth,pc,hn
        1,123456782,M,1984-02-29,1234AB,12a
        2,123.456.782,man,29-2-1984,1234 ab,012 A
        3, 123 456 782 ,1,29/02/1984,1234ab,12-a
        4,123456782.0,m,19840229, 1234 AB ,12A
        5,12345672,V,1984-02-29,1234AB,12a
        6,012345672,vrouw,1984-02-29,1234AB,12a
        """
        let p = try load(csv, columns: """
            { "id": "keep", "bsn": { "action": "pseudonymise", "identifier": "bsn", "as": "P" },
              "sex": "drop", "birth": "drop", "pc": "drop", "hn": "drop" }
            """, extra: """
            , "pseudonyms": [ { "as": "DEMO", "from": { "sex": "sex", "birth": "date", "pc": "postcode", "hn": "housenumber" } } ]
            """)
        let (rows, report, _) = try output(p)
        XCTAssertEqual(rows[0], ["id", "P", "DEMO"])
        let bsn = rows.dropFirst().map { $0[1] }
        let demo = rows.dropFirst().map { $0[2] }
        XCTAssertEqual(Set(bsn[0..<4]).count, 1)
        XCTAssertEqual(Set(bsn[4..<6]).count, 1)
        XCTAssertNotEqual(bsn[0], bsn[4])
        XCTAssertEqual(Set(demo[0..<4]).count, 1)
        XCTAssertEqual(Set(demo[4..<6]).count, 1)
        XCTAssertNotEqual(demo[0], demo[4])
        XCTAssertTrue(bsn.allSatisfy { $0.count == 17 && $0.allSatisfy(\.isNumber) })
        XCTAssertEqual(report.rowsIn, 6)
        XCTAssertEqual(report.invalid, [])
    }

    func testDifferentPeopleGetDifferentPseudonymsAndOutputIsDeterministic() throws {
        var csv = "bsn,x\n"
        var count = 0
        var n = 100_000_000
        while count < 2000 {
            n += 7
            let s = String(n)
            if Array(s.utf8).withUnsafeBytes({ Normaliser.passesElevenCheck($0) }) { csv += "\(s),\(count)\n"; count += 1 }
        }
        let p = try load(csv, columns: "{ \"bsn\": { \"action\": \"pseudonymise\", \"identifier\": \"bsn\" }, \"x\": \"keep\" }")
        let first = try output(p)
        XCTAssertEqual(Set(first.rows.dropFirst().map { $0[0] }).count, 2000)
        XCTAssertEqual(try output(p).bytes, first.bytes)
    }

    func testInvalidIdentifierPolicies() throws {
        let csv = "a,b,c\n123456782,x,1990-01-01\n123456789,y,1990-02-30\n,z,1990-03-01\n"
        let blank = try load(csv, columns: """
            { "a": { "action": "pseudonymise", "identifier": "bsn" }, "b": "keep", "c": { "action": "generalise", "to": "year" } }
            """)
        let (rows, report, _) = try output(blank)
        XCTAssertEqual(rows.map { $0[1] }, ["b", "x", "y", "z"])
        XCTAssertEqual(rows.map { $0[0].isEmpty }, [false, false, true, true])
        XCTAssertEqual(rows.map { $0[2] }, ["c", "1990", "", "1990"])
        XCTAssertEqual(report.invalid.map { "\($0.column) \($0.reason) \($0.tally.count) \($0.tally.lines)" },
                       ["a empty 1 [4]", "a failed-11-check 1 [3]", "c impossible-date 1 [3]"])

        let reject = try load(csv, columns: """
            { "a": { "action": "pseudonymise", "identifier": "bsn", "invalid": "reject-row" }, "b": "keep", "c": "drop" }
            """)
        let rejected = try output(reject)
        XCTAssertEqual(rejected.rows.map { $0[1] }, ["b", "x"])
        XCTAssertEqual(rejected.report.rowsRejected, 2)
        XCTAssertEqual(rejected.report.rowsOut, 1)

        let fail = try load(csv, columns: """
            { "a": { "action": "pseudonymise", "identifier": "bsn", "invalid": "fail" }, "b": "keep", "c": "drop" }
            """)
        XCTAssertThrowsError(try output(fail)) { error in
            let text = (error as? SluisError)?.description ?? ""
            XCTAssertTrue(text.contains("data.csv:3: column 1 (a)"), text)
            XCTAssertFalse(text.contains("123456789"), text)
        }
    }

    func testKeptValuesPassThroughByteForByteAfterReencoding() throws {
        // Windows-1252 input: "Zoë" and "€" become UTF-8; quoting is only added where needed.
        let bytes: [UInt8] = Array("naam;bedrag;t\n".utf8) + [0x5A, 0x6F, 0xEB] + Array(";".utf8) + [0x80] + Array("5;\"a;b\"\n".utf8)
        dir.write("data.csv", bytes: bytes)
        dir.write("pipeline.json", """
        { "version": 1, "project": "P", "pseudonymKey": "k",
          "files": [ { "path": "data.csv", "encoding": "windows-1252", "columns": { "naam": "keep", "bedrag": "keep", "t": "keep" } } ] }
        """)
        let p = try LoadedPipeline.load(path: dir.file("pipeline.json"))
        let sink = MemorySink()
        _ = try p.pseudonymiseFile(0, key: key, into: sink)
        XCTAssertEqual(String(decoding: sink.bytes, as: UTF8.self), "naam;bedrag;t\nZoë;€5;\"a;b\"\n")
    }

    /// A composite's failure is counted with the reason of its first failing part in the order
    /// of the kinds' names (date < sex); the report names that part, and `fail` names its column
    /// (docs/pipeline.md).
    func testCompositeReasonComesFromTheFirstFailingPartInKindOrder() throws {
        let csv = "s,d\nx,31-04-1980\nM,31-04-1980\nx,1-1-1980\n"
        let columns = #"{ "s": "drop", "d": "drop" }"#
        let composite = #", "pseudonyms": [ { "as": "P", "from": { "s": "sex", "d": "date" }, "invalid": "POLICY" } ]"#
        let report = try output(load(csv, columns: columns, extra: composite.replacingOccurrences(of: "POLICY", with: "blank"))).report
        XCTAssertEqual(report.invalid.map { "\($0.column) \($0.part ?? "-") \($0.reason) \($0.tally.lines)" },
                       ["P d impossible-date [2, 3]", "P s unrecognised-format [4]"])
        XCTAssertThrowsError(try output(load(csv, columns: columns, extra: composite.replacingOccurrences(of: "POLICY", with: "fail")))) { error in
            XCTAssertTrue("\(error)".contains("data.csv:2: column 2 (d)"), "\(error)")
        }
    }

    func testResidualIdentifiersAreCountedWithLinesAndRefuseUnlessAllowed() throws {
        let csv = "t,u\nbel 06-12345678,ok\n\"mail a@b.nl\",bsn 123456782\nniets,niets\n"
        let p = try load(csv, columns: "{ \"t\": \"keep\", \"u\": { \"action\": \"keep\", \"allowIdentifiers\": true } }")
        let report = try p.check()
        XCTAssertTrue(report.mustRefuse)
        XCTAssertEqual(report.files[0].residuals.map { "\($0.column) \($0.kind) \($0.allowed) \($0.tally.lines)" },
                       ["t email false [3]", "t phone false [2]", "u bsn true [3]"])
        // Two residual refusals; the config's key file "k" does not exist, which check reports too.
        XCTAssertEqual(report.files[0].refusals.count, 2)
        XCTAssertEqual(report.refusals.count, 3)
        XCTAssertTrue(report.refusals[2].contains("pseudonymKey"), report.refusals[2])
        for text in report.refusals + [report.json()] {
            XCTAssertFalse(text.contains("12345678"))
            XCTAssertFalse(text.contains("a@b.nl"))
        }
    }
}
