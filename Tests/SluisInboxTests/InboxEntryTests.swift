import Foundation
import XCTest
import SluisIO
@testable import SluisInbox
import SluisTestSupport

/// Inbox entries classified from `lstat` and raw name bytes; recorded text bounded and escaped;
/// intake faults told from package faults.
final class InboxEntryTests: XCTestCase {
    func testEntriesAreClassifiedWithoutFollowingLinks() throws {
        let dir = TemporaryDirectory("sluis-entries")
        try FileSystem.makeDirectories(dir.file("inbox"))
        dir.write("inbox/ready.sluis", "x")
        dir.write("inbox/fresh.sluis.part", "x")
        dir.write("inbox/old.sluis.part", "x")
        dir.write("inbox/.hidden", "x")
        dir.write("inbox/notes.txt", "x")
        XCTAssertEqual(symlink("/etc/passwd", dir.file("inbox/link.sluis")), 0)
        let old = timeval(tv_sec: time(nil) - 10_000, tv_usec: 0)
        _ = utimes(dir.file("inbox/old.sluis.part"), [old, old])
        _ = utimes(dir.file("inbox/ready.sluis"), [old, old])
        let raw = Array(dir.file("inbox/").utf8) + [0x61, 0xC3, 0x28] + Array(".sluis".utf8) + [0]
        let fd = raw.withUnsafeBufferPointer { $0.baseAddress!.withMemoryRebound(to: CChar.self, capacity: raw.count) { open($0, O_CREAT | O_WRONLY, 0o600) } }
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)

        let entries = try InboxEntry.scan(dir.file("inbox"), settleSeconds: 60, staleSeconds: 3600)
        var states: [String: InboxEntry.State] = [:]
        for e in entries { states[e.display] = e.state }
        XCTAssertEqual(states["ready.sluis"], .ready)
        XCTAssertEqual(states["fresh.sluis.part"], .uploading)
        XCTAssertEqual(states["old.sluis.part"], .stale)
        XCTAssertEqual(states[".hidden"], .uploading)
        XCTAssertEqual(states["notes.txt"], .ignored)
        XCTAssertEqual(states["link.sluis"], .refused(kind: "a symbolic link"))
        XCTAssertEqual(states["a\\xc3(.sluis"], .refused(kind: "a file whose name is not UTF-8"))
    }

    func testRecordedTextIsBoundedAndEscaped() {
        XCTAssertEqual(RecordedText.safe("plain name.sluis"), "plain name.sluis")
        XCTAssertEqual(RecordedText.safe("a\u{1B}[2Jb\u{202E}c\u{9B}d\n"), "a\\u{1b}[2Jb\\u{202e}c\\u{9b}d\\u{a}")
        let long = RecordedText.safe(String(repeating: "x", count: 3 << 20))
        XCTAssertEqual(long.count, RecordedText.maximumCharacterCount + 1)
        XCTAssertTrue(long.hasSuffix("…"))
        XCTAssertEqual(RecordedText.safe(nameBytes: [0x61, 0xFF, 0x5C, 0x1B]), "a\\xff\\x5c\\x1b")
    }

    func testIntakeFaultsAreToldFromPackageFaults() {
        XCTAssertEqual(IntakeFault.classify(IOError.writeFailed(path: "w", errno: ENOSPC))?.category, .io)
        XCTAssertEqual(IntakeFault.classify(IOError.cannotOpen(path: "w", errno: EIO))?.category, .io)
        XCTAssertNil(IntakeFault.classify(IOError.cannotCreate(path: "w", errno: ENAMETOOLONG)), "a package's name may provoke it")
        XCTAssertNil(IntakeFault.classify(IOError.cannotOpen(path: "w", errno: ENOENT)))
        XCTAssertEqual(IntakeFault.classify(InboxError.noRegister(project: "P"))?.category, .usage)
        XCTAssertNil(IntakeFault.classify(InboxError.duplicate(packageId: "x")))
        XCTAssertNil(IntakeFault.classify(InboxError.unknownProject(project: "x")))
        struct Anything: Error {}
        XCTAssertEqual(IntakeFault.classify(IntakeFault.Raised(underlying: Anything()))?.category, .usage, "raised by preparation: always the intake's")
        XCTAssertNil(IntakeFault.classify(Anything()))
    }

    /// No message of this module carries a planted value beyond what it must name, and a
    /// sender-written project string is cut and escaped.
    func testMessagesBoundAndEscapeSenderWrittenText() {
        let planted = "123456782\u{1B}]0;x\u{07}" + String(repeating: "y", count: 10_000)
        let message = InboxError.unknownProject(project: planted).description
        XCTAssertLessThan(message.count, 200)
        XCTAssertFalse(message.contains("\u{1B}") || message.contains("\u{07}"))
        XCTAssertFalse(InboxError.noSuchQuarantineEntry(entry: planted).description.contains("\u{1B}"))
    }
}
