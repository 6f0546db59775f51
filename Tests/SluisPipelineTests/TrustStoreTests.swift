import Foundation
import XCTest
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
@testable import SluisPipeline
import SluisTestSupport

/// Trust lists as the intake officer writes them: files with `projects=` lines, and folders with
/// per-project sub-folders (docs/intake.md). Who is trusted for what is the whole point.
final class TrustStoreTests: XCTestCase {
    var dir: TemporaryDirectory!
    var alice: Recipient!
    var bob: Recipient!
    var carol: Recipient!

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-trust")
        alice = try Identity.generate(comment: "alice").recipient
        bob = try Identity.generate(comment: "bob").recipient
        carol = try Identity.generate(comment: "carol").recipient
    }

    func testATrustFileWithCommentsBlankLinesCRLFAndProjectLines() throws {
        let path = dir.write("trust.txt", """
        # the intake's trust list\r
        \(alice.lineText)\r
        \r
           projects=P2026-0042,P2026-0043 \(bob.publicKeyText)  \t
        projects=P2026-0044 \(carol.lineText)
        """)
        let trust = try TrustStore(path: path)
        XCTAssertEqual(trust.entries.count, 3)
        for p in ["P2026-0042", "P2026-0043", "P2026-0044", "X"] { XCTAssertTrue(trust.trusted(alice, project: p), p) }
        XCTAssertTrue(trust.trusted(bob, project: "P2026-0042"))
        XCTAssertTrue(trust.trusted(bob, project: "P2026-0043"))
        XCTAssertFalse(trust.trusted(bob, project: "P2026-0044"))
        XCTAssertFalse(trust.trusted(bob, project: "P2026-004"))
        XCTAssertTrue(trust.trusted(carol, project: "P2026-0044"))
        XCTAssertFalse(trust.trusted(carol, project: "P2026-0042"))
        // The comment is a label: the same key with another comment is the same sender.
        XCTAssertTrue(trust.trusted(try Recipient(parsing: bob.publicKeyText + " renamed"), project: "P2026-0043"))
        let stranger = try Identity.generate().recipient
        XCTAssertFalse(trust.trusted(stranger, project: "P2026-0042"))
    }

    func testATrustFolderWithProjectSubFolders() throws {
        try FileSystem.makeDirectories(dir.file("trust/P2026-0042"))
        try FileSystem.makeDirectories(dir.file("trust/P2026-0043"))
        dir.write("trust/alice.pub", alice.lineText + "\n")
        dir.write("trust/P2026-0042/bob.pub", bob.lineText + "\n")
        // A projects= line inside a project folder can only narrow it: P2026-0099 is not granted.
        dir.write("trust/P2026-0043/carol.pub", "projects=P2026-0043,P2026-0099 " + carol.lineText + "\n")
        dir.write("trust/P2026-0043/notes.txt", "not a key, and not read\n")
        dir.write("trust/readme.md", "not a key either\n")
        let trust = try TrustStore(path: dir.file("trust"))
        XCTAssertEqual(trust.entries.count, 3)
        XCTAssertTrue(trust.trusted(alice, project: "anything"))
        XCTAssertTrue(trust.trusted(bob, project: "P2026-0042"))
        XCTAssertFalse(trust.trusted(bob, project: "P2026-0043"))
        XCTAssertTrue(trust.trusted(carol, project: "P2026-0043"))
        XCTAssertFalse(trust.trusted(carol, project: "P2026-0099"))
        XCTAssertFalse(trust.trusted(carol, project: "P2026-0042"))
    }

    func testPublicKeyFilesFromIntakeJSONAreForOneProjectOnly() throws {
        let a = dir.write("alice.pub", alice.lineText + "\n")
        let b = dir.write("bob.pub", "projects=P2026-0042 " + bob.lineText + "\n")
        let trust = try TrustStore(publicKeyFiles: [a, b], project: "P2026-0043")
        XCTAssertTrue(trust.trusted(alice, project: "P2026-0043"))
        XCTAssertFalse(trust.trusted(alice, project: "P2026-0042"))
        // The project of intake.json and the line's own list do not overlap: trusted for nothing.
        XCTAssertFalse(trust.trusted(bob, project: "P2026-0042"))
        XCTAssertFalse(trust.trusted(bob, project: "P2026-0043"))
    }

    /// Bad lines are named by file and line, and their text (which could be anything an
    /// administrator pasted, a secret key included) is never echoed.
    func testBadLinesAreNamedByLineWithoutTheirText() throws {
        let secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I="
        let cases: [(String, Int)] = [
            ("# ok\n\(alice.lineText)\nsecret: \(secret)\n", 3),
            ("projects=P2026-0042\(secret)\n", 1),                          // no space after the list
            ("projects=P2026-0042 sluis-pub-v1 \(secret)x\n", 1),          // not a valid key
            ("\n\n\nsluis-pub-v2 \(secret)\n", 4),
        ]
        for (i, (text, line)) in cases.enumerated() {
            let path = dir.write("bad\(i).txt", text)
            XCTAssertThrowsError(try TrustStore(path: path)) { error in
                XCTAssertEqual(error as? TrustError, .badLine(path: path, line: line))
                let message = (error as? SluisError)?.description ?? ""
                XCTAssertTrue(message.hasPrefix("\(path):\(line): "), message)
                XCTAssertFalse(message.contains(secret) || message.contains("c2VjcmV0"), message)
                XCTAssertEqual((error as? SluisError)?.category, .usage)
            }
        }
    }

    func testMissingAndEmptyTrustLists() throws {
        XCTAssertThrowsError(try TrustStore(path: dir.file("nope"))) { XCTAssertEqual($0 as? TrustError, .missing(path: self.dir.file("nope"))) }
        let empty = dir.write("empty.txt", "# nobody yet\n\n")
        XCTAssertThrowsError(try TrustStore(path: empty)) { XCTAssertEqual($0 as? TrustError, .empty(path: empty)) }
        try FileSystem.makeDirectories(dir.file("folder/P1"))
        dir.write("folder/P1/readme.txt", "no keys\n")
        XCTAssertThrowsError(try TrustStore(path: dir.file("folder"))) { XCTAssertEqual($0 as? TrustError, .empty(path: self.dir.file("folder"))) }
    }

    /// End to end through the verifier: a folder trust list decides which package verifies.
    func testAFolderTrustListDecidesVerification() throws {
        let researcher = try Identity.generate(comment: "r")
        let intake = try Identity.generate(comment: "i")
        try FileSystem.makeDirectories(dir.file("trust/P2026-0043"))
        dir.write("trust/P2026-0043/r.pub", researcher.recipient.lineText + "\n")
        let trust = try TrustStore(path: dir.file("trust"))
        var b = PackageBuilder(signer: researcher, recipients: [intake.recipient], files: [.csv("entry-001", "a.csv", "A\n1\n")])
        b.project = "P2026-0042"
        let p42 = dir.write("p42.sluis", bytes: try b.build())
        b.project = "P2026-0043"
        let p43 = dir.write("p43.sluis", bytes: try b.build())
        XCTAssertNoThrow(try PackageVerifier.verify(path: p43, trust: trust))
        XCTAssertThrowsError(try PackageVerifier.verify(path: p42, trust: trust)) {
            guard case .untrustedSigner(_, researcher.recipient.fingerprint, "P2026-0042") = $0 as? PackageError else { return XCTFail("\($0)") }
        }
    }
}
