import Foundation
import XCTest
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
@testable import SluisPipeline
import SluisTestSupport

/// The signed package: round trips, and every kind of tampering the intake must catch.
final class PackageTests: XCTestCase {
    var dir: TemporaryDirectory!
    var researcher: Identity!
    var intake: Identity!
    var trust: TrustStore!

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-package")
        researcher = try Identity.generate(comment: "researcher")
        intake = try Identity.generate(comment: "intake")
        trust = TrustStore(entries: [.init(recipient: researcher.recipient, projects: nil)])
    }

    /// A source that writes fixed CSV text, standing in for the pseudonymisation pipeline.
    func source(_ name: String, _ text: String) -> SealSource {
        // Records outside quotes, minus the header (the test texts quote at most one field per record).
        var records = 0
        var inQuotes = false
        for c in text.utf8 { if c == 0x22 { inQuotes.toggle() } else if c == 0x0A && !inQuotes { records += 1 } }
        let rows = UInt64(max(records - 1, 0))
        return SealSource(name: name, sourcePath: "in/" + name, format: "csv") { sink in
            try sink.write(text)
            return SealedFileDescription(columns: [.init(name: "PSEUDO_BSN", action: "pseudonymise", domain: "bsn",
                                                         rendering: "decimal:17", from: ["BSN"], output: true)],
                                         rows: rows, rowsRead: rows, invalidIdentifiers: [:], residualFindings: [:],
                                         dialect: ["delimiter": ",", "lineEnding": "lf"])
        }
    }

    let files: [(String, String)] = [
        ("survey.csv", "PSEUDO_BSN,Score\n00000000000000001,7\n\"0000000000000002\",\"a,\nb\"\n"),
        ("empty.csv", ""),
        ("header-only.csv", "PSEUDO_BSN,Score\n"),
        ("big.csv", "A,B\n" + String(repeating: "12345678901234567,some text\n", count: 20_000)),
    ]

    /// `checked: false` makes the package a faulty or hostile sender's sluis would, for `open` to refuse.
    @discardableResult
    func seal(to path: String, project: String = "P2026-0042", signer: Identity? = nil, files: [(String, String)]? = nil,
              pipeline: JSONValue = .object([("version", .number(1))]), checked: Bool = true) throws -> SealResult {
        try PackageSealer.seal(SealRequest(
            project: project, pseudonymKeyId: "0123456789abcdef", recipients: [intake.recipient],
            signer: signer ?? researcher, pipeline: pipeline,
            sources: (files ?? self.files).map { source($0.0, $0.1) }, output: path, toolVersion: "test"), checked: checked)
    }

    func testRoundTripOfSeveralFilesIncludingEmptyAndHeaderOnly() throws {
        let pkg = dir.file("up.sluis")
        let result = try seal(to: pkg)
        XCTAssertEqual(result.manifest.entries.count, 4)
        let verified = try PackageVerifier.verify(path: pkg, trust: trust, expectedProject: "P2026-0042")
        XCTAssertEqual(verified.signer.fingerprint, researcher.recipient.fingerprint)
        let opened = try PackageOpener.open(path: pkg, identity: intake, trust: trust, outputDirectory: dir.file("out"))
        XCTAssertEqual(opened.inner.files.map(\.name), files.map(\.0))
        for (name, text) in files {
            XCTAssertEqual(dir.read("out/" + name), Array(text.utf8), name)
        }
        XCTAssertTrue(FileSystem.exists(dir.file("out/" + PackageOpener.metadataFileName)))
        // The clear manifest says nothing about the content.
        let manifestText = String(decoding: verified.manifestBytes, as: UTF8.self)
        for (name, _) in files { XCTAssertFalse(manifestText.contains(name)) }
        XCTAssertFalse(manifestText.contains("PSEUDO_BSN"))
        XCTAssertFalse(manifestText.contains("rows"))
    }

    func testSealIntoAFolderNamesThePackageAndLeavesNoTemporaryFiles() throws {
        let out = dir.file("outbox")
        try FileSystem.makeDirectories(out)
        let result = try seal(to: out, files: [files[0]])
        let names = try FileSystem.list(out)
        XCTAssertEqual(names.count, 1)
        XCTAssertTrue(names[0].hasPrefix("P2026-0042-") && names[0].hasSuffix(".sluis"))
        XCTAssertEqual(result.packagePath, out + "/" + names[0])
    }

    // MARK: tampering

    /// Opens a tampered copy and checks it is refused with `expected`, leaving nothing behind.
    func assertRefused(_ bytes: [UInt8], _ check: (Error) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        let bad = dir.file("bad-\(UUID().uuidString.prefix(6)).sluis")
        dir.write(splitPath(bad).name, bytes: bytes)
        let out = dir.file("opened-\(UUID().uuidString.prefix(6))")
        do {
            _ = try PackageOpener.open(path: bad, identity: intake, trust: trust, outputDirectory: out)
            XCTFail("tampered package was opened", file: file, line: line)
        } catch {
            XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
            XCTAssertNotEqual((error as? SluisError)?.category, nil, file: file, line: line)
        }
        do {
            _ = try PackageVerifier.verify(path: bad, trust: trust)
            XCTFail("tampered package verified", file: file, line: line)
        } catch {}
        XCTAssertFalse(FileSystem.exists(out), file: file, line: line)
        XCTAssertEqual(dir.allFiles().filter { $0.contains("sluis-open") }, [], file: file, line: line)
    }

    func flipped(_ bytes: [UInt8], at offset: Int) -> [UInt8] {
        var b = bytes
        b[offset] ^= 0x01
        return b
    }

    func testEveryFlippedRegionIsRefused() throws {
        let pkg = dir.file("up.sluis")
        let result = try seal(to: pkg)
        let bytes = dir.read("up.sluis")
        let m = result.manifest
        let manifestOffset = Int(m.innerManifest.offset + m.innerManifest.size)
        let signatureOffset = bytes.count - 32 - 64
        // The manifest, the signature, an entry's header, an entry's body, the inner manifest, the trailer.
        let e1 = m.entries[0], e4 = m.entries[3]
        let offsets = [manifestOffset + 40, signatureOffset + 10, Int(e1.offset) + 3, Int(e1.offset) + 60,
                       Int(e4.offset + e4.size) - 5, Int(m.innerManifest.offset) + 200, bytes.count - 20, 3]
        for o in offsets {
            assertRefused(flipped(bytes, at: o)) { ($0 as? SluisError) != nil }
        }
    }

    func testTruncationAnywhereIsRefused() throws {
        try seal(to: dir.file("up.sluis"))
        let bytes = dir.read("up.sluis")
        for cut in [0, 1, 15, 16, 100, bytes.count / 2, bytes.count - 97, bytes.count - 33, bytes.count - 1] {
            assertRefused(Array(bytes[0..<cut])) { ($0 as? SluisError) != nil }
        }
        // Cut inside the trailer: said to be truncated.
        assertRefused(Array(bytes[0..<(bytes.count - 1)])) {
            if case .truncated = $0 as? PackageError { return true }
            return false
        }
        // Bytes appended: said to be appended, with how many (not "truncated").
        for extra in [[UInt8](repeating: 0, count: 1), Array("SLUISEND".utf8), [UInt8](repeating: 0x41, count: 5000)] {
            assertRefused(bytes + extra) {
                if case let .damagedLayout(_, detail) = $0 as? PackageError { return detail.hasPrefix("\(extra.count) byte(s) were appended") }
                return false
            }
        }
    }

    func testEntrySwappedWithOneFromAnotherPackageOfTheSameSigner() throws {
        let a = try seal(to: dir.file("a.sluis"))
        let b = try seal(to: dir.file("b.sluis"))
        var bytes = dir.read("a.sluis")
        let other = dir.read("b.sluis")
        let ea = a.manifest.entries[0], eb = b.manifest.entries[0]
        XCTAssertEqual(ea.size, eb.size)
        bytes.replaceSubrange(Int(ea.offset)..<Int(ea.offset + ea.size), with: other[Int(eb.offset)..<Int(eb.offset + eb.size)])
        assertRefused(bytes) {
            if case .entryHeaderMismatch = $0 as? PackageError { return true }
            if case .entryHashMismatch = $0 as? PackageError { return true }
            return false
        }
    }

    func testEntryRemovedOrAddedIsRefused() throws {
        let r = try seal(to: dir.file("a.sluis"))
        let bytes = dir.read("a.sluis")
        let e = r.manifest.entries[1]
        var removed = bytes
        removed.removeSubrange(Int(e.offset)..<Int(e.offset + e.size))
        assertRefused(removed) { ($0 as? SluisError) != nil }
        var added = bytes
        added.insert(contentsOf: bytes[Int(e.offset)..<Int(e.offset + e.size)], at: Int(e.offset))
        assertRefused(added) { ($0 as? SluisError) != nil }
    }

    func testManifestResignedByAnUntrustedKeyOrRenamedEntry() throws {
        let r = try seal(to: dir.file("a.sluis"))
        let bytes = dir.read("a.sluis")
        let manifestOffset = Int(r.manifest.innerManifest.offset + r.manifest.innerManifest.size)
        let mallory = try Identity.generate(comment: "mallory")
        func resigned(_ edit: (inout PackageManifest) -> Void, by signer: Identity) throws -> [UInt8] {
            var m = r.manifest
            edit(&m)
            let mb = try PackageSealer.encodeJSON(m)
            let sig = signer.sign(PackageLayout.signedMessage(manifest: mb))
            return Array(bytes[0..<manifestOffset]) + mb + sig
                + PackageLayout.trailer(manifestOffset: UInt64(manifestOffset), manifestByteCount: UInt64(mb.count))
        }
        // Re-signed by mallory under mallory's own name: untrusted signer.
        let asMallory = try resigned({ $0.sender = .init(publicKey: mallory.recipient.publicKeyText, fingerprint: mallory.recipient.fingerprint) }, by: mallory)
        assertRefused(asMallory) {
            if case let .untrustedSigner(_, fp, _) = $0 as? PackageError { return fp == mallory.recipient.fingerprint }
            return false
        }
        // Re-signed by mallory while claiming to be the researcher: the signature does not verify.
        assertRefused(try resigned({ _ in }, by: mallory)) {
            if case .signatureInvalid = $0 as? PackageError { return true }
            return false
        }
        // An entry renamed (only possible by re-signing): caught by signature or layout checks.
        assertRefused(try resigned({ $0.entries[0].name = "entry-009" }, by: mallory)) { ($0 as? SluisError) != nil }
    }

    /// A manifest signed by the trusted researcher, but outside the format: refused before any of
    /// it is used — above all a package id or project that would become a folder name outside the
    /// intake's folders. (Found by an independent reader written from docs/format.md.)
    func testSignedButInvalidManifestsAreRefused() throws {
        let r = try seal(to: dir.file("a.sluis"))
        let bytes = dir.read("a.sluis")
        let manifestOffset = Int(r.manifest.innerManifest.offset + r.manifest.innerManifest.size)
        func signedByResearcher(_ manifestBytes: [UInt8]) -> [UInt8] {
            let sig = researcher.sign(PackageLayout.signedMessage(manifest: manifestBytes))
            return Array(bytes[0..<manifestOffset]) + manifestBytes + sig
                + PackageLayout.trailer(manifestOffset: UInt64(manifestOffset), manifestByteCount: UInt64(manifestBytes.count))
        }
        func edited(_ edit: (inout PackageManifest) -> Void) throws -> [UInt8] {
            var m = r.manifest
            edit(&m)
            return signedByResearcher(try PackageSealer.encodeJSON(m))
        }
        func isInvalid(_ error: Error) -> Bool {
            if case .manifestInvalid = error as? PackageError { return true }
            return false
        }
        assertRefused(try edited { $0.packageId = "../../../escaped" }, isInvalid)
        assertRefused(try edited { $0.packageId = r.manifest.packageId.uppercased() }, isInvalid)
        assertRefused(try edited { $0.project = ".." }, { ($0 as? SluisError) != nil })
        assertRefused(try edited { $0.sender.fingerprint = String(repeating: "0", count: r.manifest.sender.fingerprint.count) }, isInvalid)
        assertRefused(try edited { $0.entries[0].sha256 = $0.entries[0].sha256.uppercased() }, isInvalid)
        assertRefused(try edited { $0.entries[0].name = "../entry" }, isInvalid)
        // A key named twice: parsers disagree on which one counts, so the manifest is refused.
        let json = String(decoding: try PackageSealer.encodeJSON(r.manifest), as: UTF8.self)
        let repeated = json.replacingOccurrences(of: "{", with: "{\"project\":\"P2026-0099\",", options: [], range: json.range(of: "{"))
        assertRefused(signedByResearcher(Array(repeated.utf8))) {
            if case .manifestUnreadable = $0 as? PackageError { return true }
            return false
        }
        // The reserved bytes of the preamble are fixed, though not signed.
        var reserved = bytes
        reserved[12] = 1
        assertRefused(reserved) {
            if case .damagedLayout = $0 as? PackageError { return true }
            return false
        }
        // The untouched package still opens.
        XCTAssertNoThrow(try PackageOpener.open(path: dir.file("a.sluis"), identity: intake, trust: trust, outputDirectory: dir.file("ok")))
    }

    func testAnotherProjectAndTheWrongIdentity() throws {
        let pkg = dir.file("a.sluis")
        try seal(to: pkg)
        XCTAssertThrowsError(try PackageVerifier.verify(path: pkg, trust: trust, expectedProject: "P2026-9999")) {
            guard case .projectMismatch = $0 as? PackageError else { return XCTFail("\($0)") }
        }
        let projectTrust = TrustStore(entries: [.init(recipient: researcher.recipient, projects: ["P2026-0001"])])
        XCTAssertThrowsError(try PackageVerifier.verify(path: pkg, trust: projectTrust)) {
            guard case .untrustedSigner = $0 as? PackageError else { return XCTFail("\($0)") }
        }
        let stranger = try Identity.generate(comment: "stranger")
        let out = dir.file("o")
        XCTAssertThrowsError(try PackageOpener.open(path: pkg, identity: stranger, trust: trust, outputDirectory: out)) {
            XCTAssertEqual(($0 as? SluisError)?.category, .verification)
            XCTAssertTrue("\($0)".contains(self.intake.recipient.fingerprint), "\($0)")
        }
        XCTAssertFalse(FileSystem.exists(out))
    }

    func testOpenNeverOverwritesAndRejectsUnsafeNames() throws {
        let pkg = dir.file("a.sluis")
        try seal(to: pkg, files: [("../evil.csv", "A\n1\n")], checked: false)
        XCTAssertThrowsError(try PackageOpener.open(path: pkg, identity: intake, trust: trust, outputDirectory: dir.file("o"))) {
            guard case .unsafeFileName = $0 as? PackageError else { return XCTFail("\($0)") }
        }
        XCTAssertFalse(FileSystem.exists(dir.file("evil.csv")))
        let good = dir.file("b.sluis")
        try seal(to: good, files: [files[0]])
        try FileSystem.makeDirectories(dir.file("exists"))
        XCTAssertThrowsError(try PackageOpener.open(path: good, identity: intake, trust: trust, outputDirectory: dir.file("exists"))) {
            guard case .outputExists = $0 as? PackageError else { return XCTFail("\($0)") }
        }
    }

    func testRowCountCheckCatchesAMisdescribedFile() throws {
        let pkg = dir.file("a.sluis")
        let bad = SealSource(name: "x.csv", sourcePath: "x.csv", format: "csv") { sink in
            try sink.write("A\n1\n2\n")
            return SealedFileDescription(columns: [], rows: 5, rowsRead: 5, invalidIdentifiers: [:], residualFindings: [:], dialect: nil)
        }
        _ = try PackageSealer.seal(SealRequest(project: "P", pseudonymKeyId: "k", recipients: [intake.recipient], signer: researcher,
                                               pipeline: .null, sources: [bad], output: pkg, toolVersion: "t"))
        XCTAssertThrowsError(try PackageOpener.open(path: pkg, identity: intake, trust: trust, outputDirectory: dir.file("o"))) {
            guard case .plaintextMismatch = $0 as? PackageError else { return XCTFail("\($0)") }
        }
        XCTAssertFalse(FileSystem.exists(dir.file("o")))
    }
}
