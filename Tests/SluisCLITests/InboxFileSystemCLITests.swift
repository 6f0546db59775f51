import Foundation
import XCTest
import SluisIO
import SluisTestSupport

/// The inbox and the file system (issue 13): links, odd names, stalled uploads, a complete audit
/// trail after a kill, and sender-written text bounded and escaped wherever it is recorded.
final class InboxFileSystemCLITests: InboxCLITestCase {
    /// A symbolic link (to a good package, or to a secret file), a folder and a hard-linked file
    /// are refused unread, reported once, and the link's target is untouched.
    func testLinksFoldersAndHardLinksAreRefusedUnreadAndReportedOnce() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        try upload(a.path, as: "a.sluis")
        dir.write("secret.txt", "not for the intake")
        XCTAssertEqual(symlink(dir.file("packages/a.sluis"), dir.file("srv/inbox/link-to-package.sluis")), 0)
        XCTAssertEqual(symlink(dir.file("secret.txt"), dir.file("srv/inbox/link-to-secret.sluis")), 0)
        try FileSystem.makeDirectories(dir.file("srv/inbox/folder.sluis"))
        try FileSystem.makeDirectories(dir.file("srv/upload-service"))
        try upload(a.path, as: "hard.sluis")
        XCTAssertEqual(link(dir.file("srv/inbox/hard.sluis"), dir.file("srv/upload-service/hard.sluis")), 0)

        let r = try run(["inbox", "-c", "intake.json", "--json"])
        XCTAssertEqual(r.exitCode, 6, r.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(summary?["delivered"] as? Int, 1)
        XCTAssertEqual(summary?["refused"] as? Int, 4)
        let results = summary?["packages"] as? [[String: Any]] ?? []
        let refused = results.filter { $0["outcome"] as? String == "refused" }
        XCTAssertEqual(Set(refused.compactMap { $0["upload"] as? String }),
                       ["link-to-package.sluis", "link-to-secret.sluis", "folder.sluis", "hard.sluis"])
        XCTAssertTrue(refused.contains { ($0["reason"] as? String)?.contains("a symbolic link") == true })
        XCTAssertTrue(refused.contains { ($0["reason"] as? String)?.contains("more than one hard link") == true })
        // The links were moved, never followed: their targets are where they were, unchanged.
        XCTAssertEqual(dir.read("secret.txt"), Array("not for the intake".utf8))
        XCTAssertTrue(FileSystem.exists(dir.file("packages/a.sluis")))
        XCTAssertEqual(files(under: "srv/archive").count, 1)
        XCTAssertEqual(files(under: "srv/inbox"), [])
        XCTAssertEqual(auditEvents().filter { $0["event"] as? String == "refused" }.count, 4)
        // Reported once: the next run has nothing to say.
        let again = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(again.exitCode, 0, again.stdout)
        XCTAssertTrue(again.stdout.contains("0 delivered, 0 quarantined"), again.stdout)
    }

    /// Upload names that are not UTF-8 are not left "still uploading" forever: they are refused
    /// and reported with the bytes escaped.
    func testNamesThatAreNotUTF8AreRefusedAndReportedEscaped() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        let bytes = try FileSystem.readAll(a.path, limitByteCount: 1 << 30)
        let name: [UInt8] = Array("bad-".utf8) + [0xFF, 0xFE] + Array(".sluis".utf8)
        let path = Array(dir.file("srv/inbox/").utf8) + name + [0]
        let fd = path.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o600) }
        }
        XCTAssertGreaterThanOrEqual(fd, 0)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let r = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(r.exitCode, 6, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("refused bad-\\xff\\xfe.sluis"), r.stdout)
        XCTAssertTrue(r.stdout.contains("0 still uploading"), r.stdout)
        XCTAssertEqual(try FileSystem.list(dir.file("srv/inbox")), [])
        XCTAssertTrue(String(decoding: dir.read("srv/log/audit.jsonl"), as: UTF8.self).contains("bad-\\\\xff\\\\xfe.sluis"))
    }

    /// A stalled upload quarantined as truncated, whose writer then finishes it: the quarantine
    /// keeps the truncated snapshot; the writer's bytes go to the unlinked original.
    func testAStalledUploadCompletedAfterQuarantineDoesNotChangeTheQuarantinedCopy() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        let bytes = try FileSystem.readAll(a.path, limitByteCount: 1 << 30)
        let half = bytes.count / 2
        let fd = open(dir.file("srv/inbox/a.sluis"), O_WRONLY | O_CREAT | O_EXCL, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, half) }
        let r = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(r.exitCode, 6, r.stdout + r.stderr)
        // The writer resumes and completes its upload through the descriptor it kept.
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + half, bytes.count - half) }
        close(fd)
        let entries = try FileSystem.list(dir.file("srv/quarantine"))
        XCTAssertEqual(entries.count, 1)
        let quarantined = dir.read("srv/quarantine/\(entries[0])/package.sluis")
        XCTAssertEqual(quarantined.count, half, "the quarantined copy is the snapshot taken, not the writer's file")
        XCTAssertEqual(Array(quarantined), Array(bytes.prefix(half)))
    }

    /// A kill right after the package was renamed into the archive (before its audit event was
    /// written) is reconciled by the next run: every package has exactly one `archived` event.
    func testTheAuditTrailIsCompleteAfterAKillAtTheEndOfArchiving() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        try upload(a.path, as: "a.sluis")
        // Steps: claimed 1, verified 2, opened 3, linked 4, delivered 5, archived 6.
        let crashed = try run(["inbox", "-c", "intake.json"], environment: ["SLUIS_INBOX_CRASH_AT": "6"])
        XCTAssertEqual(crashed.exitCode, 137)
        XCTAssertTrue(FileSystem.exists(dir.file("srv/archive/P2026-0042/\(a.id).sluis")))
        XCTAssertEqual(auditEvents().filter { $0["event"] as? String == "archived" }.count, 0)
        XCTAssertEqual(try run(["inbox", "-c", "intake.json"]).exitCode, 0)
        let archived = auditEvents().filter { $0["event"] as? String == "archived" }
        XCTAssertEqual(archived.count, 1)
        XCTAssertEqual(archived.first?["packageId"] as? String, a.id)
        XCTAssertEqual(files(under: "srv/work"), [])
        XCTAssertEqual(try run(["inbox", "-c", "intake.json"]).exitCode, 0)
        XCTAssertEqual(auditEvents().filter { $0["event"] as? String == "archived" }.count, 1, "not written twice")
    }

    /// An unsigned package claiming a 3 MB project string full of terminal escapes: what is
    /// recorded (audit log, reason.json, output) is bounded and escaped.
    func testAForgedProjectStringIsBoundedAndEscapedWhereverItIsRecorded() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        var bytes = try FileSystem.readAll(a.path, limitByteCount: 1 << 30)
        func be(_ at: Int, _ n: Int) -> Int { bytes[at..<(at + n)].reduce(0) { $0 << 8 | Int($1) } }
        let trailerAt = bytes.count - 32
        let manifestOffset = be(trailerAt, 8), manifestCount = be(trailerAt + 8, 8)
        var manifest = try JSONSerialization.jsonObject(with: Data(bytes[manifestOffset..<(manifestOffset + manifestCount)])) as! [String: Any]
        let unit = "\u{1B}]0;owned\u{07}" + String(repeating: "x", count: 40) + "\u{202E}"
        let hostile = String(repeating: unit, count: (3 << 20) / 52)
        manifest["project"] = hostile
        let forged = try JSONSerialization.data(withJSONObject: manifest)
        XCTAssertTrue(forged.count > 3 << 20 && forged.count < 4 << 20, "\(forged.count)")
        let signature = Array(bytes[(manifestOffset + manifestCount)..<trailerAt])
        var trailer = Array(bytes[trailerAt...])
        for i in 0..<8 { trailer[8 + i] = UInt8((forged.count >> (8 * (7 - i))) & 0xFF) }
        bytes = Array(bytes[0..<manifestOffset]) + Array(forged) + signature + trailer
        dir.write("packages/forged.sluis", bytes: bytes)
        try upload(dir.file("packages/forged.sluis"), as: "forged.sluis")

        let r = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(r.exitCode, 6, r.stderr)
        let log = String(decoding: dir.read("srv/log/audit.jsonl"), as: UTF8.self)
        let entries = try FileSystem.list(dir.file("srv/quarantine"))
        XCTAssertEqual(entries.count, 1)
        let reason = String(decoding: dir.read("srv/quarantine/\(entries[0])/reason.json"), as: UTF8.self)
        for (label, text) in [("audit log", log), ("reason.json", reason), ("stdout", r.stdout), ("stderr", r.stderr)] {
            XCTAssertLessThan(text.utf8.count, 16 * 1024, "\(label) is bounded")
            XCTAssertFalse(text.contains("\u{1B}") || text.contains("\u{202E}") || text.contains("\u{07}"), "\(label) holds a raw control")
        }
        XCTAssertTrue(log.contains("claims project"), log)
        XCTAssertTrue(r.stdout.contains("\\u{1b}"), r.stdout)
    }
}

/// A killed `open` leaves its hidden staging folder; the next open into the same folder removes
/// it, whatever output name either used, but never a live open's.
final class OpenStagingCLITests: InboxCLITestCase {
    func testTheNextOpenRemovesAStaleStagingFolderOfAnyName() throws {
        _ = try seal("P2026-0042", as: "a.sluis")
        // What a killed `sluis open -o out/first` leaves: a hidden folder with checked plaintext.
        try FileSystem.makeDirectories(dir.file("out/.first.sluis-open-0123456789ab"))
        dir.write("out/.first.sluis-open-0123456789ab/survey.csv", "plaintext")
        // A live open's staging folder, locked by this process.
        try FileSystem.makeDirectories(dir.file("out/.live.sluis-open-ba9876543210"))
        let fd = open(dir.file("out/.live.sluis-open-ba9876543210"), O_RDONLY | O_DIRECTORY)
        XCTAssertEqual(flock(fd, LOCK_EX), 0)
        defer { close(fd) }
        let r = try run(["open", "packages/a.sluis", "-i", "keys/intake.key", "--trust", "keys/researcher.pub", "-o", "out/second"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(try FileSystem.list(dir.file("out")), [".live.sluis-open-ba9876543210", "second"])
    }
}
