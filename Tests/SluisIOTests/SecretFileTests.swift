import Foundation
import SluisIO
import SluisTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class SecretFileTests: XCTestCase {
    let secret = "SECRET-0xC0FFEE-passphrase"

    private func write(_ dir: TemporaryDirectory, _ name: String, mode: mode_t) -> String {
        let path = dir.write(name, secret + "\n")
        XCTAssertEqual(chmod(path, mode), 0)
        return path
    }

    private func assertRefused(_ path: String, _ expected: IOError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SecretFile.read(path: path, limitByteCount: 4096), file: file, line: line) { e in
            XCTAssertEqual(e as? IOError, expected, file: file, line: line)
            let message = "\(e)"
            XCTAssertTrue(message.contains(path), message, file: file, line: line)
            XCTAssertFalse(message.contains(secret), message, file: file, line: line)
            XCTAssertFalse(message.contains("C0FFEE"), message, file: file, line: line)
        }
    }

    func testAPrivateFileIsReadFromTheCheckedDescriptor() throws {
        let dir = TemporaryDirectory()
        let path = write(dir, "k", mode: 0o600)
        XCTAssertEqual(try SecretFile.read(path: path, limitByteCount: 4096), Array((secret + "\n").utf8))
        XCTAssertNoThrow(try SecretFile.check(path: path))
        let file = try SecretFile(path: path)
        XCTAssertEqual(file.mode, 0o600)
        XCTAssertNil(file.exposure)
    }

    func testWorldAndGroupReadableFilesAreRefusedByName() {
        let dir = TemporaryDirectory()
        for mode: mode_t in [0o644, 0o640, 0o604, 0o620, 0o602, 0o660, 0o666, 0o610, 0o601] {
            let path = write(dir, "k\(String(mode, radix: 8))", mode: mode)
            assertRefused(path, .secretFileExposed(path: path, mode: UInt32(mode)))
            XCTAssertThrowsError(try SecretFile.check(path: path))
            XCTAssertEqual((try? SecretFile(path: path))?.exposure?.category, .usage)
        }
        // A stated mask: a group-readable TLS key may pass where others may not read it.
        let tls = write(dir, "tls.key", mode: 0o640)
        XCTAssertNoThrow(try SecretFile.read(path: tls, limitByteCount: 4096, forbidding: 0o037))
        let open = write(dir, "open.key", mode: 0o644)
        XCTAssertThrowsError(try SecretFile.read(path: open, limitByteCount: 4096, forbidding: 0o037))
    }

    func testAFileOwnedBySomeoneElseIsRefused() throws {
        guard geteuid() == 0 else { throw XCTSkip("changing a file's owner needs root") }
        let dir = TemporaryDirectory()
        let path = write(dir, "k", mode: 0o600)
        XCTAssertEqual(chown(path, 4242, 4242), 0)
        assertRefused(path, .secretFileNotOwned(path: path, owner: 4242))
    }

    func testNotARegularFileIsRefusedWithoutBlocking() throws {
        let dir = TemporaryDirectory()
        try FileSystem.makeDirectories(dir.file("folder"))
        assertRefused(dir.file("folder"), .notARegularFile(path: dir.file("folder")))
        // A FIFO: a blocking open would wait forever for a writer.
        XCTAssertEqual(mkfifo(dir.file("fifo"), 0o600), 0)
        assertRefused(dir.file("fifo"), .notARegularFile(path: dir.file("fifo")))
        XCTAssertThrowsError(try SecretFile.read(path: dir.file("missing"), limitByteCount: 16)) {
            XCTAssertEqual($0 as? IOError, .cannotOpen(path: dir.file("missing"), errno: ENOENT))
        }
    }

    func testTooLargeIsRefused() {
        let dir = TemporaryDirectory()
        let path = write(dir, "k", mode: 0o600)
        XCTAssertThrowsError(try SecretFile.read(path: path, limitByteCount: 8)) { e in
            XCTAssertEqual(e as? IOError, .tooLarge(path: path, limitByteCount: 8))
            XCTAssertFalse("\(e)".contains(secret))
        }
        XCTAssertEqual(try SecretFile.read(path: path, limitByteCount: secret.utf8.count + 1).count, secret.utf8.count + 1)
    }

    /// The file checked is the file read: once opened, replacing or re-linking the path changes
    /// nothing about what is read; and a private file's checks are made on what a link points to.
    func testTheCheckedFileIsTheFileRead() throws {
        let dir = TemporaryDirectory()
        let path = write(dir, "k", mode: 0o600)
        let file = try SecretFile(path: path)
        XCTAssertNil(file.exposure)
        // Swap: an open file takes the name (a rename, as an attacker with the folder could).
        let other = dir.write("other", "something else entirely")
        chmod(other, 0o644)
        try FileSystem.rename(other, path)
        XCTAssertEqual(try file.readAll(limitByteCount: 4096), Array((secret + "\n").utf8))
        // A link to a world-readable file is judged by that file, not by the link.
        let link = dir.file("link.key")
        XCTAssertEqual(symlink(path, link), 0)
        assertRefused(link, .secretFileExposed(path: link, mode: 0o644))
        // And refused outright where links are not followed.
        XCTAssertThrowsError(try SecretFile.read(path: link, limitByteCount: 4096, followSymlinks: false)) {
            XCTAssertEqual($0 as? IOError, .cannotOpen(path: link, errno: ELOOP))
        }
    }
}
