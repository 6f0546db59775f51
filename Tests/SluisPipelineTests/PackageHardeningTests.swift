import Foundation
import XCTest
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
@testable import SluisPipeline
import SluisTestSupport

/// Issue 13, "Untrusted text and sizes": trust before anything a sender wrote, escaped text,
/// a bounded and strict inner manifest, and file names that cannot deceive or collide.
extension PackageTests {
    /// Characters a terminal acts on: ESC, BEL, a C1 control (CSI), right-to-left override.
    static let hostile = "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31m\u{202E}"

    func assertShowsNothingHostile(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for u in text.unicodeScalars {
            XCTAssertFalse(UntrustedText.needsEscape(u), "raw U+\(String(u.value, radix: 16)) in: \(text.debugDescription)", file: file, line: line)
        }
    }

    /// A copy of package `a.sluis` whose manifest was edited and signed by `signer`.
    func resignedCopy(_ r: SealResult, by signer: Identity, _ edit: (inout PackageManifest) -> Void) throws -> String {
        let bytes = dir.read("a.sluis")
        let manifestOffset = Int(r.manifest.innerManifest.offset + r.manifest.innerManifest.size)
        var m = r.manifest
        edit(&m)
        let mb = try PackageSealer.encodeJSON(m)
        let sig = signer.sign(PackageLayout.signedMessage(manifest: mb))
        return dir.write("edited.sluis", bytes: Array(bytes[0..<manifestOffset]) + mb + sig
            + PackageLayout.trailer(manifestOffset: UInt64(manifestOffset), manifestByteCount: UInt64(mb.count)))
    }

    /// Before: the field checks ran first and echoed the inner manifest's name, raw, for any signer.
    func testAnUntrustedSignersFieldsAreNeitherCheckedNorShown() throws {
        let r = try seal(to: dir.file("a.sluis"))
        let mallory = try Identity.generate(comment: "mallory")
        let path = try resignedCopy(r, by: mallory) {
            $0.sender = .init(publicKey: mallory.recipient.publicKeyText, fingerprint: mallory.recipient.fingerprint)
            $0.project = "P" + Self.hostile + String(repeating: "A", count: 3 << 20)
            $0.innerManifest.name = Self.hostile
            $0.innerManifest.sha256 = "not hex " + Self.hostile
            $0.tool = Self.hostile
        }
        XCTAssertThrowsError(try PackageVerifier.verify(path: path, trust: trust)) {
            guard case .untrustedSigner = $0 as? PackageError else { return XCTFail("\($0)") }
            let message = "\($0)"
            self.assertShowsNothingHostile(message)
            XCTAssertLessThan(message.utf8.count, 1000, "the 3 MB project is cut")
        }
        XCTAssertThrowsError(try PackageOpener.open(path: path, identity: intake, trust: trust, outputDirectory: dir.file("o"))) {
            guard case .untrustedSigner = $0 as? PackageError else { return XCTFail("\($0)") }
        }
    }

    /// Before: `tool` and `createdAt` were not checked, and reached the terminal raw.
    func testATrustedSendersFreeTextMustBePlain() throws {
        let r = try seal(to: dir.file("a.sluis"))
        for edit: (inout PackageManifest) -> Void in [
            { $0.tool = "sluis " + Self.hostile }, { $0.createdAt = "2026-12-06T00:00:00Z\u{202E}" },
            { $0.innerManifest.name = "inner-manifest\u{1B}" }, { $0.tool = String(repeating: "x", count: 65) },
        ] {
            let path = try resignedCopy(r, by: researcher, edit)
            XCTAssertThrowsError(try PackageVerifier.verify(path: path, trust: trust)) {
                guard case .manifestInvalid = $0 as? PackageError else { return XCTFail("\($0)") }
                self.assertShowsNothingHostile("\($0)")
            }
        }
    }

    func testPackageErrorsEscapeAndCutWhatTheSenderWrote() {
        let errors: [PackageError] = [
            .untrustedSigner(path: "p", fingerprint: "f", project: Self.hostile), .projectMismatch(path: "p", expected: "P", actual: Self.hostile),
            .entryHashMismatch(path: Self.hostile, entry: Self.hostile), .unsafeFileName(path: "p", entry: Self.hostile),
            .plaintextMismatch(path: "p", file: Self.hostile, detail: "d"), .innerManifestInvalid(path: "p", detail: Self.hostile),
        ]
        for e in errors {
            assertShowsNothingHostile(e.description)
            XCTAssertTrue(e.description.contains("\\u{001B}"), e.description)
        }
    }

    /// Before: `"rows": 2.0` and any other fraction in the inner manifest was accepted.
    func testInnerManifestFollowsTheClearManifestsJSONRules() throws {
        let pipeline = JSONValue.object([("version", .number(1)), ("ratio", .number(2.5))])
        XCTAssertThrowsError(try seal(to: dir.file("refused.sluis"), files: [files[0]], pipeline: pipeline)) {
            guard case .innerManifestUnwritable = $0 as? PipelineError else { return XCTFail("\($0)") }
        }
        XCTAssertFalse(FileSystem.exists(dir.file("refused.sluis")))
        let pkg = dir.file("a.sluis")
        let r = try seal(to: pkg, files: [files[0]], pipeline: pipeline, checked: false)
        XCTAssertThrowsError(try PackageOpener.open(path: pkg, identity: intake, trust: trust, outputDirectory: dir.file("o"))) {
            guard case let .innerManifestInvalid(_, detail) = $0 as? PackageError else { return XCTFail("\($0)") }
            XCTAssertEqual(detail, "it cannot be read")
        }
        XCTAssertFalse(FileSystem.exists(dir.file("o")))
        // The same check on the bytes directly: a row count written as 2.0.
        let good = try PackageSealer.encodeJSON(r.inner)
        let text = String(decoding: good, as: UTF8.self)
        let rows = "\"rows\" : \(r.inner.files[0].rows)"
        XCTAssertTrue(text.contains(rows), text)
        let fraction = Array(text.replacingOccurrences(of: rows, with: rows + ".0").utf8)
        XCTAssertThrowsError(try PackageOpener.checkedInnerManifest(fraction, against: r.manifest, path: "p"))
    }

    /// Before: the inner manifest was decrypted whole into memory, whatever its size.
    func testInnerManifestSizeIsBounded() throws {
        // Over the bound by a little: the entry's signed size passes, the decrypted bytes do not.
        let overByALittle = JSONValue.object([("padding", .string(String(repeating: "x", count: InnerManifest.maxByteCount)))])
        XCTAssertThrowsError(try seal(to: dir.file("refused.sluis"), files: [files[0]], pipeline: overByALittle)) {
            guard case .innerManifestUnwritable = $0 as? PipelineError else { return XCTFail("\($0)") }
        }
        let pkg = dir.file("a.sluis")
        try seal(to: pkg, files: [files[0]], pipeline: overByALittle, checked: false)
        XCTAssertThrowsError(try PackageOpener.open(path: pkg, identity: intake, trust: trust, outputDirectory: dir.file("o"))) {
            guard case let .innerManifestInvalid(_, detail) = $0 as? PackageError else { return XCTFail("\($0)") }
            XCTAssertTrue(detail.contains("larger than 16777216 bytes"), detail)
        }
        // Far over: refused from the signed entry size, before anything is decrypted.
        let farOver = JSONValue.object([("padding", .string(String(repeating: "x", count: InnerManifest.maxByteCount + (2 << 20))))])
        let big = dir.file("b.sluis")
        try seal(to: big, files: [files[0]], pipeline: farOver, checked: false)
        let stranger = try Identity.generate(comment: "not a recipient")
        XCTAssertThrowsError(try PackageOpener.open(path: big, identity: stranger, trust: trust, outputDirectory: dir.file("o"))) {
            // A wrong identity would fail at decryption; the size check comes first.
            guard case .innerManifestInvalid = $0 as? PackageError else { return XCTFail("\($0)") }
        }
        XCTAssertFalse(FileSystem.exists(dir.file("o")))
    }

    static let hostileNames: [[String]] = [
        ["a\u{202E}vsc.exe.csv"], ["\u{85}x.csv"], ["x\u{9B}2J.csv"], ["zero\u{200B}width.csv"], ["line\u{2028}break.csv"],
        ["Straße.csv", "STRASSE.csv"], ["ﬁle.csv", "file.csv"], ["\u{FF21}.csv", "a.csv"], ["Data.csv", "data.csv"],
        ["SLUIS-MANIFEST.JSON"],
    ]

    /// Before: C1 controls and bidi overrides were written as given, and names equal under
    /// compatibility folding (ß/SS, ﬁ/fi, fullwidth) were both written.
    func testOpenRefusesNamesThatDeceiveOrCollide() throws {
        for (k, names) in Self.hostileNames.enumerated() {
            let pkg = dir.file("n\(k).sluis")
            try seal(to: pkg, files: names.map { ($0, "A\n1\n") }, checked: false)
            XCTAssertThrowsError(try PackageOpener.open(path: pkg, identity: intake, trust: trust, outputDirectory: dir.file("o\(k)")), "\(names)") {
                guard case .unsafeFileName = $0 as? PackageError else { return XCTFail("\($0)") }
                self.assertShowsNothingHostile("\($0)")
            }
            XCTAssertFalse(FileSystem.exists(dir.file("o\(k)")))
        }
    }

    /// Before: seal signed packages that open would refuse, or that would overwrite a file on opening.
    func testSealRefusesNamesThatDeceiveOrCollideNamingBothPaths() throws {
        for names in Self.hostileNames {
            XCTAssertThrowsError(try seal(to: dir.file("x.sluis"), files: names.map { ($0, "A\n1\n") }), "\(names)") {
                let message = "\($0)"
                self.assertShowsNothingHostile(message)
                switch $0 as? PipelineError {
                case .unsafeFileName?: XCTAssertEqual(names.count, 1, message)
                case let .fileNameCollision(first, second)?:
                    XCTAssertEqual([first, second], names.map { "in/" + $0 })
                    XCTAssertTrue(message.contains("in/" + names[1]), message)
                default: XCTFail(message)
                }
            }
            XCTAssertFalse(FileSystem.exists(dir.file("x.sluis")))
        }
    }
}
