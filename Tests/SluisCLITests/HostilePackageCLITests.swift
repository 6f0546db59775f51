import Foundation
import XCTest
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisTestSupport

/// Issue 13, "Untrusted text and sizes", as an intake officer meets it: a package whose manifest
/// was written to attack the terminal, shown by `inspect` and refused by `verify` and `open`
/// without one raw control, bidi or format character on stdout or stderr; and the file names and
/// empty inputs `seal` and `check` refuse.
extension PackageCLITests {
    static let hostile = "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31m\u{202E}"

    func assertNothingRaw(_ text: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let raw = text.unicodeScalars.filter { UntrustedText.needsEscape($0) && $0 != "\n" }
        XCTAssertTrue(raw.isEmpty, "\(what): raw \(raw.map { String($0.value, radix: 16) }) in \(text.debugDescription)", file: file, line: line)
    }

    /// `up.sluis` with its manifest edited as JSON and signed by `signer` (claiming to be it).
    func hostileCopy(signer: Identity, _ edit: (inout [String: Any]) -> Void) throws -> String {
        let bytes = dir.read("up.sluis")
        let index = try PackageLayout.readIndex(preamble: Array(bytes[0..<PackageLayout.preambleByteCount]),
                                                trailer: Array(bytes[(bytes.count - PackageLayout.trailerByteCount)...]),
                                                fileByteCount: UInt64(bytes.count), path: "up.sluis")
        let start = Int(index.manifestOffset)
        var manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[start..<(start + Int(index.manifestByteCount))])) as? [String: Any])
        manifest["sender"] = ["publicKey": signer.recipient.publicKeyText, "fingerprint": signer.recipient.fingerprint]
        edit(&manifest)
        let mb = Array(try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]))
        let signed = Array(bytes[0..<start]) + mb + signer.sign(PackageLayout.signedMessage(manifest: mb))
            + PackageLayout.trailer(manifestOffset: UInt64(start), manifestByteCount: UInt64(mb.count))
        return dir.write("hostile.sluis", bytes: signed)
    }

    /// Before: `inspect` printed the fields raw, and `verify`/`open` echoed the inner manifest's
    /// name raw from a field check that ran before the trust check.
    func testAHostileManifestReachesNoTerminalRaw() throws {
        XCTAssertEqual(try seal().exitCode, 0)
        let mallory = try Identity.generate(comment: "mallory")
        _ = try hostileCopy(signer: mallory) { m in
            m["project"] = "P2026-0042" + Self.hostile + String(repeating: "A", count: 1 << 20)
            m["tool"] = Self.hostile
            m["createdAt"] = Self.hostile
            var inner = m["innerManifest"] as? [String: Any] ?? [:]
            inner["name"] = Self.hostile
            inner["sha256"] = "not hex"
            m["innerManifest"] = inner
        }
        let inspected = try CLI.run(["inspect", "hostile.sluis"], in: dir.path)
        XCTAssertEqual(inspected.exitCode, 0, inspected.stderr)
        assertNothingRaw(inspected.stdout, "inspect")
        XCTAssertTrue(inspected.stdout.contains("project (unverified): P2026-0042\\u{001B}]0;pwned\\u{0007}"), inspected.stdout)
        XCTAssertTrue(inspected.stdout.contains("more characters)"), "a 1 MB project is cut")
        let json = try CLI.run(["inspect", "hostile.sluis", "--json"], in: dir.path)
        XCTAssertEqual(json.exitCode, 0, json.stderr)
        assertNothingRaw(json.stdout, "inspect --json")
        XCTAssertTrue(json.stdout.contains("\"verified\" : false"), json.stdout)

        let verified = try CLI.run(["verify", "hostile.sluis", "--trust", "keys/researcher.pub"], in: dir.path)
        XCTAssertEqual(verified.exitCode, 4, verified.stderr)
        XCTAssertTrue(verified.stderr.contains("is signed by key \(mallory.recipient.fingerprint), which is not trusted"), verified.stderr)
        assertNothingRaw(verified.stdout + verified.stderr, "verify")
        XCTAssertLessThan(verified.stderr.utf8.count, 2000)
        let opened = try CLI.run(["open", "hostile.sluis", "-i", "keys/intake.key", "--trust", "keys/researcher.pub", "-o", "out"], in: dir.path)
        XCTAssertEqual(opened.exitCode, 4, opened.stderr)
        assertNothingRaw(opened.stdout + opened.stderr, "open")
        XCTAssertFalse(FileSystem.exists(dir.file("out")))
    }

    /// Before: a trusted sender's `tool` reached the intake's terminal raw.
    func testATrustedSendersHostileFieldIsRefused() throws {
        XCTAssertEqual(try seal().exitCode, 0)
        let researcher = try Identity.load(path: dir.file("keys/researcher.key"), passphrase: .terminal)
        _ = try hostileCopy(signer: researcher) { $0["tool"] = "sluis " + Self.hostile }
        let verified = try CLI.run(["verify", "hostile.sluis", "--trust", "keys/researcher.pub"], in: dir.path)
        XCTAssertEqual(verified.exitCode, 4, verified.stderr)
        XCTAssertTrue(verified.stderr.contains("tool is not plain text"), verified.stderr)
        assertNothingRaw(verified.stdout + verified.stderr, "verify")
    }

    /// Before: `seal` signed a package with two files that open would write over each other.
    func testSealRefusesInputsWhoseNamesCollideNamingBothPaths() throws {
        try FileSystem.makeDirectories(dir.file("data/a"))
        try FileSystem.makeDirectories(dir.file("data/b"))
        dir.write("data/a/Straße.csv", "BSN;Score\n111222333;1\n")
        dir.write("data/b/STRASSE.csv", "BSN;Score\n111222333;2\n")
        let small = #"{"BSN": {"action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN"}, "Score": {"action": "keep"}}"#
        var config = String(decoding: dir.read("pipeline.json"), as: UTF8.self)
        config = config.replacingOccurrences(of: "\"files\": [", with: """
        "files": [ { "path": "data/a/Straße.csv", "delimiter": ";", "columns": \(small) },
                   { "path": "data/b/STRASSE.csv", "delimiter": ";", "columns": \(small) },
        """)
        dir.write("pipeline.json", config)
        let check = try CLI.run(["check", "-c", "pipeline.json"], in: dir.path)
        let sealed = try seal()
        for r in [check, sealed] {
            XCTAssertEqual(r.exitCode, 2, r.stderr)
            XCTAssertTrue(r.stderr.contains("data/a/Straße.csv and data/b/STRASSE.csv would be opened under the same file name"), r.stderr)
        }
        XCTAssertFalse(FileSystem.exists(dir.file("up.sluis")))
        XCTAssertEqual(dir.allFiles().filter { $0.contains("sluis-tmp") }, [])
    }

    /// Before: a 0-byte file was sealed as a 0-row file and `check` said sealing may go ahead.
    func testAnEmptyInputIsRefusedByCheckAndSeal() throws {
        dir.write("data/empty.csv", "")
        let small = #"{"BSN": {"action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN"}, "Score": {"action": "keep"}}"#
        var config = String(decoding: dir.read("pipeline.json"), as: UTF8.self)
        config = config.replacingOccurrences(of: "\"files\": [", with: "\"files\": [ { \"path\": \"data/empty.csv\", \"columns\": \(small) },")
        dir.write("pipeline.json", config)
        let before = dir.allFiles()
        for command in [["check", "-c", "pipeline.json"], ["seal", "-c", "pipeline.json", "-o", "up.sluis", "--quiet"]] {
            let r = try CLI.run(command, in: dir.path)
            XCTAssertEqual(r.exitCode, 3, "\(command): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("pipeline.json: files[0].path: data/empty.csv is empty (0 bytes): it has no header, so the configured columns 'BSN', 'Score' do not exist"), r.stderr)
            XCTAssertEqual(dir.allFiles(), before)
        }
    }
}
