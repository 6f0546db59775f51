import XCTest
import Foundation
import SluisIO
import SluisTestSupport

/// docs/format.md is a public contract: someone else must be able to read sluis's files from it
/// alone. Two readers were written that way, in Python with libsodium through ctypes, and run
/// here against what the built binary writes: Tests/SluisCryptoTests/Vectors/check_vectors.py
/// (encrypted files) and Tests/SluisPipelineTests/Vectors/check_package.py (packages).
final class IndependentReaderCLITests: XCTestCase {
    func python(_ script: String, _ args: [String], in directory: String) throws -> (exitCode: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", CLI.packageRoot + "/" + script] + args
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testTheEncryptedFileVectorsReadTheSameInPython() throws {
        let r = try python("Tests/SluisCryptoTests/Vectors/check_vectors.py", [CLI.packageRoot + "/Tests/SluisCryptoTests/Vectors"],
                           in: CLI.packageRoot)
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr)
    }

    func testAPackageSealedBySluisVerifiesAndOpensByteForByteInPython() throws {
        let dir = TemporaryDirectory("sluis-interop")
        for args in [["keygen", "identity", "-o", "researcher", "--unprotected"], ["keygen", "identity", "-o", "intake", "--unprotected"],
                     ["keygen", "pseudonym", "--project", "P2026-0042", "-o", "project.key", "--unprotected"],
                     ["synth", "-o", "data", "--persons", "300", "--rows", "2000", "--seed", "4"]] {
            let r = try CLI.run(args, in: dir.path)
            XCTAssertEqual(r.exitCode, 0, "\(args): \(r.stderr)")
        }
        dir.write("data/header-only.csv", "a;b\n")
        dir.write("pipeline.json", """
        { "version": 1, "project": "P2026-0042", "pseudonymKey": "project.key", "sign": "researcher.key", "recipients": ["intake.pub"],
          "files": [
            { "path": "data/survey.csv", "delimiter": ";", "columns": {
                "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" }, "Naam": "drop",
                "Geboortedatum": { "action": "generalise", "to": "year" }, "Geslacht": "drop", "Postcode": "drop",
                "Huisnummer": "drop", "Woonplaats": "keep", "Opleiding": "keep", "Score": "keep", "Inkomen": "keep",
                "Toelichting": "drop" } },
            { "path": "data/header-only.csv", "delimiter": ";", "columns": { "a": "keep", "b": "keep" } } ] }
        """)
        var r = try CLI.run(["seal", "-c", "pipeline.json", "-o", "pkg.sluis", "--quiet"], in: dir.path)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        r = try CLI.run(["open", "pkg.sluis", "-i", "intake.key", "--trust", "researcher.pub", "-o", "by-sluis"], in: dir.path)
        XCTAssertEqual(r.exitCode, 0, r.stderr)

        let reader = "Tests/SluisPipelineTests/Vectors/check_package.py"
        let verified = try python(reader, ["verify", "pkg.sluis", "researcher.pub", "--project", "P2026-0042"], in: dir.path)
        XCTAssertEqual(verified.exitCode, 0, verified.stderr)
        let opened = try python(reader, ["open", "pkg.sluis", "intake.key", "researcher.pub", "by-python"], in: dir.path)
        XCTAssertEqual(opened.exitCode, 0, opened.stderr)
        let names = try FileSystem.list(dir.file("by-sluis")).filter { $0 != "sluis-manifest.json" }.sorted()
        XCTAssertEqual(names, ["header-only.csv", "survey.csv"])
        XCTAssertEqual(try FileSystem.list(dir.file("by-python")).filter { $0 != "sluis-manifest.json" }.sorted(), names)
        for name in names {
            XCTAssertTrue(dir.read("by-sluis/" + name) == dir.read("by-python/" + name), "\(name) differs")
        }

        // Both refuse the same tampered copy: a byte of the signed manifest changed.
        var bytes = dir.read("pkg.sluis")
        let trailer = Array(bytes[(bytes.count - 32)...])
        let manifestOffset = trailer[0..<8].reduce(0) { $0 << 8 | Int($1) }
        bytes[manifestOffset + 20] ^= 0x01
        dir.write("bad.sluis", bytes: bytes)
        XCTAssertEqual(try CLI.run(["verify", "bad.sluis", "--trust", "researcher.pub"], in: dir.path).exitCode, 4)
        XCTAssertEqual(try python(reader, ["verify", "bad.sluis", "researcher.pub"], in: dir.path).exitCode, 4)
    }
}
