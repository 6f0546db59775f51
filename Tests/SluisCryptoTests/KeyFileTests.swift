import XCTest
@testable import SluisCrypto
import SluisCore
import SluisIO
import SluisTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Secret key files: protected and unprotected, wrong passphrase, permissions, damage, cost cap.
final class KeyFileTests: XCTestCase {
    let passphrase = "correct horse battery staple 7f3a"
    var words: SecretBytes { SecretBytes(copying: Array(passphrase.utf8)) }
    let fast = Argon2Cost.minimumForTests

    func testProtectedIdentityRoundTrip() throws {
        let dir = TemporaryDirectory()
        let id = try Identity.generate(comment: "alice@example.org")
        try id.write(secretKeyFile: dir.file("a.key"), protection: .passphrase(words), cost: fast)
        try id.write(publicKeyFile: dir.file("a.pub"))
        XCTAssertEqual(FileSystem.mode(dir.file("a.key")), 0o600)
        let loaded = try Identity.load(path: dir.file("a.key"), passphrase: .given(words))
        XCTAssertEqual(loaded.recipient, id.recipient)
        XCTAssertEqual(loaded.recipient.comment, "alice@example.org")
        XCTAssertEqual(try Recipient(contentsOfFile: dir.file("a.pub")), id.recipient)
        XCTAssertEqual(try Identity.recipient(ofSecretKeyFile: dir.file("a.key")), id.recipient)
        let text = String(decoding: dir.read("a.key"), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("sluis-secret-key-v1\nkind: identity\npublic: "))
        XCTAssertTrue(text.contains("protection: argon2id\n"))
        // Never over an existing file.
        XCTAssertThrowsError(try id.write(secretKeyFile: dir.file("a.key"), protection: .none))
    }

    /// The secret of an unprotected key is read from its own line into guarded memory (the rest
    /// of the file is parsed as text with that value masked): it loads the same key, and a
    /// misplaced or empty secret line is still a clear error.
    func testUnprotectedKeyLoadsAndMisplacedSecretLinesAreRefused() throws {
        let dir = TemporaryDirectory()
        let id = try Identity.generate(comment: "demo")
        try id.write(secretKeyFile: dir.file("a.key"), protection: .none)
        XCTAssertEqual(try Identity.load(path: dir.file("a.key"), passphrase: .terminal).recipient, id.recipient)
        let text = String(decoding: dir.read("a.key"), as: UTF8.self)
        XCTAssertTrue(text.contains("\nsecret: ") && text.hasSuffix("\n"))
        for (name, broken) in [("extra.key", text + "extra: 1\n"), ("empty.key", text.replacingOccurrences(
                                   of: #"secret: [^\n]*"#, with: "secret: ", options: .regularExpression)),
                               ("crlf.key", text.replacingOccurrences(of: "\n", with: "\r\n"))] {
            dir.write(name, broken)
            chmod(dir.file(name), 0o600)
            if name == "crlf.key" {
                XCTAssertEqual(try Identity.load(path: dir.file(name), passphrase: .terminal).recipient, id.recipient)
            } else {
                XCTAssertThrowsError(try Identity.load(path: dir.file(name), passphrase: .terminal), name) {
                    guard case .malformed = $0 as? KeyFileError else { return XCTFail("\(name): \($0)") }
                }
            }
        }
    }

    func testWrongPassphraseIsAVerificationFailureThatNamesNoSecret() throws {
        let dir = TemporaryDirectory()
        try Identity.generate().write(secretKeyFile: dir.file("a.key"), protection: .passphrase(words), cost: fast)
        let wrong = SecretBytes(copying: Array("hunter2-secret-guess".utf8))
        XCTAssertThrowsError(try Identity.load(path: dir.file("a.key"), passphrase: .given(wrong))) { e in
            XCTAssertEqual(e as? KeyFileError, .wrongPassphrase(path: dir.file("a.key")))
            XCTAssertEqual((e as? SluisError)?.category, .verification)
            XCTAssertFalse("\(e)".contains("hunter2"))
        }
    }

    func testNewKeysUseAtLeastModerateCost() throws {
        XCTAssertGreaterThanOrEqual(Argon2Cost.moderate.opsLimit, 3)
        XCTAssertGreaterThanOrEqual(Argon2Cost.moderate.memLimitBytes, 256 << 20)
        XCTAssertTrue(Argon2Cost.moderate.isWithinCap)
    }

    func testPermissionsTooOpenAreRefused() throws {
        let dir = TemporaryDirectory()
        try Identity.generate().write(secretKeyFile: dir.file("a.key"), protection: .none)
        chmod(dir.file("a.key"), 0o644)
        XCTAssertThrowsError(try Identity.load(path: dir.file("a.key"), passphrase: .terminal)) { e in
            XCTAssertEqual(e as? KeyFileError, .permissionsTooOpen(path: dir.file("a.key"), mode: 0o644))
            XCTAssertTrue("\(e)".contains("chmod 600"))
        }
        chmod(dir.file("a.key"), 0o600)
        XCTAssertNoThrow(try Identity.load(path: dir.file("a.key"), passphrase: .terminal))
    }

    func testCostAboveTheCapIsRefusedBeforeAnyWork() throws {
        let dir = TemporaryDirectory()
        try Identity.generate().write(secretKeyFile: dir.file("a.key"), protection: .passphrase(words), cost: fast)
        var text = String(decoding: dir.read("a.key"), as: UTF8.self)
        text = text.replacingOccurrences(of: "argon2id-memlimit-bytes: 8192", with: "argon2id-memlimit-bytes: 68719476736")
        dir.write("b.key", text); chmod(dir.file("b.key"), 0o600)
        // costTooHigh (not keyDerivationFailed) shows the cap was applied before any hashing.
        XCTAssertThrowsError(try Identity.load(path: dir.file("b.key"), passphrase: .given(words))) { e in
            XCTAssertEqual(e as? KeyFileError, .costTooHigh(path: dir.file("b.key")))
        }
    }

    func testTamperedPublicPartFailsAuthentication() throws {
        let dir = TemporaryDirectory()
        try Identity.generate(comment: "alice").write(secretKeyFile: dir.file("a.key"), protection: .passphrase(words), cost: fast)
        let text = String(decoding: dir.read("a.key"), as: UTF8.self).replacingOccurrences(of: "comment: alice", with: "comment: mallory")
        dir.write("b.key", text); chmod(dir.file("b.key"), 0o600)
        XCTAssertThrowsError(try Identity.load(path: dir.file("b.key"), passphrase: .given(words))) { e in
            XCTAssertEqual(e as? KeyFileError, .wrongPassphrase(path: dir.file("b.key")))
        }
    }

    func testTruncatedAndGarbageFilesGiveClearErrors() throws {
        let dir = TemporaryDirectory()
        try Identity.generate().write(secretKeyFile: dir.file("a.key"), protection: .passphrase(words), cost: fast)
        let full = dir.read("a.key")
        var cases: [[UInt8]] = (0..<(full.count - 1)).map { Array(full[0..<$0]) }
        cases.append([UInt8](repeating: 0xff, count: 300))
        cases.append(Array("sluis-secret-key-v9\n".utf8))
        cases.append(Array(String(decoding: full, as: UTF8.self).replacingOccurrences(of: "kind: identity", with: "kind: other").utf8))
        for (i, bytes) in cases.enumerated() {
            let p = dir.write("t\(i).key", bytes: bytes); chmod(p, 0o600)
            XCTAssertThrowsError(try Identity.load(path: p, passphrase: .given(words)), "case \(i)") { e in
                XCTAssertTrue(e is KeyFileError || e is IOError, "case \(i): \(type(of: e))")
                XCTAssertTrue("\(e)".contains(p), "case \(i): \(e)")
            }
        }
    }

    /// Errors name files and lines, never the bytes that were wrong.
    func testErrorsNeverEchoTheContents() throws {
        let dir = TemporaryDirectory()
        let secret = "123456782-Jan-Jansen"
        let bodies = ["sluis-secret-key-v1\nkind: \(secret)\n", "sluis-secret-key-v1\nkind: identity\npublic: \(secret)\nprotection: none\nsecret: \(secret)\n",
                      "sluis-secret-key-v1\nkind: pseudonym-key\nproject: P\nkey-id: \(secret)\nprotection: none\nsecret: \(secret)\n",
                      "sluis-secret-key-v1\nkind: identity\npublic: Vbv8l/qgK6Ka8cFPM1OexXq57wYgTbve371jX4o/DLk=\nprotection: argon2id\nargon2id-opslimit: \(secret)\n",
                      secret]
        for (i, body) in bodies.enumerated() {
            let p = dir.write("k\(i).key", body); chmod(p, 0o600)
            for attempt in [{ _ = try Identity.load(path: p, passphrase: .given(self.words)) },
                            { _ = try ProjectKey.load(path: p, passphrase: .given(self.words)) }] {
                XCTAssertThrowsError(try attempt()) { e in
                    XCTAssertFalse("\(e)".contains("123456782"), "\(e)")
                    XCTAssertFalse("\(e)".contains(self.passphrase), "\(e)")
                }
            }
        }
        XCTAssertThrowsError(try Recipient(parsing: "sluis-pub-v1 \(secret)")) { XCTAssertFalse("\($0)".contains("123456782")) }
    }

    func testProjectKeyRoundTripAndKeyId() throws {
        let dir = TemporaryDirectory()
        let key = try ProjectKey.generate(projectId: "P2026-001")
        XCTAssertEqual(key.keyId.count, 16)
        XCTAssertFalse(key.keyId.isEmpty)
        try key.write(secretKeyFile: dir.file("p.key"), protection: .passphrase(words), cost: fast)
        let loaded = try ProjectKey.load(path: dir.file("p.key"), passphrase: .given(words))
        XCTAssertEqual(loaded.projectId, "P2026-001")
        XCTAssertEqual(loaded.keyId, key.keyId)
        XCTAssertTrue(loaded.secret.constantTimeEquals(key.secret))
        XCTAssertEqual(try ProjectKey.describe(secretKeyFile: dir.file("p.key")).keyId, key.keyId)
        XCTAssertEqual("\(loaded)", "project key \(key.keyId) for P2026-001 <secret redacted>")
        // Kinds are not interchangeable.
        XCTAssertThrowsError(try Identity.load(path: dir.file("p.key"), passphrase: .given(words)))
        XCTAssertThrowsError(try ProjectKey.generate(projectId: "bad id/"))
        // The key id is the documented HMAC.
        let fixed = try ProjectKey(projectId: "P", secret: SecretBytes(copying: [UInt8](repeating: 0x42, count: 32)))
        let mac = [UInt8](repeating: 0x42, count: 32).withUnsafeBytes { HMACSHA256(key: $0) }.authenticate(Array("sluis/pseudonym-key-id/v1".utf8))
        XCTAssertEqual(fixed.keyId, mac.prefix(8).map { String(format: "%02x", $0) }.joined())
    }

    func testPassphraseFileRules() throws {
        let dir = TemporaryDirectory()
        let p = dir.write("pass", passphrase + "\n"); chmod(p, 0o600)
        XCTAssertTrue(try PassphraseSource.file(path: p).passphrase(prompt: "x", confirm: true).constantTimeEquals(words))
        chmod(p, 0o640)
        XCTAssertThrowsError(try PassphraseSource.file(path: p).passphrase(prompt: "x", confirm: false)) { e in
            XCTAssertEqual(e as? KeyFileError, .permissionsTooOpen(path: p, mode: 0o640))
            XCTAssertTrue("\(e)".contains(p), "\(e)")
            XCTAssertFalse("\(e)".contains(passphrase), "\(e)")
        }
        let e = dir.write("empty", "\n"); chmod(e, 0o600)
        XCTAssertThrowsError(try PassphraseSource.file(path: e).passphrase(prompt: "x", confirm: false))
        if case .file(let f) = PassphraseSource.resolve(passphraseFile: "/x") { XCTAssertEqual(f, "/x") } else { XCTFail() }
    }
}
