import Foundation
import XCTest
import SluisCore
import SluisCrypto
import SluisIO
import SluisTestSupport
import SluisTransfer
@testable import SluisUpload

/// Receipts: checked against the package and the server's key, kept atomically beside the
/// package, and found again so that a completed package is never sent twice. Also the state
/// file and the retry schedule.
final class ReceiptKeeperTests: XCTestCase {
    var dir: TemporaryDirectory!
    let server = try! Identity.generate()

    override func setUp() { dir = TemporaryDirectory("sluis-upload-receipt") }
    override func tearDown() { dir = nil }

    func fakePackage() -> SealedPackage {
        let path = dir.write("p.sluis", "not read here")
        return SealedPackage(path: path, byteCount: 1234, sha256: Array(repeating: 7, count: 32),
                             packageId: String(repeating: "c", count: 32), project: "P2026-0042")
    }

    func receipt(for p: SealedPackage, sha: String? = nil, server name: String = "intake.test", by key: Identity? = nil) throws -> String {
        let k = key ?? server
        return try UploadReceipt(packageId: p.packageId, packageSHA256: sha ?? p.sha256Hex, size: p.byteCount, project: p.project,
                                 signer: "0000-0000-0000-0000-0000", server: name, serverKey: k.recipient.fingerprint,
                                 upload: String(repeating: "1", count: 32), receivedAt: "2026-12-06T02:00:00Z").signed(by: k)
    }

    func testKeepsAVerifiedReceiptAndFindsItAgain() throws {
        let p = fakePackage()
        let keeper = ReceiptKeeper(server: "https://x/files", audience: "intake.test", serverKey: server.recipient)
        XCTAssertNil(keeper.existing(for: p))
        let kept = try keeper.keep(try receipt(for: p) + "\n", for: p)
        XCTAssertTrue(kept.signatureChecked)
        XCTAssertEqual(FileSystem.mode(ReceiptKeeper.path(for: p.path)), 0o644)
        XCTAssertEqual(keeper.existing(for: p), kept)
        // Another server name, or another key: not this server's receipt.
        XCTAssertNil(ReceiptKeeper(server: "https://x/files", audience: "other", serverKey: server.recipient).existing(for: p))
        XCTAssertNil(ReceiptKeeper(server: "https://x/files", audience: "intake.test", serverKey: try Identity.generate().recipient)
            .existing(for: p))
    }

    func testRefusesReceiptsForAnotherPackageOrByAnotherKey() throws {
        let p = fakePackage()
        let keeper = ReceiptKeeper(server: "https://x/files", audience: "intake.test", serverKey: server.recipient)
        XCTAssertThrowsError(try keeper.keep(try receipt(for: p, sha: String(repeating: "0", count: 64)), for: p)) {
            XCTAssertEqual($0 as? UploadError, .receiptInvalid(path: p.path, detail: "it names another package (SHA-256 or size differs)"))
            XCTAssertEqual(($0 as? UploadError)?.category, .verification)
        }
        XCTAssertThrowsError(try keeper.keep(try receipt(for: p, by: try Identity.generate()), for: p)) {
            XCTAssertEqual($0 as? UploadError, .receiptInvalid(path: p.path, detail: "its signature does not verify with --server-key"))
        }
        XCTAssertThrowsError(try keeper.keep(try receipt(for: p, server: "elsewhere"), for: p))
        XCTAssertThrowsError(try keeper.keep("garbage", for: p))
        XCTAssertFalse(FileSystem.exists(ReceiptKeeper.path(for: p.path)), "nothing kept after a refusal")

        // Without --server-key the content is still checked, and the file says the signature was not.
        let unchecked = ReceiptKeeper(server: "https://x/files", audience: "intake.test", serverKey: nil)
        XCTAssertFalse(try unchecked.keep(try receipt(for: p), for: p).signatureChecked)
        XCTAssertThrowsError(try unchecked.keep(try receipt(for: p, sha: String(repeating: "0", count: 64)), for: p))
    }

    func testStateFileRemembersPerServerAndPackage() throws {
        let p = fakePackage()
        let store = UploadStateStore(directory: dir.file("state/uploads"))
        XCTAssertNil(store.uploadURL(server: "https://a/files", package: p))
        try store.remember(uploadURL: "https://a/files/1", server: "https://a/files", package: p)
        XCTAssertEqual(store.uploadURL(server: "https://a/files", package: p), "https://a/files/1")
        XCTAssertNil(store.uploadURL(server: "https://b/files", package: p))
        XCTAssertEqual(FileSystem.mode(dir.file("state/uploads")), 0o700)
        store.forget(server: "https://a/files", package: p)
        XCTAssertNil(store.uploadURL(server: "https://a/files", package: p))

        XCTAssertEqual(UploadStateStore.defaultDirectory(environment: ["SLUIS_STATE_DIR": "/s", "HOME": "/h"]), "/s")
        XCTAssertEqual(UploadStateStore.defaultDirectory(environment: ["XDG_STATE_HOME": "/x", "HOME": "/h"]), "/x/sluis/uploads")
        XCTAssertEqual(UploadStateStore.defaultDirectory(environment: ["HOME": "/h"]), "/h/.local/state/sluis/uploads")
    }

    func testBackoffGrowsAndIsCapped() {
        let policy = RetryPolicy(maximumAttempts: 8, baseDelay: 0.5, maximumDelay: 4)
        for attempt in 1...8 {
            let expected = min(0.5 * pow(2, Double(attempt - 1)), 4)
            let d = policy.delay(beforeAttempt: attempt)
            XCTAssertGreaterThanOrEqual(d, expected * 0.5)
            XCTAssertLessThanOrEqual(d, expected)
        }
    }

    func testServerReasonsArePrintedAsOneSafeLine() {
        XCTAssertEqual(PackageUploader.oneLine("sluis: upload 1: bad\nsecond line\u{1b}[31m"), "upload 1: bad second line [31m")
        XCTAssertEqual(PackageUploader.oneLine(""), "no reason given")
        XCTAssertEqual(PackageUploader.oneLine(String(repeating: "x", count: 1000)).count, 300)
    }
}
