import XCTest
import Foundation
import SluisTestSupport

/// End to end: keygen, fingerprint, encrypt, decrypt and inspect through the built `sluis` binary —
/// exit codes, stderr, stdout and the files left behind.
final class CryptoCLITests: XCTestCase {
    let secretLine = Array("bsn,name\n123456782,Jan Jansen\n".utf8)

    func keys(_ dir: TemporaryDirectory, _ names: String...) throws {
        for n in names {
            let r = try CLI.run(["keygen", "identity", "-o", n, "--unprotected", "--comment", n], in: dir.path)
            XCTAssertEqual(r.exitCode, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("NOT protected"), r.stderr)
        }
    }

    func testKeygenWritesPrivateKeyAndOneLinePublicKey() throws {
        let dir = TemporaryDirectory()
        let r = try CLI.run(["keygen", "identity", "-o", "alice", "--unprotected"], in: dir.path)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let attrs = try FileManager.default.attributesOfItem(atPath: dir.file("alice.key"))
        XCTAssertEqual((attrs[.posixPermissions] as? Int), 0o600)
        let pub = String(decoding: dir.read("alice.pub"), as: UTF8.self)
        XCTAssertTrue(pub.hasPrefix("sluis-pub-v1 ") && pub.hasSuffix("\n") && pub.filter { $0 == "\n" }.count == 1)
        let fp = try CLI.run(["fingerprint", "alice.pub", "alice.key"], in: dir.path)
        XCTAssertEqual(fp.exitCode, 0, fp.stderr)
        let lines = fp.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[0].split(separator: " ").first, lines[1].split(separator: " ").first)
        XCTAssertTrue(r.stdout.contains(String(lines[0].split(separator: " ")[0])))
        // Never overwrites.
        let again = try CLI.run(["keygen", "identity", "-o", "alice", "--unprotected"], in: dir.path)
        XCTAssertNotEqual(again.exitCode, 0)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
    }

    func testRoundTripThroughFilesAndPipesWithSeveralRecipients() throws {
        let dir = TemporaryDirectory()
        try keys(dir, "alice", "bob")
        dir.write("data.csv", bytes: secretLine)
        var r = try CLI.run(["encrypt", "-r", "alice.pub", "-r", "bob.pub", "-o", "data.sluis", "data.csv"], in: dir.path)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        r = try CLI.run(["decrypt", "-i", "bob.key", "-o", "out.csv", "data.sluis"], in: dir.path)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(dir.read("out.csv"), secretLine)
        // stdin → stdout, recipient given as key text.
        let pubText = String(decoding: dir.read("alice.pub"), as: UTF8.self).trimmingCharacters(in: .newlines)
        let enc = try CLI.run(["encrypt", "-r", pubText], in: dir.path, stdin: secretLine)
        XCTAssertEqual(enc.exitCode, 0, enc.stderr)
        let dec = try CLI.run(["decrypt", "-i", "alice.key", "--buffer-until-verified"], in: dir.path, stdin: enc.stdoutBytes)
        XCTAssertEqual(dec.exitCode, 0, dec.stderr)
        XCTAssertEqual(dec.stdoutBytes, secretLine)
        let dec2 = try CLI.run(["decrypt", "-i", "alice.key", "-"], in: dir.path, stdin: enc.stdoutBytes)
        XCTAssertEqual(dec2.stdoutBytes, secretLine)
    }

    func testInspectShowsRecipientsAndSizesWithoutAKey() throws {
        let dir = TemporaryDirectory()
        try keys(dir, "alice", "bob")
        dir.write("data.csv", bytes: [UInt8](repeating: 65, count: 70000))
        XCTAssertEqual(try CLI.run(["encrypt", "-r", "alice.pub", "-r", "bob.pub", "-o", "d.sluis", "data.csv"], in: dir.path).exitCode, 0)
        let fa = try CLI.run(["fingerprint", "alice.pub"], in: dir.path).stdout.split(separator: " ")[0]
        let text = try CLI.run(["inspect", "d.sluis"], in: dir.path)
        XCTAssertEqual(text.exitCode, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("version 1") && text.stdout.contains("chunk size: 65536") && text.stdout.contains(String(fa)))
        XCTAssertTrue(text.stdout.contains("70000 bytes of plaintext"), text.stdout)
        let json = try CLI.run(["inspect", "--json", "d.sluis"], in: dir.path)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdoutBytes)) as? [String: Any])
        XCTAssertEqual(obj["version"] as? Int, 1)
        XCTAssertEqual((obj["recipients"] as? [String])?.count, 2)
        XCTAssertEqual(obj["plaintextByteCount"] as? Int, 70000)
        XCTAssertEqual(obj["headerByteCount"] as? Int, 72 + 2 * 112)
        let notSluis = try CLI.run(["inspect", "data.csv"], in: dir.path)
        XCTAssertEqual(notSluis.exitCode, 3, notSluis.stderr)
        XCTAssertTrue(notSluis.stderr.contains("not a sluis encrypted file"), notSluis.stderr)
    }

    func testFailuresExitFourLeaveNothingBehindAndNeverEchoData() throws {
        let dir = TemporaryDirectory()
        try keys(dir, "alice", "carol")
        var plain = [UInt8]()
        while plain.count < 200_000 { plain += secretLine }
        dir.write("data.csv", bytes: plain)
        XCTAssertEqual(try CLI.run(["encrypt", "-r", "alice.pub", "-o", "d.sluis", "data.csv"], in: dir.path).exitCode, 0)
        let good = dir.read("d.sluis")
        var changed = good; changed[good.count / 2] ^= 1
        let cases: [(String, [UInt8], String)] = [
            ("changed", changed, "failed to authenticate"),
            ("truncated", Array(good[0..<(296 - 112 + 65553 * 2)]), "truncated"),
            ("cut", Array(good[0..<150_000]), "failed to authenticate"),
            ("appended", good + [1], "had data appended"),
        ]
        let before = dir.allFiles()
        for (name, bytes, meaning) in cases {
            dir.write(name + ".sluis", bytes: bytes)
            let r = try CLI.run(["decrypt", "-i", "alice.key", "-o", name + ".csv", name + ".sluis"], in: dir.path)
            XCTAssertEqual(r.exitCode, 4, name)
            XCTAssertTrue(r.stderr.hasPrefix("sluis: \(name).sluis: ") && r.stderr.contains(meaning), r.stderr)
            XCTAssertFalse(r.stderr.contains("123456782") || r.stderr.contains("Jansen"))
            // Buffered stdout: nothing released.
            let b = try CLI.run(["decrypt", "-i", "alice.key", "--buffer-until-verified", name + ".sluis"], in: dir.path)
            XCTAssertEqual(b.exitCode, 4, name)
            XCTAssertTrue(b.stdoutBytes.isEmpty, name)
            // Streaming stdout: says the output must be discarded.
            let s = try CLI.run(["decrypt", "-i", "alice.key", name + ".sluis"], in: dir.path)
            XCTAssertEqual(s.exitCode, 4, name)
            XCTAssertTrue(s.stderr.contains("discard"), s.stderr)
        }
        XCTAssertEqual(dir.allFiles(), (before + cases.map { $0.0 + ".sluis" }).sorted(), "no output or temporary file left behind")
        let other = try CLI.run(["decrypt", "-i", "carol.key", "-o", "x.csv", "d.sluis"], in: dir.path)
        XCTAssertEqual(other.exitCode, 4)
        let fpCarol = try CLI.run(["fingerprint", "carol.pub"], in: dir.path).stdout.split(separator: " ")[0]
        XCTAssertTrue(other.stderr.contains("not encrypted to key \(fpCarol); recipients: "), other.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("x.csv")))
    }

    func testFailedDecryptLeavesAnExistingTargetAndTheSpoolDirectoryUntouched() throws {
        let dir = TemporaryDirectory()
        let spool = TemporaryDirectory("sluis-spool-test")
        try keys(dir, "alice")
        dir.write("data.csv", bytes: secretLine)
        XCTAssertEqual(try CLI.run(["encrypt", "-r", "alice.pub", "-o", "d.sluis", "data.csv"], in: dir.path).exitCode, 0)
        var bad = dir.read("d.sluis"); bad[bad.count - 3] ^= 1
        dir.write("bad.sluis", bytes: bad)
        dir.write("target.csv", "previous contents\n")
        // An existing output is refused without --force (nothing decrypted), and with it a failed
        // decrypt still leaves it as it was: it is replaced only by a verified whole.
        let refused = try CLI.run(["decrypt", "-i", "alice.key", "-o", "target.csv", "d.sluis"], in: dir.path)
        XCTAssertEqual(refused.exitCode, 5, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("target.csv already exists"), refused.stderr)
        let r = try CLI.run(["decrypt", "-i", "alice.key", "-o", "target.csv", "--force", "bad.sluis"], in: dir.path)
        XCTAssertEqual(r.exitCode, 4)
        XCTAssertEqual(String(decoding: dir.read("target.csv"), as: UTF8.self), "previous contents\n")
        let replaced = try CLI.run(["decrypt", "-i", "alice.key", "-o", "target.csv", "--force", "d.sluis"], in: dir.path)
        XCTAssertEqual(replaced.exitCode, 0, replaced.stderr)
        XCTAssertEqual(dir.read("target.csv"), secretLine)
        XCTAssertEqual(try CLI.run(["encrypt", "-r", "alice.pub", "-o", "d.sluis", "data.csv"], in: dir.path).exitCode, 5)
        XCTAssertEqual(try CLI.run(["encrypt", "-r", "alice.pub", "-o", "d.sluis", "--force", "data.csv"], in: dir.path).exitCode, 0)
        for file in ["d.sluis", "bad.sluis"] {
            let b = try CLI.run(["decrypt", "-i", "alice.key", "--buffer-until-verified", file], in: dir.path,
                                environment: ["TMPDIR": spool.path])
            XCTAssertEqual(b.exitCode, file == "d.sluis" ? 0 : 4)
            XCTAssertEqual(spool.allFiles(), [], "the spool file is unlinked at once")
        }
        dir.write("short.sluis", bytes: Array(dir.read("d.sluis")[0..<50]))
        let i = try CLI.run(["inspect", "short.sluis"], in: dir.path)
        XCTAssertEqual(i.exitCode, 4)
        XCTAssertTrue(i.stderr.contains("short.sluis: the file ends inside its header"), i.stderr)
    }

    func testPassphraseProtectedKeysAndTheirErrors() throws {
        let dir = TemporaryDirectory()
        let pass = "tulip-canal-9431-secret"
        dir.write("pw", pass + "\n"); chmod(dir.file("pw"), 0o600)
        dir.write("bad", "not-the-passphrase\n"); chmod(dir.file("bad"), 0o600)
        var r = try CLI.run(["keygen", "identity", "-o", "officer", "--passphrase-file", "pw"], in: dir.path)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertFalse(String(decoding: dir.read("officer.key"), as: UTF8.self).contains(pass))
        dir.write("m.txt", bytes: secretLine)
        XCTAssertEqual(try CLI.run(["encrypt", "-r", "officer.pub", "-o", "m.sluis", "m.txt"], in: dir.path).exitCode, 0)
        // Fingerprint needs no passphrase.
        XCTAssertEqual(try CLI.run(["fingerprint", "officer.key"], in: dir.path).exitCode, 0)
        // Passphrase via the environment variable.
        r = try CLI.run(["decrypt", "-i", "officer.key", "-o", "m.out", "m.sluis"], in: dir.path,
                        environment: ["SLUIS_PASSPHRASE_FILE": dir.file("pw")])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(dir.read("m.out"), secretLine)
        // Wrong passphrase.
        r = try CLI.run(["decrypt", "-i", "officer.key", "--passphrase-file", "bad", "-o", "m2.out", "m.sluis"], in: dir.path)
        XCTAssertEqual(r.exitCode, 4)
        XCTAssertTrue(r.stderr.contains("wrong passphrase"), r.stderr)
        XCTAssertFalse(r.stderr.contains("not-the-passphrase") || r.stderr.contains(pass))
        // No terminal, no passphrase file: an error, never a prompt.
        r = try CLI.run(["decrypt", "-i", "officer.key", "-o", "m3.out", "m.sluis"], in: dir.path)
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("not a terminal"), r.stderr)
        // A passphrase file others can read.
        chmod(dir.file("pw"), 0o644)
        r = try CLI.run(["decrypt", "-i", "officer.key", "--passphrase-file", "pw", "-o", "m4.out", "m.sluis"], in: dir.path)
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("chmod 600"), r.stderr)
        for f in ["m2.out", "m3.out", "m4.out"] { XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file(f))) }
    }

    func testBadKeyFilesAreRefusedClearly() throws {
        let dir = TemporaryDirectory()
        try keys(dir, "alice")
        dir.write("x.sluis", bytes: [])
        chmod(dir.file("alice.key"), 0o644)
        var r = try CLI.run(["decrypt", "-i", "alice.key", "-o", "o", "x.sluis"], in: dir.path)
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("group or others may read it") && r.stderr.contains("chmod 600"), r.stderr)
        dir.write("garbage.key", bytes: (0..<500).map { UInt8($0 % 256) }); chmod(dir.file("garbage.key"), 0o600)
        r = try CLI.run(["decrypt", "-i", "garbage.key", "-o", "o", "x.sluis"], in: dir.path)
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("not a sluis key file"), r.stderr)
        chmod(dir.file("alice.key"), 0o600)
        let full = dir.read("alice.key")
        dir.write("cut.key", bytes: Array(full[0..<60])); chmod(dir.file("cut.key"), 0o600)
        r = try CLI.run(["decrypt", "-i", "cut.key", "-o", "o", "x.sluis"], in: dir.path)
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("cut.key:") && r.stderr.contains("malformed"), r.stderr)
        r = try CLI.run(["decrypt", "-i", "alice.pub", "-o", "o", "x.sluis"], in: dir.path)
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("alice.pub is a public key, but a secret key file"), r.stderr)
        r = try CLI.run(["encrypt", "-r", "alice.key", "-o", "o"], in: dir.path)
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("not a sluis public key"), r.stderr)
        r = try CLI.run(["decrypt", "-i", "missing.key", "-o", "o", "x.sluis"], in: dir.path)
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("cannot open key file missing.key"), r.stderr)
        r = try CLI.run(["encrypt", "-r", "missing.pub", "-o", "o", "x.sluis"], in: dir.path)
        XCTAssertEqual(r.exitCode, 2)
        r = try CLI.run(["encrypt", "-o", "o"], in: dir.path)
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("o")))
    }

    func testPseudonymKeygen() throws {
        let dir = TemporaryDirectory()
        var r = try CLI.run(["keygen", "pseudonym", "--project", "P2026-001", "-o", "p.key", "--unprotected"], in: dir.path)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let keyId = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("key id: ") }?.dropFirst(8))
        XCTAssertEqual(keyId.count, 16)
        r = try CLI.run(["fingerprint", "p.key"], in: dir.path)
        XCTAssertTrue(r.stdout.hasPrefix(String(keyId)) && r.stdout.contains("P2026-001"), r.stdout)
        r = try CLI.run(["keygen", "pseudonym", "--project", "bad id", "-o", "q.key", "--unprotected"], in: dir.path)
        XCTAssertEqual(r.exitCode, 2)
        // A register that cannot be read: an I/O error, and no key is written.
        r = try CLI.run(["keygen", "pseudonym", "--project", "P", "-o", "q.key", "--unprotected", "--check-register", "r.csv"], in: dir.path)
        XCTAssertEqual(r.exitCode, 5, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("q.key")))
        // A project key is not an identity.
        r = try CLI.run(["decrypt", "-i", "p.key", "-o", "o", "p.key"], in: dir.path)
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("project pseudonym key"), r.stderr)
    }
}

/// A decrypt killed outright (SIGKILL) while it writes leaves no file behind: not the output,
/// and no temporary file holding unverified plaintext (an unnamed `O_TMPFILE` on Linux).
final class KilledWriterCLITests: XCTestCase {
    func testKilledDecryptLeavesNoPlaintextFile() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(try CLI.run(["keygen", "identity", "-o", "alice", "--unprotected"], in: dir.path).exitCode, 0)
        var plain = [UInt8]()
        for i in 0..<200_000 { plain += Array("\(100_000_000 + i),Jan Jansen \(i)\n".utf8) }
        dir.write("data.csv", bytes: plain)
        XCTAssertEqual(try CLI.run(["encrypt", "-r", "alice.pub", "-o", "data.sluis", "data.csv"], in: dir.path).exitCode, 0)
        let cipher = dir.read("data.sluis")
        let before = Set(dir.allFiles())

        // Ciphertext through a pipe that we hold open half-way: the decryptor is mid-file, its
        // output open, when it is killed.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binaryPath)
        p.arguments = ["decrypt", "-i", "alice.key", "-o", "out.csv", "-"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        let input = Pipe()
        p.standardInput = input
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        input.fileHandleForWriting.write(Data(cipher[0..<(cipher.count / 2)]))
        // The barrier: the process itself shows when it is mid-write — its output file is open
        // (under /proc/PID/fd) and holds plaintext. No fixed sleep: fast machines go on at once,
        // slow ones get a minute before the test fails for the right reason.
        let written = try waitForOpenOutput(of: p.processIdentifier, under: dir.path, minimumByteCount: 1 << 20, timeoutSeconds: 60)
        XCTAssertGreaterThanOrEqual(written ?? 0, 1 << 20, "the decryptor never wrote plaintext to its output")
        XCTAssertTrue(p.isRunning, "the decryptor should be waiting for the rest of its input")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        try? input.fileHandleForWriting.close()
        XCTAssertEqual(Set(dir.allFiles()), before, "a file was left behind")
    }

    /// Polls the open files of process `pid` until one below `folder` holds at least
    /// `minimumByteCount` bytes; returns its size, or nil at the deadline or when the process ended.
    func waitForOpenOutput(of pid: Int32, under folder: String, minimumByteCount: Int, timeoutSeconds: Double) throws -> Int? {
        let real = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            if fds.isEmpty { return nil }  // the process is gone
            for fd in fds {
                let link = "/proc/\(pid)/fd/\(fd)"
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link),
                      target.hasPrefix(real + "/") || target.hasPrefix(folder + "/") else { continue }
                var st = stat()
                if stat(link, &st) == 0, st.st_size >= minimumByteCount { return Int(st.st_size) }
            }
            usleep(5_000)
        }
        return nil
    }
}
