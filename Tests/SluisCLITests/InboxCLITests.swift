import Foundation
import XCTest
import SluisIO
import SluisTestSupport

/// `sluis inbox` as a scheduler runs it: mixed arrivals, crashes at every step, concurrent runs.
final class InboxCLITests: InboxCLITestCase {
    func testMixedArrivalsEachEndWhereTheyShould() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        let b = try seal("P2026-0043", as: "b.sluis")
        let untrusted = try seal("P2026-0042", as: "u.sluis", signer: "mallory")
        var tampered = dir.read("packages/a.sluis")
        tampered[tampered.count / 3] ^= 0x08
        dir.write("packages/t.sluis", bytes: tampered)
        try upload(a.path, as: "a.sluis")
        try upload(b.path, as: "b.sluis")
        try upload(untrusted.path, as: "u.sluis")
        try upload(dir.file("packages/t.sluis"), as: "t.sluis")
        try upload(a.path, as: "a-again.sluis")         // a replay of a
        try upload(b.path, as: "b.sluis.part")          // still being uploaded

        let r = try run(["inbox", "-c", "intake.json", "--json"])
        XCTAssertEqual(r.exitCode, 6, r.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(summary?["delivered"] as? Int, 2)
        XCTAssertEqual(summary?["quarantined"] as? Int, 3)
        XCTAssertEqual(summary?["duplicates"] as? Int, 1)
        XCTAssertEqual(summary?["waiting"] as? Int, 1)

        XCTAssertEqual(Set(files(under: "srv/delivery/P2026-0042/\(a.id)")), ["survey.csv", "link-report.json", "sluis-delivery.json"])
        XCTAssertEqual(Set(files(under: "srv/delivery/P2026-0043/\(b.id)")), ["survey.csv", "link-report.json", "sluis-delivery.json"])
        XCTAssertEqual(Set(files(under: "srv/archive")), ["P2026-0042/\(a.id).sluis", "P2026-0043/\(b.id).sluis"])
        XCTAssertEqual(files(under: "srv/inbox"), ["b.sluis.part"])
        XCTAssertEqual(files(under: "srv/work"), [])
        let quarantined = files(under: "srv/quarantine")
        XCTAssertEqual(quarantined.filter { $0.hasSuffix("/package.sluis") }.count, 3)
        XCTAssertEqual(quarantined.filter { $0.hasSuffix("/reason.json") }.count, 3)
        XCTAssertTrue(quarantined.contains { $0.hasPrefix("\(a.id)-duplicate") })

        // Deliveries are readable by the project environment's group, and by nobody else.
        XCTAssertEqual(FileSystem.mode(dir.file("srv/delivery/P2026-0042/\(a.id)")), 0o750)
        XCTAssertEqual(FileSystem.mode(dir.file("srv/delivery/P2026-0042/\(a.id)/survey.csv")), 0o640)
        // The linked delivery has RIN columns and no pseudonym column.
        let linked = String(decoding: dir.read("srv/delivery/P2026-0042/\(a.id)/survey.csv"), as: UTF8.self)
        XCTAssertTrue(linked.hasPrefix("RINPERSOONS;RINPERSOON;"))
        XCTAssertFalse(linked.contains("PSEUDO_"))

        // The audit log tells the story, and holds no identifier.
        let events = auditEvents()
        let delivered = events.filter { $0["event"] as? String == "delivered" }.compactMap { $0["packageId"] as? String }
        XCTAssertEqual(Set(delivered), [a.id, b.id])
        XCTAssertEqual(delivered.count, 2)
        let outcomes = events.filter { $0["event"] as? String == "quarantined" }.compactMap { $0["outcome"] as? String }
        XCTAssertEqual(outcomes.sorted(), ["duplicate", "failed", "failed"])
        XCTAssertTrue(events.contains { ($0["error"] as? String)?.contains("not trusted") == true })
        XCTAssertTrue(events.contains { $0["event"] as? String == "linked" && $0["linkRate"] != nil })
        let log = String(decoding: dir.read("srv/log/audit.jsonl"), as: UTF8.self)
        let register = String(decoding: dir.read("data/register.csv"), as: UTF8.self)
        for line in register.split(separator: "\n").dropFirst().prefix(100) {
            let fields = line.split(separator: ",")
            XCTAssertFalse(log.contains(String(fields[0])))
            XCTAssertFalse(log.contains(String(fields[2])))
        }

        // A second run has nothing left to do but the upload still in progress.
        let again = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(again.exitCode, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("0 delivered, 0 quarantined"), again.stdout)
    }

    func testConfigurationErrorsNameTheirPlaceAndStopBeforeAnythingIsTaken() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        try upload(a.path, as: "a.sluis")
        let good = String(decoding: dir.read("intake.json"), as: UTF8.self)
        let cases: [(String, String)] = [
            (good.replacingOccurrences(of: "\"settleSeconds\": 0,", with: "\"settleSeconds\": 0, \"inbx\": \"x\","), "inbx"),
            (good.replacingOccurrences(of: "\"link\": { \"unmatchedCode\": \"S\" }", with: "\"link\": { \"inputs\": [\"x\"] }"),
             "projects.P2026-0043.link.inputs"),
            (good.replacingOccurrences(of: "\"surrogateKey\": \"keys/surrogate.key\",\n", with: "\n"), "surrogateKey"),
            (String(good.dropLast(3)), "line"),
        ]
        for (config, place) in cases {
            dir.write("bad.json", config)
            let r = try run(["inbox", "-c", "bad.json"])
            XCTAssertEqual(r.exitCode, 2, place + r.stderr)
            XCTAssertTrue(r.stderr.contains(place), "\(place): \(r.stderr)")
        }
        XCTAssertEqual(files(under: "srv/inbox"), ["a.sluis"], "nothing was taken")
    }

    func testAFreshUploadIsLeftUntilItSettles() throws {
        var config = String(decoding: dir.read("intake.json"), as: UTF8.self)
        config = config.replacingOccurrences(of: "\"settleSeconds\": 0", with: "\"settleSeconds\": 3600")
        dir.write("intake.json", config)
        let a = try seal("P2026-0042", as: "a.sluis")
        try upload(a.path, as: "a.sluis")
        let r = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(files(under: "srv/inbox"), ["a.sluis"])
        XCTAssertTrue(r.stdout.contains("1 still uploading"), r.stdout)
    }

    /// Kills the job at every step in turn (as kill -9 would), reruns it, and checks that each
    /// package is delivered exactly once, byte-identical to a clean run, with nothing left behind.
    /// After a run: each package delivered once (one delivery folder, byte-identical data, one
    /// `delivered` audit event) and archived; nothing left in work, inbox or quarantine.
    func assertDeliveredExactlyOnce(_ packages: [(project: String, id: String)], reference: [String: [UInt8]], _ label: String,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        for p in packages {
            XCTAssertEqual(try FileSystem.list(dir.file("srv/delivery/\(p.project)")), [p.id], label, file: file, line: line)
            XCTAssertTrue(dir.read("srv/delivery/\(p.project)/\(p.id)/survey.csv") == reference[p.id], "\(label): not byte-identical",
                          file: file, line: line)
            XCTAssertTrue(FileSystem.exists(dir.file("srv/archive/\(p.project)/\(p.id).sluis")), label, file: file, line: line)
        }
        for folder in ["srv/work", "srv/inbox", "srv/quarantine"] {
            XCTAssertEqual(files(under: folder), [], "\(label): \(folder)", file: file, line: line)
        }
        let delivered = auditEvents().filter { $0["event"] as? String == "delivered" }.compactMap { $0["packageId"] as? String }
        XCTAssertEqual(delivered.sorted(), packages.map(\.id).sorted(), "\(label): each delivery logged once", file: file, line: line)
        let archived = auditEvents().filter { $0["event"] as? String == "archived" }.compactMap { $0["packageId"] as? String }
        XCTAssertEqual(archived.sorted(), packages.map(\.id).sorted(), "\(label): each archiving logged once", file: file, line: line)
    }

    func testCrashAtEveryStepThenRerunDeliversExactlyOnce() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        let b = try seal("P2026-0043", as: "b.sluis")
        // A clean run for reference.
        try upload(a.path, as: "a.sluis")
        try upload(b.path, as: "b.sluis")
        XCTAssertEqual(try run(["inbox", "-c", "intake.json"]).exitCode, 0)
        let reference = [a.id: dir.read("srv/delivery/P2026-0042/\(a.id)/survey.csv"),
                         b.id: dir.read("srv/delivery/P2026-0043/\(b.id)/survey.csv")]
        XCTAssertFalse(reference[a.id]!.isEmpty)

        var step = 1
        while true {
            try resetIntakeFolders()
            try upload(a.path, as: "a.sluis")
            try upload(b.path, as: "b.sluis")
            let crashed = try run(["inbox", "-c", "intake.json"], environment: ["SLUIS_INBOX_CRASH_AT": String(step)])
            if crashed.exitCode != 137 {
                XCTAssertEqual(crashed.exitCode, 0, crashed.stderr)
                break
            }
            let rerun = try run(["inbox", "-c", "intake.json"])
            XCTAssertEqual(rerun.exitCode, 0, "step \(step): \(rerun.stdout) \(rerun.stderr)")
            try assertDeliveredExactlyOnce([("P2026-0042", a.id), ("P2026-0043", b.id)], reference: reference, "step \(step)")
            step += 1
        }
        XCTAssertGreaterThanOrEqual(step, 12, "every step of both packages was crashed at")
    }

    /// SIGKILL of a run paused at each step in turn (the crash-injection points, so every kill
    /// lands inside a run whatever the machine's speed), then a rerun: each package is delivered
    /// once, byte-identical, and no temporary file survives anywhere.
    func testKilledAtEveryStepThenRerunDeliversExactlyOnce() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        let b = try seal("P2026-0043", as: "b.sluis")
        try upload(a.path, as: "a.sluis")
        try upload(b.path, as: "b.sluis")
        XCTAssertEqual(try run(["inbox", "-c", "intake.json"]).exitCode, 0)
        let reference = [a.id: dir.read("srv/delivery/P2026-0042/\(a.id)/survey.csv"),
                         b.id: dir.read("srv/delivery/P2026-0043/\(b.id)/survey.csv")]
        let expectedFiles = files(under: "srv/delivery")

        var step = 1
        while true {
            try resetIntakeFolders()
            try upload(a.path, as: "a.sluis")
            try upload(b.path, as: "b.sluis")
            let signal = dir.file("paused-\(step)")
            let p = try startInbox(environment: ["SLUIS_INBOX_PAUSE_AT": String(step), "SLUIS_INBOX_SIGNAL": signal])
            // Either the run pauses at this step (and is killed there), or it has fewer steps and ends.
            while !FileSystem.exists(signal) && p.isRunning { usleep(10_000) }
            guard FileSystem.exists(signal) else {
                p.waitUntilExit()
                XCTAssertEqual(p.terminationStatus, 0)
                break
            }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationReason, .uncaughtSignal, "step \(step): killed inside the run")

            let rerun = try run(["inbox", "-c", "intake.json"])
            XCTAssertEqual(rerun.exitCode, 0, "kill at step \(step): \(rerun.stderr)")
            XCTAssertEqual(files(under: "srv/delivery"), expectedFiles, "step \(step): delivery differs (a temporary file left?)")
            try assertDeliveredExactlyOnce([("P2026-0042", a.id), ("P2026-0043", b.id)], reference: reference, "kill at step \(step)")
            step += 1
        }
        XCTAssertGreaterThanOrEqual(step, 13, "every step of both packages was killed at")
    }

    /// SIGKILL at moments spread over a run — mid-step too (mid-decrypt, mid-link, mid-rename),
    /// which the step kills above cannot reach. Where a kill lands depends on the machine, so the
    /// test asserts only what must hold wherever it lands: delivered once, nothing left behind.
    func testKilledAtAnyMomentThenRerunDeliversExactlyOnce() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        let b = try seal("P2026-0043", as: "b.sluis")
        try upload(a.path, as: "a.sluis")
        try upload(b.path, as: "b.sluis")
        let started = Date()
        XCTAssertEqual(try run(["inbox", "-c", "intake.json"]).exitCode, 0)
        let duration = Date().timeIntervalSince(started)
        let reference = [a.id: dir.read("srv/delivery/P2026-0042/\(a.id)/survey.csv"),
                         b.id: dir.read("srv/delivery/P2026-0043/\(b.id)/survey.csv")]
        let expectedFiles = files(under: "srv/delivery")
        for k in 1...4 {
            try resetIntakeFolders()
            try upload(a.path, as: "a.sluis")
            try upload(b.path, as: "b.sluis")
            let p = try startInbox()
            Thread.sleep(forTimeInterval: duration * Double(k) / 5)
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            let rerun = try run(["inbox", "-c", "intake.json"])
            XCTAssertEqual(rerun.exitCode, 0, "kill \(k): \(rerun.stderr)")
            XCTAssertEqual(files(under: "srv/delivery"), expectedFiles, "kill \(k): delivery differs (a temporary file left?)")
            try assertDeliveredExactlyOnce([("P2026-0042", a.id), ("P2026-0043", b.id)], reference: reference, "kill \(k)")
        }
    }

    /// A package during which the job dies every time is set aside after three interrupted runs,
    /// so that it does not hold up the uploads behind it.
    func testAPackageInterruptedThreeTimesIsQuarantinedAndTheNextOneDelivered() throws {
        let a = try seal("P2026-0042", as: "a.sluis")
        let b = try seal("P2026-0043", as: "b.sluis")
        try upload(a.path, as: "a.sluis")
        // Three runs that each die at their second step: a's claim is taken, then resumed twice.
        for run in 1...3 {
            let crashed = try self.run(["inbox", "-c", "intake.json"], environment: ["SLUIS_INBOX_CRASH_AT": "2"])
            XCTAssertEqual(crashed.exitCode, 137, "run \(run): \(crashed.stderr)")
        }
        try upload(b.path, as: "b.sluis")
        let r = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(r.exitCode, 6, r.stdout + r.stderr)
        XCTAssertEqual(try FileSystem.list(dir.file("srv/delivery/P2026-0043")), [b.id])
        let quarantined = try FileSystem.list(dir.file("srv/quarantine"))
        XCTAssertEqual(quarantined.count, 1)
        let reason = String(decoding: dir.read("srv/quarantine/\(quarantined[0])/reason.json"), as: UTF8.self)
        XCTAssertTrue(reason.contains("interrupted 3 times"), reason)
        XCTAssertTrue(dir.read("srv/quarantine/\(quarantined[0])/package.sluis") == dir.read("packages/a.sluis"), "the package is kept whole")
        XCTAssertEqual(files(under: "srv/work"), [])
    }

    func testTwoRunsAtOnceNeverDeliverTwice() throws {
        var ids: [String] = []
        for i in 0..<6 {
            let p = try seal(i % 2 == 0 ? "P2026-0042" : "P2026-0043", as: "p\(i).sluis")
            ids.append(p.id)
            try upload(p.path, as: "p\(i).sluis")
        }
        try upload(dir.file("packages/p0.sluis"), as: "p0-copy.sluis")
        let group = DispatchGroup()
        final class Results: @unchecked Sendable { var codes: [Int32] = []; let lock = NSLock() }
        let results = Results()
        let path = dir.path
        // Each run, once it has claimed its first package, signals the barrier and waits for the
        // other: both signals prove that the runs overlapped, whatever the machine's speed.
        let barrier = dir.file("barrier")
        try FileSystem.makeDirectories(barrier)
        for _ in 0..<2 {
            group.enter()
            DispatchQueue.global().async {
                let r = try? CLI.run(["inbox", "-c", "intake.json"], in: path, environment: ["SLUIS_INBOX_BARRIER": barrier + ":2"])
                results.lock.lock(); results.codes.append(r?.exitCode ?? -1); results.lock.unlock()
                group.leave()
            }
        }
        group.wait()
        XCTAssertEqual(results.codes.count, 2)
        XCTAssertEqual(try FileSystem.list(barrier).count, 2, "both runs held a claim at the same time")
        for code in results.codes { XCTAssertTrue(code == 0 || code == 6, "exit \(code)") }
        for (i, id) in ids.enumerated() {
            let project = i % 2 == 0 ? "P2026-0042" : "P2026-0043"
            XCTAssertEqual(try FileSystem.list(dir.file("srv/delivery/\(project)")).filter { $0 == id }.count, 1)
        }
        let delivered = auditEvents().filter { $0["event"] as? String == "delivered" }.compactMap { $0["packageId"] as? String }
        XCTAssertEqual(delivered.sorted(), ids.sorted(), "each package delivered exactly once")
        XCTAssertEqual(files(under: "srv/quarantine").filter { $0.hasSuffix("package.sluis") }.count, 1, "the copy is a replay")
        XCTAssertEqual(files(under: "srv/work"), [])
        XCTAssertEqual(files(under: "srv/inbox"), [])
    }
}
