import Foundation
import XCTest
import SluisIO
import SluisTestSupport

/// `sluis seal`, `verify` and `open` run as a user runs them: the built binary on synthetic data,
/// checking stdout, stderr, exit codes and the files left behind.
final class PackageCLITests: XCTestCase {
    var dir: TemporaryDirectory!

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-package-cli")
        try dir.installExampleKeys(["researcher.key", "researcher.pub", "intake.key", "intake.pub", "project-P2026-0042.key"], into: "keys")
        let synth = try CLI.run(["synth", "-o", dir.file("data"), "--persons", "300", "--rows", "600", "--seed", "7"])
        XCTAssertEqual(synth.exitCode, 0, synth.stderr)
        dir.write("data/header-only.csv", "BSN;Score\n")
        dir.write("data/empty.csv", "")
        let small = #"{"BSN": {"action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN"}, "Score": {"action": "keep"}}"#
        dir.write("pipeline.json", """
        { "version": 1, "project": "P2026-0042", "pseudonymKey": "keys/project-P2026-0042.key",
          "sign": "keys/researcher.key", "recipients": ["keys/intake.pub"],
          "files": [
            { "path": "data/survey.csv", "delimiter": ";", "columns": {
                "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" },
                "Naam": { "action": "drop" }, "Geboortedatum": { "action": "generalise", "to": "year" },
                "Geslacht": { "action": "drop" }, "Postcode": { "action": "generalise", "to": "pc4" },
                "Huisnummer": { "action": "drop" }, "Woonplaats": { "action": "keep" }, "Opleiding": { "action": "keep" },
                "Score": { "action": "keep" }, "Inkomen": { "action": "keep" }, "Toelichting": { "action": "drop" } },
              "pseudonyms": [ { "as": "PSEUDO_DEMO", "from": { "Geslacht": "sex", "Geboortedatum": "date",
                                                              "Postcode": "postcode", "Huisnummer": "housenumber" } } ] },
            { "path": "data/header-only.csv", "delimiter": ";", "columns": \(small) } ] }
        """)
    }

    func seal(_ extra: [String] = [], output: String = "up.sluis") throws -> CLIResult {
        try CLI.run(["seal", "-c", "pipeline.json", "-o", output, "--quiet"] + extra, in: dir.path)
    }

    func testRoundTripFromTheCommandLine() throws {
        let sealed = try seal()
        XCTAssertEqual(sealed.exitCode, 0, sealed.stderr)
        XCTAssertTrue(sealed.stdout.contains("sealed up.sluis"))
        XCTAssertEqual(sealed.stderr, "")

        let inspected = try CLI.run(["inspect", "up.sluis"], in: dir.path)
        XCTAssertEqual(inspected.exitCode, 0, inspected.stderr)
        XCTAssertTrue(inspected.stdout.contains("sluis package") && inspected.stdout.contains("not") && inspected.stdout.contains("verified"))
        XCTAssertTrue(inspected.stdout.contains("P2026-0042"))

        let verified = try CLI.run(["verify", "up.sluis", "--trust", "keys/researcher.pub", "--project", "P2026-0042", "--json"], in: dir.path)
        XCTAssertEqual(verified.exitCode, 0, verified.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(json?["project"] as? String, "P2026-0042")
        XCTAssertEqual((json?["entries"] as? [Any])?.count, 2)

        let opened = try CLI.run(["open", "up.sluis", "-i", "keys/intake.key", "--trust", "keys/researcher.pub", "-o", "opened"], in: dir.path)
        XCTAssertEqual(opened.exitCode, 0, opened.stderr)
        XCTAssertEqual(try FileSystem.list(dir.file("opened")), ["header-only.csv", "sluis-manifest.json", "survey.csv"])
        XCTAssertEqual(String(decoding: dir.read("opened/header-only.csv"), as: UTF8.self), "PSEUDO_BSN;Score\n")
        // The opened file equals what `sluis pseudonymise` writes for the same config and key.
        let plain = try CLI.run(["pseudonymise", "-c", "pipeline.json", "-o", "plain"], in: dir.path)
        XCTAssertEqual(plain.exitCode, 0, plain.stderr)
        XCTAssertEqual(dir.read("opened/survey.csv"), dir.read("plain/survey.csv"))
        // No identifier of the source in the package or the opened files.
        let package = dir.read("up.sluis")
        let survey = String(decoding: dir.read("opened/survey.csv"), as: UTF8.self)
        let register = String(decoding: dir.read("data/register.csv"), as: UTF8.self)
        for line in register.split(separator: "\n").dropFirst().prefix(200) {
            let bsn = String(line.split(separator: ",")[0])
            XCTAssertFalse(survey.contains(bsn))
            XCTAssertNil(package.firstRange(of: Array(bsn.utf8)))
        }
    }

    func testSealIntoAFolderForScheduledExports() throws {
        try FileSystem.makeDirectories(dir.file("outbox"))
        let sealed = try seal(output: "outbox")
        XCTAssertEqual(sealed.exitCode, 0, sealed.stderr)
        let names = try FileSystem.list(dir.file("outbox"))
        XCTAssertEqual(names.count, 1)
        XCTAssertTrue(names[0].hasPrefix("P2026-0042-") && names[0].hasSuffix(".sluis"), names[0])
    }

    func testTamperedTruncatedAndMisaddressedPackagesAreRefused() throws {
        XCTAssertEqual(try seal().exitCode, 0)
        var bytes = dir.read("up.sluis")
        bytes[bytes.count / 2] ^= 0x40
        dir.write("tampered.sluis", bytes: bytes)
        dir.write("truncated.sluis", bytes: Array(dir.read("up.sluis").prefix(bytes.count - 200)))
        for name in ["tampered.sluis", "truncated.sluis"] {
            let v = try CLI.run(["verify", name, "--trust", "keys/researcher.pub"], in: dir.path)
            XCTAssertEqual(v.exitCode, 4, name + v.stderr)
            XCTAssertTrue(v.stderr.hasPrefix("sluis: "), v.stderr)
            let o = try CLI.run(["open", name, "-i", "keys/intake.key", "--trust", "keys/researcher.pub", "-o", "out-" + name], in: dir.path)
            XCTAssertEqual(o.exitCode, 4, name + o.stderr)
            XCTAssertFalse(FileSystem.exists(dir.file("out-" + name)))
        }
        // Wrong identity: the researcher's key is not a recipient.
        let wrong = try CLI.run(["open", "up.sluis", "-i", "keys/researcher.key", "--trust", "keys/researcher.pub", "-o", "w"], in: dir.path)
        XCTAssertEqual(wrong.exitCode, 4)
        XCTAssertTrue(wrong.stderr.contains("not encrypted to key"), wrong.stderr)
        XCTAssertFalse(FileSystem.exists(dir.file("w")))
        // Untrusted signer and another project.
        let untrusted = try CLI.run(["verify", "up.sluis", "--trust", "keys/intake.pub"], in: dir.path)
        XCTAssertEqual(untrusted.exitCode, 4)
        XCTAssertTrue(untrusted.stderr.contains("not trusted"), untrusted.stderr)
        let project = try CLI.run(["verify", "up.sluis", "--trust", "keys/researcher.pub", "--project", "P2026-0001"], in: dir.path)
        XCTAssertEqual(project.exitCode, 4)
        XCTAssertTrue(project.stderr.contains("P2026-0001"), project.stderr)
        // Nothing was left behind by any refusal.
        XCTAssertEqual(dir.allFiles().filter { $0.contains("sluis-open") || $0.contains("sluis-tmp") }, [])
    }

    func testResidualIdentifiersRefuseSealingAndNameNoValue() throws {
        dir.write("data/notes.csv", "BSN;Opmerking\n111222333;call 0612345678 or mail jan@example.nl about 123456782\n")
        var config = String(decoding: dir.read("pipeline.json"), as: UTF8.self)
        config = config.replacingOccurrences(of: "\"files\": [", with: """
        "files": [ { "path": "data/notes.csv", "delimiter": ";", "columns": {
            "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "P" }, "Opmerking": { "action": "keep" } } },
        """)
        dir.write("pipeline.json", config)
        let check = try CLI.run(["check", "-c", "pipeline.json"], in: dir.path)
        XCTAssertEqual(check.exitCode, 3)
        let sealed = try seal()
        XCTAssertEqual(sealed.exitCode, 3, sealed.stderr)
        XCTAssertTrue(sealed.stderr.contains("Opmerking"), sealed.stderr)
        for secret in ["0612345678", "jan@example.nl", "123456782", "111222333"] {
            XCTAssertFalse(sealed.stderr.contains(secret) || sealed.stdout.contains(secret))
        }
        XCTAssertFalse(FileSystem.exists(dir.file("up.sluis")))
        XCTAssertEqual(dir.allFiles().filter { $0.contains("sluis-tmp") }, [])
    }

    func testNoPromptWithoutATerminal() throws {
        // A protected key and no passphrase file: a clear error, not a hanging prompt.
        try FileSystem.writeAtomically(Array("correct horse battery staple\n".utf8), to: dir.file("pass"), mode: 0o600)
        let key = try CLI.run(["keygen", "identity", "-o", "keys/protected", "--passphrase-file", "pass"], in: dir.path)
        XCTAssertEqual(key.exitCode, 0, key.stderr)
        let sealed = try seal(["--sign", "keys/protected.key"])
        XCTAssertNotEqual(sealed.exitCode, 0)
        XCTAssertTrue(sealed.stderr.hasPrefix("sluis: "), sealed.stderr)
        XCTAssertFalse(FileSystem.exists(dir.file("up.sluis")))
    }
}

extension Array where Element == UInt8 {
    func firstRange(of needle: [UInt8]) -> Range<Int>? {
        guard !needle.isEmpty, needle.count <= count else { return nil }
        for i in 0...(count - needle.count) where self[i] == needle[0] && Array(self[i..<(i + needle.count)]) == needle {
            return i..<(i + needle.count)
        }
        return nil
    }
}
