import Foundation
import XCTest
import SluisIO
import SluisTestSupport

/// The key lifecycle end to end: the intake makes a project key and sends it sealed to the
/// researcher, who installs it under their own passphrase; passphrases change in place; trust
/// lists are added to after comparing fingerprints.
final class KeyLifecycleCLITests: XCTestCase {
    var dir: TemporaryDirectory!

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-keys")
        for (name, text) in [("intake.passphrase", "intake officer's passphrase\n"), ("researcher.passphrase", "researcher's own passphrase\n"),
                             ("new.passphrase", "a brand new passphrase\n"), ("short.passphrase", "short\n")] {
            dir.write(name, text)
            chmod(dir.file(name), 0o600)
        }
        try run(["keygen", "pseudonym", "--project", "P2026-0042", "-o", "P.pkey", "--passphrase-file", "intake.passphrase"])
        try run(["keygen", "identity", "-o", "researcher", "--passphrase-file", "researcher.passphrase"])
        try run(["keygen", "identity", "-o", "someone-else", "--unprotected"])
    }

    @discardableResult
    func run(_ args: [String], expect code: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let r = try CLI.run(args, in: dir.path)
        XCTAssertEqual(r.exitCode, code, "\(args): \(r.stdout) \(r.stderr)", file: file, line: line)
        return r
    }

    func keyId(_ path: String) throws -> String {
        let r = try run(["fingerprint", path])
        return String(r.stdout.split(separator: " ").first ?? "")
    }

    func testSendAndReceiveRoundTripKeepsTheKeyAndNeverTheIntakePassphrase() throws {
        let sent = try run(["key", "send", "P.pkey", "--to", "researcher.pub", "-o", "P.pkey.sluis", "--passphrase-file", "intake.passphrase"])
        XCTAssertTrue(sent.stdout.contains("P2026-0042"), sent.stdout)
        // The sealed file holds no clear key: not the key file text, not its secret line.
        let sealed = String(decoding: dir.read("P.pkey.sluis"), as: UTF8.self)
        XCTAssertFalse(sealed.contains("sluis-secret-key") || sealed.contains("secret:"))
        let received = try run(["key", "receive", "P.pkey.sluis", "-i", "researcher.key", "--passphrase-file", "researcher.passphrase",
                                "--new-passphrase-file", "researcher.passphrase", "-o", "mine.pkey"])
        XCTAssertTrue(received.stdout.contains("P2026-0042"), received.stdout)
        XCTAssertEqual(FileSystem.mode(dir.file("mine.pkey")), 0o600)
        // Same key: the same key id, and pseudonyms made with either are the same.
        XCTAssertEqual(try keyId("P.pkey"), try keyId("mine.pkey"))
        // Protected by the researcher's passphrase, not the intake's.
        let text = String(decoding: dir.read("mine.pkey"), as: UTF8.self)
        XCTAssertTrue(text.contains("protection: argon2id"))
        dir.write("data.csv", "id\n123456782\n")
        try run(["key", "send", "mine.pkey", "--to", "someone-else.pub", "-o", "check.sluis", "--passphrase-file", "researcher.passphrase"])
        try run(["key", "send", "mine.pkey", "--to", "someone-else.pub", "-o", "check2.sluis", "--passphrase-file", "intake.passphrase"], expect: 4)
        XCTAssertFalse(FileSystem.exists(dir.file("check2.sluis")), "nothing written on failure")
    }

    func testAWrongRecipientIsRefusedAndWritesNothing() throws {
        try run(["key", "send", "P.pkey", "--to", "researcher.pub", "-o", "P.pkey.sluis", "--passphrase-file", "intake.passphrase"])
        let r = try run(["key", "receive", "P.pkey.sluis", "-i", "someone-else.key", "--new-passphrase-file", "new.passphrase",
                         "-o", "stolen.pkey"], expect: 4)
        XCTAssertTrue(r.stderr.hasPrefix("sluis: "), r.stderr)
        XCTAssertFalse(FileSystem.exists(dir.file("stolen.pkey")))
        // A tampered sealed key is refused too.
        var bytes = dir.read("P.pkey.sluis")
        bytes[bytes.count - 5] ^= 1
        dir.write("tampered.sluis", bytes: bytes)
        try run(["key", "receive", "tampered.sluis", "-i", "researcher.key", "--passphrase-file", "researcher.passphrase",
                 "--new-passphrase-file", "new.passphrase", "-o", "t.pkey"], expect: 4)
        XCTAssertFalse(FileSystem.exists(dir.file("t.pkey")))
    }

    func testPassphraseChangeKeepsTheKeyIdAndTheOldPassphraseStopsWorking() throws {
        let before = try keyId("P.pkey")
        let bytesBefore = dir.read("P.pkey")
        // Too short for a new passphrase unless forced; nothing changes.
        let short = try run(["passphrase", "P.pkey", "--passphrase-file", "intake.passphrase", "--new-passphrase-file", "short.passphrase"],
                            expect: 2)
        XCTAssertTrue(short.stderr.contains("12 characters"), short.stderr)
        XCTAssertEqual(dir.read("P.pkey"), bytesBefore)
        // A wrong current passphrase changes nothing either.
        try run(["passphrase", "P.pkey", "--passphrase-file", "new.passphrase", "--new-passphrase-file", "new.passphrase"], expect: 4)
        XCTAssertEqual(dir.read("P.pkey"), bytesBefore)

        try run(["passphrase", "P.pkey", "--passphrase-file", "intake.passphrase", "--new-passphrase-file", "new.passphrase"])
        XCTAssertEqual(try keyId("P.pkey"), before)
        XCTAssertEqual(FileSystem.mode(dir.file("P.pkey")), 0o600)
        try run(["key", "send", "P.pkey", "--to", "researcher.pub", "-o", "a.sluis", "--passphrase-file", "intake.passphrase"], expect: 4)
        try run(["key", "send", "P.pkey", "--to", "researcher.pub", "-o", "b.sluis", "--passphrase-file", "new.passphrase"])
        // An identity too, and adding a passphrase to an unprotected key.
        let fp = try keyId("someone-else.key")
        try run(["passphrase", "someone-else.key", "--new-passphrase-file", "new.passphrase"])
        XCTAssertEqual(try keyId("someone-else.key"), fp)
        XCTAssertTrue(String(decoding: dir.read("someone-else.key"), as: UTF8.self).contains("protection: argon2id"))
        // No passphrase appears in any message.
        for r in [short] { XCTAssertFalse((r.stdout + r.stderr).contains("brand new") || (r.stdout + r.stderr).contains("officer's")) }
    }

    func testTrustAddShowsTheFingerprintAndNeedsItConfirmed() throws {
        let fp = try keyId("researcher.pub")
        XCTAssertFalse(fp.isEmpty)
        // Without a terminal the fingerprint must be given, and must match.
        let unconfirmed = try run(["trust", "add", "researcher.pub", "--project", "P2026-0042", "--trust", "trust"], expect: 2)
        XCTAssertTrue(unconfirmed.stdout.contains("fingerprint of researcher.pub"), unconfirmed.stdout)
        try run(["trust", "add", "researcher.pub", "--project", "P2026-0042", "--trust", "trust", "--fingerprint", "0000 1111"], expect: 2)
        XCTAssertFalse(FileSystem.exists(dir.file("trust/P2026-0042/researcher.pub")))
        let added = try run(["trust", "add", "researcher.pub", "--project", "P2026-0042", "--trust", "trust", "--fingerprint", fp])
        XCTAssertTrue(added.stdout.contains("trusted"), added.stdout)
        XCTAssertEqual(dir.read("trust/P2026-0042/researcher.pub"), dir.read("researcher.pub"))
        // The folder works as a trust list: a package signed by the researcher for P2026-0042 verifies.
        try run(["keygen", "identity", "-o", "intake", "--unprotected"])
        try run(["keygen", "pseudonym", "--project", "P2026-0042", "-o", "demo.pkey", "--unprotected"])
        dir.write("survey.csv", "BSN;Score\n123456782;5\n")
        dir.write("pipeline.json", """
        { "version": 1, "project": "P2026-0042", "pseudonymKey": "demo.pkey", "sign": "someone-else.key", "recipients": ["intake.pub"],
          "files": [ { "path": "survey.csv", "delimiter": ";", "columns": {
            "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" }, "Score": { "action": "keep" } } } ] }
        """)
        try run(["seal", "-c", "pipeline.json", "-o", "p.sluis", "--quiet"])
        try run(["verify", "p.sluis", "--trust", "trust"], expect: 4)   // signed by someone not trusted
        try run(["trust", "add", "someone-else.pub", "--project", "P2026-0042", "--trust", "trust", "--fingerprint",
                 try keyId("someone-else.pub")])
        try run(["verify", "p.sluis", "--trust", "trust"])
    }
}

extension KeyLifecycleCLITests {
    /// New keys from keygen obey the same minimum passphrase length, unless forced.
    func testKeygenRefusesAShortPassphraseUnlessForced() throws {
        let r = try run(["keygen", "identity", "-o", "weak", "--passphrase-file", "short.passphrase"], expect: 2)
        XCTAssertTrue(r.stderr.contains("12 characters"), r.stderr)
        XCTAssertFalse(FileSystem.exists(dir.file("weak.key")) || FileSystem.exists(dir.file("weak.pub")))
        try run(["keygen", "pseudonym", "--project", "P1", "-o", "weak.pkey", "--passphrase-file", "short.passphrase"], expect: 2)
        XCTAssertFalse(FileSystem.exists(dir.file("weak.pkey")))
        try run(["keygen", "identity", "-o", "weak", "--passphrase-file", "short.passphrase", "--force"])
        XCTAssertTrue(FileSystem.exists(dir.file("weak.key")))
    }
}
