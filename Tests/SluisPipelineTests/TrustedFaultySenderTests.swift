import Foundation
import XCTest
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
@testable import SluisPipeline
import SluisTestSupport

/// The most dangerous sender: one the intake trusts, whose package is signed correctly but whose
/// contents are wrong. Every check `open` makes after decryption is run here, each by a package
/// that is wrong in exactly that one way (written by `PackageBuilder` from docs/format.md), and
/// each must be refused with its own message, as a verification failure, with nothing written.
final class TrustedFaultySenderTests: XCTestCase {
    var dir: TemporaryDirectory!
    var researcher: Identity!
    var intake: Identity!
    var trust: TrustStore!

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-faulty")
        researcher = try Identity.generate(comment: "researcher")
        intake = try Identity.generate(comment: "intake")
        trust = TrustStore(entries: [.init(recipient: researcher.recipient, projects: ["P2026-0042"])])
    }

    func builder() -> PackageBuilder {
        PackageBuilder(signer: researcher, recipients: [intake.recipient], files: [
            .csv("entry-001", "survey.csv", "PSEUDO_BSN,Score\n00000000000000001,7\n00000000000000002,8\n"),
            .csv("entry-002", "visits.csv", "PSEUDO_BSN,Visits\n00000000000000001,3\n"),
        ])
    }

    /// Writes the package, then checks that `open` refuses it with a message containing `detail`
    /// and leaves no folder, staging folder or file behind. Returns the message.
    @discardableResult
    func assertOpenRefuses(_ b: PackageBuilder, _ detail: String, verifies: Bool = true,
                           file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let name = "p-\(UUID().uuidString.prefix(8)).sluis"
        let path = dir.write(name, bytes: try b.build())
        // The clear part is correct: a verifier without the intake's key cannot see the fault.
        if verifies {
            XCTAssertNoThrow(try PackageVerifier.verify(path: path, trust: trust), file: file, line: line)
        }
        let before = Set(dir.allFiles())
        let out = dir.file("opened-\(name)")
        var message = ""
        XCTAssertThrowsError(try PackageOpener.open(path: path, identity: intake, trust: trust, outputDirectory: out),
                             file: file, line: line) { error in
            message = (error as? SluisError)?.description ?? "not a SluisError: \(error)"
            XCTAssertEqual((error as? SluisError)?.category, .verification, message, file: file, line: line)
            XCTAssertTrue(message.contains(detail), "expected \"\(detail)\" in: \(message)", file: file, line: line)
        }
        XCTAssertFalse(FileSystem.exists(out), file: file, line: line)
        XCTAssertEqual(Set(dir.allFiles()), before, "open left files behind", file: file, line: line)
        XCTAssertEqual(try FileSystem.list(dir.path).filter { $0.hasPrefix(".") }, [], file: file, line: line)
        return message
    }

    func testTheWellFormedPackageOpens() throws {
        let path = dir.write("good.sluis", bytes: try builder().build())
        let opened = try PackageOpener.open(path: path, identity: intake, trust: trust, outputDirectory: dir.file("out"))
        XCTAssertEqual(opened.inner.files.map(\.name), ["survey.csv", "visits.csv"])
        XCTAssertEqual(dir.read("out/survey.csv"), builder().files[0].plaintext)
    }

    func testAnUnreadableInnerManifest() throws {
        var b = builder()
        b.replaceInnerBytes = { _ in Array("this is not json".utf8) }
        try assertOpenRefuses(b, "the inner manifest is not valid (it cannot be read)")
        // A key named twice is unreadable too: readers would disagree on which one counts.
        b.replaceInnerBytes = { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            return Array(text.replacingOccurrences(of: "{\n", with: "{\n  \"project\": \"P2026-0099\",\n",
                                                   options: [], range: text.range(of: "{\n")).utf8)
        }
        try assertOpenRefuses(b, "the inner manifest is not valid (it cannot be read)")
    }

    func testAnInnerManifestOfAnotherVersion() throws {
        var b = builder()
        b.editInner = { $0[member: "version"] = .number(2) }
        try assertOpenRefuses(b, "version 2 is not 1")
    }

    func testAnInnerManifestOfAnotherPackage() throws {
        for member in ["packageId", "project", "pseudonymKeyId"] {
            var b = builder()
            let other: JSONValue = member == "packageId" ? .string(String(repeating: "ab", count: 16))
                : member == "project" ? .string("P2026-0043") : .string("fedcba9876543210")
            b.editInner = { $0[member: member] = other }
            try assertOpenRefuses(b, "it belongs to another package")
        }
    }

    func testAnInnerManifestListingOtherEntries() throws {
        // One entry more than the package holds.
        var b = builder()
        b.editInner = { inner in
            var files = inner[member: "files"]?.items ?? []
            var extra = files[1]
            extra[member: "entry"] = .string("entry-003")
            extra[member: "name"] = .string("ghost.csv")
            files.append(extra)
            inner[member: "files"] = .array(files)
        }
        try assertOpenRefuses(b, "its entries differ from the signed manifest")
    }

    func testAnEntryTheInnerManifestDoesNotDescribe() throws {
        var b = builder()
        b.editInner = { inner in inner[member: "files"] = .array(Array((inner[member: "files"]?.items ?? []).prefix(1))) }
        try assertOpenRefuses(b, "entry entry-002 is not described")
    }

    func testAnUnknownFormat() throws {
        var b = builder()
        b.editInner = { $0.editFile(0) { $0[member: "format"] = .string("xlsx") } }
        try assertOpenRefuses(b, "entry entry-001 has an unknown format")
    }

    func testAMalformedPlaintextHash() throws {
        var b = builder()
        b.editInner = { $0.editFile(1) { f in
            if case let .string(h)? = f[member: "plaintextSHA256"] { f[member: "plaintextSHA256"] = .string(h.uppercased()) }
        } }
        try assertOpenRefuses(b, "entry entry-002 has a malformed plaintextSHA256")
    }

    func testAPlaintextOfAnotherSize() throws {
        var b = builder()
        b.editInner = { $0.editFile(0) { f in f[member: "plaintextSize"] = .number(Double(self.builder().files[0].plaintext.count + 1)) } }
        try assertOpenRefuses(b, "decrypted file survey.csv does not match the inner manifest (size differs)")
    }

    func testAPlaintextWithAnotherHash() throws {
        var b = builder()
        b.editInner = { $0.editFile(1) { f in f[member: "plaintextSHA256"] = .string(Hex.encode(SHA256Hasher.hash(Array("other".utf8)))) } }
        try assertOpenRefuses(b, "decrypted file visits.csv does not match the inner manifest (SHA-256 differs)")
    }

    func testAnotherRowCount() throws {
        var b = builder()
        b.editInner = { $0.editFile(0) { f in f[member: "rows"] = .number(3) } }
        try assertOpenRefuses(b, "decrypted file survey.csv does not match the inner manifest (row count differs)")
    }

    func testCSVBytesDescribedAsSPSS() throws {
        var b = builder()
        b.editInner = { $0.editFile(0) { f in f[member: "format"] = .string("sav") } }
        try assertOpenRefuses(b, "decrypted file survey.csv does not match the inner manifest (it cannot be read as sav)")
    }

    /// The signed hash of a data entry is wrong while its header hash is right: `verify` (which
    /// hashes every entry) and `open` (which hashes while decrypting, and releases nothing) both refuse.
    func testAnEntryHashMismatchAtOpen() throws {
        var b = builder()
        b.editManifest = { m in
            var entries = m[member: "entries"]?.items ?? []
            entries[1][member: "sha256"] = .string(Hex.encode(SHA256Hasher.hash(Array("other".utf8))))
            m[member: "entries"] = .array(entries)
        }
        try assertOpenRefuses(b, "entry entry-002 does not match its hash in the signed manifest", verifies: false)
        let path = dir.write("hash.sluis", bytes: try b.build())
        XCTAssertThrowsError(try PackageVerifier.verify(path: path, trust: trust)) {
            guard case .entryHashMismatch(_, "entry-002") = $0 as? PackageError else { return XCTFail("\($0)") }
        }
    }

    func testAnUnsafeFileName() throws {
        for name in ["../escape.csv", ".hidden.csv", "a/b.csv", PackageOpener.metadataFileName, "SURVEY.CSV"] {
            var b = builder()
            b.editInner = { $0.editFile(1) { f in f[member: "name"] = .string(name) } }
            try assertOpenRefuses(b, "entry entry-002 has a file name that is not a plain file name")
        }
    }

    /// The shared list the adversarial suite runs too: each fault is refused with its message,
    /// by `verify` already where it says so, and by `open` always, with nothing written.
    func testEverySharedFaultIsRefusedWithItsMessage() throws {
        for fault in PackageBuilder.faults() {
            var b = builder()
            fault.apply(&b)
            let path = dir.write("shared.sluis", bytes: try b.build())
            if fault.verifyRefuses {
                XCTAssertThrowsError(try PackageVerifier.verify(path: path, trust: trust), fault.name) { error in
                    let m = (error as? SluisError)?.description ?? "\(error)"
                    XCTAssertTrue(m.contains(fault.detail), "\(fault.name): \(m)")
                }
            }
            try assertOpenRefuses(b, fault.detail, verifies: !fault.verifyRefuses)
        }
    }

    /// Every fault above has a message of its own, so an intake officer can tell them apart.
    func testEachFaultHasItsOwnMessage() throws {
        var messages: [String] = []
        func add(_ edit: (inout PackageBuilder) -> Void, _ detail: String, verifies: Bool = true) throws {
            var b = builder()
            edit(&b)
            let m = try assertOpenRefuses(b, detail, verifies: verifies)
            // Drop the package path, which differs per case.
            guard let end = m.range(of: ".sluis") else { return XCTFail("no refusal naming the package: \(m)") }
            messages.append(String(m[end.upperBound...]))
        }
        try add({ $0.replaceInnerBytes = { _ in [0x7B] } }, "cannot be read")
        try add({ $0.editInner = { $0[member: "version"] = .number(7) } }, "version 7")
        try add({ $0.editInner = { $0[member: "project"] = .string("P2026-0043") } }, "another package")
        try add({ $0.editInner = { $0.editFile(1) { $0[member: "entry"] = .string("entry-009") } } }, "not described")
        try add({ $0.editInner = { inner in inner[member: "files"] = .array((inner[member: "files"]?.items ?? []) + [inner[member: "files"]![item: 0]!]) } },
                "entries differ")
        try add({ $0.editInner = { $0.editFile(0) { $0[member: "format"] = .string("parquet") } } }, "unknown format")
        try add({ $0.editInner = { $0.editFile(0) { $0[member: "plaintextSHA256"] = .string("00") } } }, "malformed plaintextSHA256")
        try add({ $0.editInner = { $0.editFile(0) { $0[member: "plaintextSize"] = .number(0) } } }, "size differs")
        try add({ $0.editInner = { $0.editFile(0) { $0[member: "plaintextSHA256"] = .string(String(repeating: "0", count: 64)) } } },
                "SHA-256 differs")
        try add({ $0.editManifest = { m in
            var e = m[member: "entries"]?.items ?? []
            e[0][member: "sha256"] = .string(String(repeating: "0", count: 64))
            m[member: "entries"] = .array(e)
        } }, "does not match its hash", verifies: false)
        XCTAssertEqual(Set(messages).count, messages.count, messages.joined(separator: "\n"))
    }
}

extension JSONValue {
    /// Edits the `index`th object of an inner manifest's `files`.
    mutating func editFile(_ index: Int, _ edit: (inout JSONValue) -> Void) {
        guard var file = self[member: "files"]?[item: index] else { return }
        edit(&file)
        var files = self[member: "files"]!
        files[item: index] = file
        self[member: "files"] = files
    }
}
