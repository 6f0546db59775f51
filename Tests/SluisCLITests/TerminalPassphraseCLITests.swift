import XCTest
import Foundation
import SluisTestSupport

/// The passphrase path a person uses at a terminal, through a real pseudo-terminal: the
/// passphrase is asked twice for a new key and never echoed, a mismatch writes nothing, and the
/// key then opens with that passphrase (typed, or from a file) and not with another.
final class TerminalPassphraseCLITests: XCTestCase {
    let passphrase = "correct horse battery staple 7"

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            // util-linux `script` is part of every Debian system (bsdutils, Essential: yes).
            XCTFail("/usr/bin/script is missing: install bsdutils")
            return
        }
    }

    private func newKey(_ dir: TemporaryDirectory, _ name: String) throws -> (exitCode: Int32, transcript: String) {
        try CLI.runOnTerminal(["keygen", "identity", "-o", name], in: dir.path, answers: [
            (waitFor: "new passphrase for \(name).key: ", send: passphrase + "\n"),
            (waitFor: "repeat the passphrase: ", send: passphrase + "\n"),
        ])
    }

    func testNewKeyAsksTwiceWithoutEchoAndOpensWithThatPassphraseOnly() throws {
        let dir = TemporaryDirectory()
        let made = try newKey(dir, "alice")
        XCTAssertEqual(made.exitCode, 0, made.transcript)
        XCTAssertFalse(made.transcript.contains("horse"), "the passphrase was echoed: \(made.transcript)")
        XCTAssertTrue(made.transcript.contains("wrote alice.pub"), made.transcript)
        XCTAssertFalse(String(decoding: dir.read("alice.key"), as: UTF8.self).contains("protection: none"))

        // Typed at the terminal, asked once, not echoed.
        dir.write("data.csv", "a\n1\n")
        XCTAssertEqual(try CLI.run(["encrypt", "-r", "alice.pub", "-o", "data.sluis", "data.csv"], in: dir.path).exitCode, 0)
        let opened = try CLI.runOnTerminal(["decrypt", "-i", "alice.key", "-o", "out.csv", "data.sluis"], in: dir.path,
                                           answers: [(waitFor: "passphrase for alice.key: ", send: passphrase + "\n")])
        XCTAssertEqual(opened.exitCode, 0, opened.transcript)
        XCTAssertFalse(opened.transcript.contains("horse"), opened.transcript)
        XCTAssertEqual(dir.read("out.csv"), Array("a\n1\n".utf8))

        // The same passphrase from a file; a wrong one typed is a verification failure and writes nothing.
        dir.write("pass.txt", passphrase + "\n")
        chmod(dir.file("pass.txt"), 0o600)
        let fromFile = try CLI.run(["decrypt", "-i", "alice.key", "--passphrase-file", "pass.txt", "-o", "out2.csv", "data.sluis"], in: dir.path)
        XCTAssertEqual(fromFile.exitCode, 0, fromFile.stderr)
        let wrong = try CLI.runOnTerminal(["decrypt", "-i", "alice.key", "-o", "out3.csv", "data.sluis"], in: dir.path,
                                          answers: [(waitFor: "passphrase for alice.key: ", send: "not the passphrase\n")])
        XCTAssertEqual(wrong.exitCode, 4, wrong.transcript)
        XCTAssertTrue(wrong.transcript.contains("wrong passphrase for alice.key"), wrong.transcript)
        XCTAssertFalse(wrong.transcript.contains("not the passphrase"), wrong.transcript)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out3.csv")))
    }

    func testDifferentRepeatWritesNoKey() throws {
        let dir = TemporaryDirectory()
        let r = try CLI.runOnTerminal(["keygen", "identity", "-o", "bob"], in: dir.path, answers: [
            (waitFor: "new passphrase for bob.key: ", send: passphrase + "\n"),
            (waitFor: "repeat the passphrase: ", send: passphrase + "x\n"),
        ])
        XCTAssertEqual(r.exitCode, 2, r.transcript)
        XCTAssertTrue(r.transcript.contains("the two passphrases differ; nothing was written"), r.transcript)
        XCTAssertFalse(r.transcript.contains("horse"), r.transcript)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }
}
