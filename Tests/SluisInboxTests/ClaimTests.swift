import Foundation
import XCTest
import SluisIO
@testable import SluisInbox
import SluisTestSupport

/// Claims: taking an upload by one rename, refusing what is not a regular file, locking,
/// resuming, counting attempts, and the race of many takers for one upload.
final class ClaimTests: XCTestCase {
    var dir: TemporaryDirectory!
    var inbox: String { dir.file("inbox") }
    var work: String { dir.file("work") }

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-claim")
        try FileSystem.makeDirectories(inbox)
        try FileSystem.makeDirectories(work)
    }

    func take(_ name: String) throws -> Claim? {
        if case let .claimed(c) = try Claim.take(upload: name, inbox: inbox, work: work) { return c }
        return nil
    }

    func testTakeMovesTheUploadIntoALockedClaimFolder() throws {
        dir.write("inbox/a.sluis", "package bytes")
        let claim = try XCTUnwrap(try take("a.sluis"))
        XCTAssertFalse(FileSystem.exists(dir.file("inbox/a.sluis")))
        XCTAssertEqual(dir.read("work/claim-\(claim.id)/package.sluis"), Array("package bytes".utf8))
        XCTAssertEqual(claim.uploadName, "a.sluis")
        XCTAssertNil(claim.refusedKind)
        XCTAssertEqual(FileSystem.mode(claim.directory), 0o700)
        // Held: another attempt to lock it (as another run would) gets nothing.
        XCTAssertNil(try Claim.resume(directory: claim.directory))
    }

    func testAGoneUploadIsGoneNotAnError() throws {
        guard case .gone = try Claim.take(upload: "missing.sluis", inbox: inbox, work: work) else { return XCTFail() }
        XCTAssertEqual(try FileSystem.list(work), [], "no claim folder left behind")
    }

    func testLinksFoldersAndHardLinksAreRefusedWithoutBeingMoved() throws {
        dir.write("target", "x")
        XCTAssertEqual(symlink(dir.file("target"), dir.file("inbox/link.sluis")), 0)
        try FileSystem.makeDirectories(dir.file("inbox/folder.sluis"))
        dir.write("inbox/hard.sluis", "x")
        XCTAssertEqual(link(dir.file("inbox/hard.sluis"), dir.file("other-name")), 0)
        XCTAssertEqual(mkfifo(dir.file("inbox/pipe.sluis"), 0o600), 0)
        let expected = ["link.sluis": "a symbolic link", "folder.sluis": "a folder", "hard.sluis": "a file with more than one hard link",
                        "pipe.sluis": "a special file (device, pipe or socket)"]
        for (name, kind) in expected {
            guard case let .refused(found) = try Claim.take(upload: name, inbox: inbox, work: work) else { return XCTFail(name) }
            XCTAssertEqual(found, kind, name)
        }
        XCTAssertEqual(try FileSystem.list(work), [])
        XCTAssertEqual(Set(try FileSystem.list(inbox)), Set(expected.keys))
    }

    func testAReleasedClaimIsResumedWithItsUploadNameAndAttemptsCount() throws {
        dir.write("inbox/a.sluis", "p")
        var claim: Claim? = try take("a.sluis")
        let directory = try XCTUnwrap(claim?.directory)
        XCTAssertEqual(try claim?.recordAttempt(), 1)
        claim = nil  // the run ends (or dies): the lock is released
        let resumed = try XCTUnwrap(try Claim.resume(directory: directory))
        XCTAssertEqual(resumed.uploadName, "a.sluis")
        XCTAssertEqual(try resumed.recordAttempt(), 2)
        XCTAssertEqual(try resumed.recordAttempt(), 3)
        resumed.undoAttempt()
        XCTAssertEqual(try resumed.recordAttempt(), 3, "an orderly stop does not count")
        resumed.remove()
        XCTAssertFalse(FileSystem.exists(directory))
        XCTAssertNil(try Claim.resume(directory: directory), "a finished claim is not resumed")
        XCTAssertNil(try Claim.resume(directory: dir.file("work/not-a-claim")))
    }

    /// Eight threads race to take the same forty uploads: each upload is claimed exactly once,
    /// and no claim folder is left without its package.
    func testManyTakersClaimEachUploadExactlyOnce() throws {
        let names = (0..<40).map { "u\($0).sluis" }
        for n in names { dir.write("inbox/" + n, n) }
        final class Claimed: @unchecked Sendable {
            var claims: [Claim] = []
            var errors = 0
            let lock = NSLock()
        }
        let claimed = Claimed()
        let inbox = self.inbox, work = self.work
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for n in (worker % 2 == 0 ? names : names.reversed()) {
                do {
                    if case let .claimed(c) = try Claim.take(upload: n, inbox: inbox, work: work) {
                        claimed.lock.lock(); claimed.claims.append(c); claimed.lock.unlock()
                    }
                } catch {
                    claimed.lock.lock(); claimed.errors += 1; claimed.lock.unlock()
                }
            }
        }
        XCTAssertEqual(claimed.errors, 0)
        XCTAssertEqual(claimed.claims.compactMap(\.uploadName).sorted(), names.sorted())
        for c in claimed.claims {
            XCTAssertEqual(dir.read("work/claim-\(c.id)/package.sluis"), Array(c.uploadName!.utf8))
        }
        XCTAssertEqual(try FileSystem.list(work).count, names.count, "no empty claim folder left by a losing taker")
        XCTAssertEqual(try FileSystem.list(inbox), [])
    }
}
