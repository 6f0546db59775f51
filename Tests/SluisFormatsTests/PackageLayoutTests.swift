import XCTest
import SluisCore
@testable import SluisFormats

/// The package's fixed-size preamble and trailer, and what a reader concludes from them.
final class PackageLayoutTests: XCTestCase {
    func testTrailerRoundTripAndLayoutConstants() throws {
        let trailer = PackageLayout.trailer(manifestOffset: 1000, manifestByteCount: 234)
        XCTAssertEqual(trailer.count, PackageLayout.trailerByteCount)
        XCTAssertEqual(Array(trailer.suffix(8)), Array("SLUISEND".utf8))
        let size = UInt64(1000 + 234 + 64 + 32)
        let index = try PackageLayout.readIndex(preamble: PackageLayout.preamble, trailer: trailer, fileByteCount: size, path: "p")
        XCTAssertEqual(index.manifestOffset, 1000)
        XCTAssertEqual(index.manifestByteCount, 234)
        XCTAssertEqual(index.signatureOffset, 1234)
        XCTAssertEqual(PackageLayout.preamble, Array("SLUISPKG".utf8) + [1, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(PackageLayout.signedMessage(manifest: [0x7b]), Array("sluis/package-manifest/v1\n".utf8) + [0x7b])
    }

    func testEveryInconsistencyIsNamed() {
        let trailer = PackageLayout.trailer(manifestOffset: 1000, manifestByteCount: 234)
        let size = UInt64(1000 + 234 + 64 + 32)
        func index(_ preamble: [UInt8], _ trailer: [UInt8], _ size: UInt64) -> PackageError? {
            do {
                _ = try PackageLayout.readIndex(preamble: preamble, trailer: trailer, fileByteCount: size, path: "p")
                return nil
            } catch { return error as? PackageError }
        }
        XCTAssertEqual(index(Array("NOTAPKG!".utf8) + [UInt8](repeating: 0, count: 8), trailer, size), .notAPackage(path: "p"))
        var v2 = PackageLayout.preamble
        v2[8] = 2
        XCTAssertEqual(index(v2, trailer, size), .unsupportedVersion(path: "p", version: 2))
        XCTAssertEqual(index(PackageLayout.preamble, Array(trailer.prefix(24)) + Array("SLUISEN?".utf8), size), .truncated(path: "p"))
        if case .damagedLayout = index(PackageLayout.preamble, trailer, size + 1) {} else { XCTFail("appended byte") }
        if case .damagedLayout = index(PackageLayout.preamble, trailer, size - 1) {} else { XCTFail("missing byte") }
        let huge = PackageLayout.trailer(manifestOffset: 16, manifestByteCount: UInt64(PackageLayout.maximumManifestByteCount + 1))
        if case .damagedLayout = index(PackageLayout.preamble, huge, size) {} else { XCTFail("implausible manifest size") }
    }

    func testErrorCategories() {
        XCTAssertEqual(PackageError.notAPackage(path: "p").category, .data)
        XCTAssertEqual(PackageError.truncated(path: "p").category, .verification)
        XCTAssertEqual(PackageError.entryHashMismatch(path: "p", entry: "entry-001").category, .verification)
        XCTAssertEqual(PackageError.outputExists(path: "p").category, .usage)
    }
}
