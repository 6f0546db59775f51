import Foundation
import XCTest
import SluisIO
import SluisTestSupport

/// The intake's own faults never cost a researcher's package: a missing register, a key with
/// loose permissions, a wrong passphrase, a full disk during open and during link each stop the
/// run ("could not run", exit 2 or 5), leave the package claimed, and the next run after the fix
/// delivers it exactly once. Only the package's own faults quarantine.
final class InboxIntakeFaultCLITests: InboxCLITestCase {
    func testAMissingRegisterStopsTheRunAndTheFixedRunDeliversOnce() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        try upload(a.path, as: "a.sluis")
        try FileSystem.rename(dir.file("data/register.csv"), dir.file("data/register.moved"))
        // At the start of the run: nothing is taken, exit 2 naming the JSON path.
        let early = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(early.exitCode, 2, early.stderr)
        XCTAssertTrue(early.stderr.contains("projects.P2026-0042.register"), early.stderr)
        XCTAssertEqual(files(under: "srv/inbox"), ["a.sluis"])
        // A package already claimed (a run killed after claiming it) with the register gone: the
        // next run stops at its start check without touching the claim, and nothing is quarantined.
        try FileSystem.rename(dir.file("data/register.moved"), dir.file("data/register.csv"))
        let signal = dir.file("paused")
        let p = try startInbox(environment: ["SLUIS_INBOX_PAUSE_AT": "1", "SLUIS_INBOX_SIGNAL": signal])
        try waitFor(signal, process: p)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        try FileSystem.rename(dir.file("data/register.csv"), dir.file("data/register.moved"))
        // The next run resumes the claim; the layout check finds the register gone first.
        XCTAssertEqual(try run(["inbox", "-c", "intake.json"]).exitCode, 2)
        XCTAssertEqual(files(under: "srv/quarantine"), [])
        XCTAssertEqual(claims().count, 1)
        try FileSystem.rename(dir.file("data/register.moved"), dir.file("data/register.csv"))
        try assertNextRunDeliversOnce(a.id)
    }

    func testARegisterWithoutTheNeededColumnsIsACheckErrorNotAQuarantine() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        try upload(a.path, as: "a.sluis")
        dir.write("data/register-bad.csv", "bsn,rin\n123456782,1\n")
        editConfig("\"register\": \"data/register.csv\", \"surrogateKey\": \"keys/surrogate.key\" },",
                   "\"register\": \"data/register-bad.csv\", \"surrogateKey\": \"keys/surrogate.key\" },")
        let r = try run(["inbox", "-c", "intake.json", "--check"])
        XCTAssertEqual(r.exitCode, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("projects.P2026-0042.register") && r.stderr.contains("rinpersoons"), r.stderr)
        XCTAssertEqual(try run(["inbox", "-c", "intake.json"]).exitCode, 2)
        XCTAssertEqual(files(under: "srv/inbox"), ["a.sluis"])
        XCTAssertEqual(files(under: "srv/quarantine"), [])
    }

    func testAPseudonymKeyReadableByOthersStopsTheRunAndKeepsThePackage() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        try upload(a.path, as: "a.sluis")
        chmod(dir.file("keys/project-P2026-0042.key"), 0o644)
        let r = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(r.exitCode, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("projects.P2026-0042.pseudonymKey") && r.stderr.contains("0600"), r.stderr)
        XCTAssertEqual(files(under: "srv/inbox"), ["a.sluis"], "not taken")
        XCTAssertEqual(files(under: "srv/quarantine"), [])
        chmod(dir.file("keys/project-P2026-0042.key"), 0o600)
        try assertNextRunDeliversOnce(a.id)
    }

    /// A wrong passphrase for a project key is met only once a package of that project is claimed
    /// (keys are unlocked when needed): the package stays claimed, exit 2 (docs/intake.md).
    func testAWrongProjectKeyPassphraseDefersThePackage() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        try upload(a.path, as: "a.sluis")
        // Protect the project key with a passphrase, then configure a wrong one.
        dir.write("keys/right.passphrase", "correct horse battery staple\n")
        dir.write("keys/wrong.passphrase", "not the passphrase at all\n")
        chmod(dir.file("keys/right.passphrase"), 0o600)
        chmod(dir.file("keys/wrong.passphrase"), 0o600)
        let r0 = try CLI.run(["passphrase", "keys/project-P2026-0042.key", "--new-passphrase-file", "keys/right.passphrase"], in: dir.path)
        XCTAssertEqual(r0.exitCode, 0, r0.stderr)
        editConfig("\"pseudonymKey\": \"keys/project-P2026-0042.key\",",
                   "\"pseudonymKey\": \"keys/project-P2026-0042.key\", \"pseudonymKeyPassphraseFile\": \"keys/wrong.passphrase\",")
        let r = try run(["inbox", "-c", "intake.json"])
        assertDeferred(r, code: 2, fault: "wrong passphrase")
        editConfig("keys/wrong.passphrase", "keys/right.passphrase")
        try assertNextRunDeliversOnce(a.id)
    }

    /// An empty inbox unlocks no key: a wrong identity passphrase costs nothing until a package
    /// arrives; then the run stops before taking it (exit 2) and the package stays in the inbox.
    func testKeysAreUnlockedOnlyWhenThereIsAPackage() throws {
        dir.write("keys/wrong.passphrase", "not the passphrase\n")
        chmod(dir.file("keys/wrong.passphrase"), 0o600)
        let r0 = try CLI.run(["passphrase", "keys/intake.key", "--new-passphrase-file", "keys/wrong.passphrase", "--force"], in: dir.path)
        XCTAssertEqual(r0.exitCode, 0, r0.stderr)
        dir.write("keys/other.passphrase", "another passphrase entirely\n")
        chmod(dir.file("keys/other.passphrase"), 0o600)
        editConfig("\"identity\": \"keys/intake.key\",", "\"identity\": \"keys/intake.key\", \"passphraseFile\": \"keys/other.passphrase\",")
        let empty = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(empty.exitCode, 0, "an empty inbox unlocks nothing: " + empty.stderr)
        let a = try seal("P2026-0042", as: "a.sluis")
        try upload(a.path, as: "a.sluis")
        let r = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(r.exitCode, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("wrong passphrase") && r.stderr.contains("nothing was taken"), r.stderr)
        XCTAssertEqual(files(under: "srv/inbox"), ["a.sluis"])
        // --check unlocks every key, so it finds the wrong passphrase with an empty inbox too.
        FileSystem.removeTree(dir.file("srv/inbox/a.sluis"))
        XCTAssertEqual(try run(["inbox", "-c", "intake.json", "--check"]).exitCode, 2)
    }

    // MARK: A full disk

    func testAFullDiskDuringOpenDefersThePackage() throws {
        try fullDisk(failing: "open")
    }

    func testAFullDiskDuringLinkDefersThePackage() throws {
        try fullDisk(failing: "link")
    }

    /// Mounts a small tmpfs as the intake's file system, fills it so that `stage` runs out of
    /// space, runs, frees the space, and runs again.
    func fullDisk(failing stage: String) throws {
        // Larger data, so the sizes are far above tmpfs's page granularity.
        try run(["synth", "-o", "big", "--persons", "3000", "--rows", "20000", "--seed", "5"])
        let pipeline = String(decoding: dir.read("pipeline-P2026-0042.json"), as: UTF8.self)
        dir.write("pipeline-P2026-0042.json", pipeline.replacingOccurrences(of: "data/survey.csv", with: "big/survey.csv"))
        let a = try seal("P2026-0042", as: "a.sluis")
        let opened = try run(["open", "packages/a.sluis", "-i", "keys/intake.key", "--trust", "keys/researcher.pub", "-o", "opened-ref"])
        XCTAssertEqual(opened.exitCode, 0)
        let openedBytes = dir.read("opened-ref/survey.csv").count
        // A reference delivery for the linked size.
        try upload(a.path, as: "a.sluis")
        XCTAssertEqual(try run(["inbox", "-c", "intake.json"]).exitCode, 0)
        let linkedBytes = dir.read("srv/delivery/P2026-0042/\(a.id)/survey.csv").count

        editConfig("\"auditLog\": \"srv/log/audit.jsonl\"", "\"auditLog\": \"log/audit.jsonl\"")
        FileSystem.removeTree(dir.file("srv"))
        try FileSystem.makeDirectories(dir.file("srv"))
        let mount = try runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs", dir.file("srv")])
        guard mount.status == 0 else {
            print("SKIPPED: cannot mount a tmpfs (\(mount.output.trimmingCharacters(in: .whitespacesAndNewlines))); "
                  + "the full-disk test needs root or CAP_SYS_ADMIN")
            throw XCTSkip("cannot mount a tmpfs: \(mount.output)")
        }
        defer { _ = try? runTool("/bin/umount", [dir.file("srv")]) }
        XCTAssertEqual(try run(["inbox", "-c", "intake.json", "--init"]).exitCode, 0)
        try upload(a.path, as: "a.sluis")

        // Leave just enough room: half the opened file (open fails), or the opened file and half
        // the linked one (link fails). 64 KiB covers the claim's small files.
        let target = stage == "open" ? openedBytes / 2 : openedBytes + 64 * 1024 + linkedBytes / 2
        var vfs = statvfs()
        XCTAssertEqual(statvfs(dir.file("srv"), &vfs), 0)
        let free = Int(vfs.f_bavail) * Int(vfs.f_bsize)
        XCTAssertGreaterThan(free, target)
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.file("srv/filler"), contents: Data(count: free - target)))

        let r = try run(["inbox", "-c", "intake.json"])
        assertDeferred(r, code: 5, fault: "no space left on device")
        XCTAssertTrue(r.stdout.contains("; \(stage): "), "failed in \(stage): " + r.stdout)
        let events = String(decoding: dir.read("log/audit.jsonl"), as: UTF8.self)
        XCTAssertTrue(events.contains("\"deferred\""), events)

        FileSystem.removeTree(dir.file("srv/filler"))
        try assertNextRunDeliversOnce(a.id, log: "log/audit.jsonl")
    }

    func runTool(_ path: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
