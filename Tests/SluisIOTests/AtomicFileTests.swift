import XCTest
import SluisIO
import SluisTestSupport

/// Output appears whole or not at all.
final class AtomicFileTests: XCTestCase {
    func testNothingAppearsUntilCommitAndNothingRemainsAfterDiscard() throws {
        for unnamed in [true, false] {
            let dir = TemporaryDirectory("sluis-atomic")
            let target = dir.file("out.bin")
            do {
                let file = try AtomicFile(path: target, unnamed: unnamed)
                try file.write([1, 2, 3])
                try file.finish()
                XCTAssertFalse(FileSystem.exists(target))
                XCTAssertEqual(try FileSystem.readAll(file.readablePath, limitByteCount: 16), [1, 2, 3])
                if file.temporaryPath == nil {
                    #if os(Linux)
                    XCTAssertTrue(unnamed)
                    #endif
                    XCTAssertEqual(dir.allFiles(), [], "an unnamed temporary file has no name to leave behind")
                } else {
                    XCTAssertEqual(dir.allFiles().count, 1, "only the hidden temporary file")
                    XCTAssertTrue(dir.allFiles()[0].hasPrefix(".out.bin.sluis-tmp-"))
                }
                file.discard()
            }
            XCTAssertEqual(dir.allFiles(), [])
            let file = try AtomicFile(path: target, unnamed: unnamed)
            try file.write([4, 5])
            try file.commit()
            XCTAssertEqual(dir.read("out.bin"), [4, 5])
            XCTAssertEqual(FileSystem.mode(target), 0o600)
            XCTAssertEqual(dir.allFiles(), ["out.bin"])
            // Replacing an existing file, atomically, when overwriting is allowed.
            let again = try AtomicFile(path: target, unnamed: unnamed)
            try again.write([6])
            try again.commit()
            XCTAssertEqual(dir.read("out.bin"), [6])
            XCTAssertEqual(dir.allFiles(), ["out.bin"])
        }
    }


    func testReleasedWithoutCommitRemovesTheTemporaryFile() throws {
        let dir = TemporaryDirectory("sluis-atomic")
        do {
            let file = try AtomicFile(path: dir.file("x"))
            try file.write([9])
        }
        XCTAssertEqual(dir.allFiles(), [])
    }

    /// Two writers of the same new file (two seals naming the same package, say): the second to
    /// commit fails and the first's file stays, whole; no temporary file remains.
    func testNoOverwriteHoldsEvenWhenTheTargetAppearsAfterOpening() throws {
        for unnamed in [true, false] {
            let dir = TemporaryDirectory("sluis-atomic")
            let first = try AtomicFile(path: dir.file("pkg"), overwrite: false, unnamed: unnamed)
            let second = try AtomicFile(path: dir.file("pkg"), overwrite: false, unnamed: unnamed)
            try first.write([1])
            try second.write([2])
            try first.commit()
            XCTAssertThrowsError(try second.commit()) { XCTAssertEqual($0 as? IOError, .alreadyExists(path: dir.file("pkg"))) }
            XCTAssertEqual(dir.read("pkg"), [1])
            XCTAssertEqual(dir.allFiles(), ["pkg"])
        }
    }

    func testNoOverwriteWhenAskedNotTo() throws {
        let dir = TemporaryDirectory("sluis-atomic")
        dir.write("x", "old")
        XCTAssertThrowsError(try AtomicFile(path: dir.file("x"), overwrite: false)) {
            XCTAssertEqual($0 as? IOError, .alreadyExists(path: dir.file("x")))
        }
        XCTAssertEqual(String(decoding: dir.read("x"), as: UTF8.self), "old")
    }
}
