import Foundation
import XCTest
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisTestSupport
@testable import SluisUpload

/// What `sluis upload` accepts before it opens a connection: sealed packages only.
final class SealedPackageTests: XCTestCase {
    var dir: TemporaryDirectory!

    override func setUp() { dir = TemporaryDirectory("sluis-upload-unit") }
    override func tearDown() { dir = nil }

    /// A file with a valid layout around `manifest` (the signature is not checked here; the server does that).
    func package(manifest: [UInt8], entries: [UInt8] = [1, 2, 3]) -> [UInt8] {
        let offset = UInt64(PackageLayout.preambleByteCount + entries.count)
        return PackageLayout.preamble + entries + manifest + [UInt8](repeating: 0, count: PackageLayout.signatureByteCount)
            + PackageLayout.trailer(manifestOffset: offset, manifestByteCount: UInt64(manifest.count))
    }

    func manifestBytes() throws -> [UInt8] {
        let m = PackageManifest(packageId: String(repeating: "ab", count: 16), project: "P2026-0042", createdAt: "2026-12-06T00:00:00Z",
                                tool: "sluis test", sender: .init(publicKey: "k", fingerprint: "f"), recipients: [], pseudonymKeyId: "k",
                                entries: [], innerManifest: .init(name: "m", offset: 16, size: 3, sha256: "", headerSHA256: ""))
        return Array(try JSONEncoder().encode(m))
    }

    func testAcceptsAPackageAndHashesTheWholeFile() throws {
        let bytes = package(manifest: try manifestBytes())
        let p = dir.write("p.sluis", bytes: bytes)
        let pkg = try SealedPackage.open(path: p)
        XCTAssertEqual(pkg.byteCount, UInt64(bytes.count))
        XCTAssertEqual(pkg.sha256, SHA256Hasher.hash(bytes))
        XCTAssertEqual(pkg.project, "P2026-0042")
        XCTAssertEqual(pkg.packageId, String(repeating: "ab", count: 16))
    }

    func testRefusesPlaintextWithoutEchoingIt() throws {
        let secret = "123456782"
        for (name, content) in [("a.csv", "BSN;Naam\n\(secret);x\n"), ("empty", ""), ("short", "SLUIS")] {
            let p = dir.write(name, content)
            XCTAssertThrowsError(try SealedPackage.open(path: p)) { error in
                XCTAssertEqual(error as? UploadError, .notSealed(path: p))
                let text = (error as? UploadError)?.description ?? ""
                XCTAssertTrue(text.contains("sluis seal"))
                XCTAssertFalse(text.contains(secret))
                XCTAssertEqual((error as? UploadError)?.category, .data)
            }
        }
    }

    func testRefusesATruncatedPackageAndAnUnreadableManifest() throws {
        let good = package(manifest: try manifestBytes())
        let cut = dir.write("cut.sluis", bytes: Array(good.dropLast(10)))
        XCTAssertThrowsError(try SealedPackage.open(path: cut)) { error in
            guard case .damagedPackage? = error as? UploadError else { return XCTFail("\(error)") }
        }
        let garbage = dir.write("garbage.sluis", bytes: package(manifest: Array("{\"not\":\"a manifest\"}".utf8)))
        XCTAssertThrowsError(try SealedPackage.open(path: garbage)) { error in
            XCTAssertEqual(error as? UploadError, .damagedPackage(path: garbage, detail: "its manifest cannot be read"))
        }
        XCTAssertThrowsError(try SealedPackage.open(path: dir.file("missing"))) { error in
            XCTAssertEqual(error as? UploadError, .unreadable(path: dir.file("missing")))
        }
    }
}
