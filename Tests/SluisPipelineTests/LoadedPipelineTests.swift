import XCTest
import SluisCore
import SluisIO
import SluisPipeline
import SluisTestSupport

final class LoadedPipelineTests: PipelineTestCase {
    func testUnclassifiedColumnsAreAllListed() {
        XCTAssertThrowsError(try load("a,b,c,d\n1,2,3,4\n", columns: "{ \"a\": \"keep\", \"c\": \"drop\" }")) { error in
            XCTAssertEqual(error as? PipelineConfigError, .unclassifiedColumns(file: dir.file("pipeline.json"), dataFile: "data.csv", columns: ["b", "d"]))
            XCTAssertEqual((error as? SluisError)?.category, .usage)
        }
    }

    func testColumnsTheFileLacksNameTheirPath() {
        XCTAssertThrowsError(try load("a\n1\n", columns: "{ \"a\": \"keep\", \"Geboortedatum\": \"drop\" }")) { error in
            let text = (error as? SluisError)?.description ?? ""
            XCTAssertTrue(text.contains("files[0].columns.Geboortedatum"), text)
        }
    }

    func testMissingDataFileNamesItsPath() {
        dir.write("pipeline.json", """
        { "version": 1, "project": "P", "pseudonymKey": "k", "files": [ { "path": "nope.csv", "columns": { "a": "keep" } } ] }
        """)
        XCTAssertThrowsError(try LoadedPipeline.load(path: dir.file("pipeline.json"))) { error in
            XCTAssertTrue((error as? SluisError)?.description.contains("files[0].path") ?? false)
        }
    }

    /// What `seal` puts in the inner manifest (`sealedConfiguration`): the configuration without
    /// the key paths and recipients, which would tell the intake where the researcher keeps keys.
    func testSealedConfigurationLeavesOutKeyPaths() throws {
        let p = try load("a\n1\n", columns: "{ \"a\": \"keep\" }", top: "\"sign\": \"secret-id.key\", \"recipients\": [\"x.pub\"],")
        XCTAssertEqual(p.signingKeyPath, dir.file("secret-id.key"))
        XCTAssertEqual(p.recipientPaths, [dir.file("x.pub")])
        let sealed = p.sealedConfiguration
        guard case let .object(members) = sealed else { return XCTFail("not an object: \(sealed)") }
        let names = members.map(\.0)
        for key in ["sign", "recipients", "pseudonymKey"] { XCTAssertFalse(names.contains(key), key) }
        XCTAssertTrue(members.contains { $0.0 == "project" && $0.1 == .string("P-TEST") })
        let text = sealed.rendered()
        for path in ["secret-id.key", "x.pub", "none.key", dir.path] { XCTAssertFalse(text.contains(path), path) }
        XCTAssertTrue(text.contains("data.csv"))
    }

    func testPseudonymiseAllLeavesNothingBehindOnFailure() throws {
        let p = try load("a,b\n1,2\n3\n", columns: "{ \"a\": \"keep\", \"b\": \"keep\" }")
        let out = dir.file("out")
        XCTAssertThrowsError(try p.pseudonymiseAll(key: key, into: out)) { error in
            XCTAssertTrue((error as? SluisError)?.description.contains("data.csv:3") ?? false)
        }
        XCTAssertFalse(FileSystem.exists(out), "no output folder appears")
        XCTAssertEqual(try FileSystem.list(dir.path).filter { $0.hasPrefix(".") }, [], "no staging folder is left")
    }

    func testPseudonymiseAllWritesOutputsAndReport() throws {
        let p = try load("a,b\n123456782,2\n", columns: "{ \"a\": { \"action\": \"pseudonymise\", \"identifier\": \"bsn\" }, \"b\": \"keep\" }")
        let report = try p.pseudonymiseAll(key: key, into: dir.file("out"))
        XCTAssertEqual(try FileSystem.list(dir.file("out")), ["data.csv", "report.json"])
        XCTAssertEqual(report.keyId, "test-key")
        XCTAssertEqual(report.files[0].rowsOut, 1)
        XCTAssertFalse(String(decoding: dir.read("out/report.json"), as: UTF8.self).contains("123456782"))
    }
}
