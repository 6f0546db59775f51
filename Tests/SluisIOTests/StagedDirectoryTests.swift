import XCTest
import Foundation
import SluisIO
import SluisTestSupport

/// An output folder appears whole or not at all, and replacing one leaves no stale file.
final class StagedDirectoryTests: XCTestCase {
    private func names(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    func testNothingAppearsUntilCommitAndDiscardLeavesNothing() throws {
        let dir = TemporaryDirectory("sluis-staged")
        let target = dir.file("out")
        do {
            let staged = try StagedDirectory(target: target, replacing: false, purpose: "test")
            try FileSystem.writeAtomically([1], to: staged.file("a.csv"))
            XCTAssertFalse(FileSystem.exists(target))
            staged.discard()
        }
        XCTAssertEqual(names(dir.path), [])
        do {
            let staged = try StagedDirectory(target: target, replacing: false, purpose: "test")
            try FileSystem.writeAtomically([1], to: staged.file("a.csv"))
            try staged.commit()
        }
        XCTAssertEqual(names(target), ["a.csv"])
        XCTAssertEqual(names(dir.path), ["out"])
    }

    func testAnExistingFolderIsRefusedUnlessReplacingAndReplacingSwapsItWhole() throws {
        let dir = TemporaryDirectory("sluis-staged")
        let target = dir.file("out")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        _ = dir.write("out/stale.csv", "old\n")
        XCTAssertThrowsError(try StagedDirectory(target: target, replacing: false, purpose: "test")) { error in
            XCTAssertEqual(error as? IOError, .alreadyExists(path: target))
        }
        let staged = try StagedDirectory(target: target + "/", replacing: true, purpose: "test")
        try FileSystem.writeAtomically([2], to: staged.file("new.csv"))
        XCTAssertEqual(names(target), ["stale.csv"], "the old folder stays until commit")
        try staged.commit()
        XCTAssertEqual(names(target), ["new.csv"])
        XCTAssertEqual(names(dir.path), ["out"], "the swapped-out folder is removed")
    }

    func testAFileInTheWayIsReplacedOnlyWhenAsked() throws {
        let dir = TemporaryDirectory("sluis-staged")
        let target = dir.write("out", "a file\n")
        XCTAssertThrowsError(try StagedDirectory(target: target, replacing: false, purpose: "test"))
        let staged = try StagedDirectory(target: target, replacing: true, purpose: "test")
        try staged.commit()
        XCTAssertTrue(FileSystem.isDirectory(target))
    }

    func testStagingLeftByAKilledRunIsRemovedByTheNext() throws {
        let dir = TemporaryDirectory("sluis-staged")
        try FileManager.default.createDirectory(atPath: dir.file(".out.sluis-test-left"), withIntermediateDirectories: true)
        _ = dir.write(".out.sluis-test-left/plain.csv", "plaintext\n")
        let staged = try StagedDirectory(target: dir.file("out"), replacing: false, purpose: "test")
        XCTAssertEqual(names(dir.path), [URL(fileURLWithPath: staged.path).lastPathComponent])
        try staged.commit()
        XCTAssertEqual(names(dir.path), ["out"])
    }

    func testJoinPathNeverDoublesASlash() {
        XCTAssertEqual(joinPath("out", "a.csv"), "out/a.csv")
        XCTAssertEqual(joinPath("out/", "a.csv"), "out/a.csv")
        XCTAssertEqual(joinPath("out//", "a.csv"), "out/a.csv")
        XCTAssertEqual(joinPath("/", "a.csv"), "/a.csv")
        XCTAssertEqual(joinPath(".", "a.csv"), "a.csv")
    }
}
