import Foundation
import XCTest
import SluisCore
import SluisCrypto
import SluisIO
import SluisLink
@testable import SluisInbox
import SluisTestSupport

/// `Inbox.runOnce` in-process, with a stand-in linker: delivery, the intake's faults (deferred,
/// delivered once after the fix), the package's faults (quarantined), and the shelf (list, requeue).
final class InboxRunTests: XCTestCase {
    var dir: TemporaryDirectory!
    var config: IntakeConfig!
    var packageBytes: [UInt8] = []

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-inbox-run")
        try dir.installExampleKeys(["researcher.key", "researcher.pub", "intake.key", "intake.pub", "project-P2026-0042.key"], into: "keys")
        for args in [["synth", "-o", "data", "--persons", "50", "--rows", "60", "--seed", "3"], ["link", "--new-surrogate-key", "keys/surrogate.key"]] {
            XCTAssertEqual(try CLI.run(args, in: dir.path).exitCode, 0)
        }
        _ = dir.write("pipeline.json", """
        { "version": 1, "project": "P2026-0042", "pseudonymKey": "keys/project-P2026-0042.key", "sign": "keys/researcher.key",
          "recipients": ["keys/intake.pub"], "files": [ { "path": "data/survey.csv", "delimiter": ";", "columns": {
            "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" }, "Naam": { "action": "drop" },
            "Geboortedatum": { "action": "drop" }, "Geslacht": { "action": "drop" }, "Postcode": { "action": "drop" },
            "Huisnummer": { "action": "drop" }, "Woonplaats": { "action": "keep" }, "Opleiding": { "action": "keep" },
            "Score": { "action": "keep" }, "Inkomen": { "action": "keep" }, "Toelichting": { "action": "drop" } } } ] }
        """)
        let sealed = try CLI.run(["seal", "-c", "pipeline.json", "-o", "a.sluis", "--quiet"], in: dir.path)
        XCTAssertEqual(sealed.exitCode, 0, sealed.stderr)
        packageBytes = dir.read("a.sluis")
        let path = dir.write("intake.json", """
        { "version": 1, "inbox": "srv/inbox", "work": "srv/work", "delivery": "srv/delivery", "archive": "srv/archive",
          "quarantine": "srv/quarantine", "identity": "keys/intake.key", "auditLog": "srv/log/audit.jsonl", "settleSeconds": 0,
          "projects": { "P2026-0042": { "trust": ["keys/researcher.pub"], "pseudonymKey": "keys/project-P2026-0042.key",
                                         "register": "data/register.csv", "surrogateKey": "keys/surrogate.key" } } }
        """)
        config = try IntakeConfig.load(path: path)
        XCTAssertEqual(try IntakeCheck.initialise(config).count, 6)
    }

    func upload(_ name: String) {
        _ = dir.write("srv/inbox/" + name, bytes: packageBytes)
    }

    func inbox(_ linker: @escaping InboxLinker) throws -> Inbox {
        try Inbox(config: config, identity: { try Identity.load(path: self.config.identity, passphrase: .terminal) }, linker: linker)
    }

    /// A linker that writes one file, as the real one writes the linked data.
    let goodLinker: InboxLinker = { _, output, _ in
        try FileSystem.writeAtomically(Array("RINPERSOONS;RINPERSOON\n".utf8), to: output + "/survey.csv", mode: 0o600)
        return LinkOutcome(rows: 60, linkRate: 91.5)
    }

    func events() -> [String] {
        String(decoding: dir.read("srv/log/audit.jsonl"), as: UTF8.self).split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["event"] as? String
        }
    }

    func testAPackageIsDeliveredArchivedAndLogged() throws {
        upload("a.sluis")
        let summary = try inbox(goodLinker).runOnce()
        XCTAssertEqual(summary.delivered, 1)
        XCTAssertNil(summary.stopped)
        let result = try XCTUnwrap(summary.packages.first)
        XCTAssertEqual(result.outcome, "delivered")
        XCTAssertEqual(result.project, "P2026-0042")
        let id = try XCTUnwrap(result.packageId)
        XCTAssertEqual(Set(try FileSystem.list(dir.file("srv/delivery/P2026-0042/" + id))), ["survey.csv", "sluis-delivery.json"])
        XCTAssertEqual(FileSystem.mode(dir.file("srv/delivery/P2026-0042/" + id + "/survey.csv")), 0o640)
        XCTAssertTrue(FileSystem.exists(dir.file("srv/archive/P2026-0042/\(id).sluis")))
        XCTAssertEqual(events(), ["claimed", "verified", "opened", "linked", "delivered", "archived"])
        XCTAssertTrue(result.line.contains("delivered a.sluis: package \(id), project P2026-0042"), result.line)
    }

    func testAnIntakeFaultInTheLinkerDefersThePackageAndTheNextRunDeliversItOnce() throws {
        upload("a.sluis")
        let full = try inbox { _, output, _ in throw IOError.writeFailed(path: output + "/survey.csv", errno: ENOSPC) }.runOnce()
        XCTAssertEqual(full.delivered, 0)
        XCTAssertEqual(full.quarantined, 0)
        XCTAssertEqual(full.stoppedExitCode, 5)
        XCTAssertTrue(full.stopped?.contains("no space left on device") == true || full.stopped?.contains("No space left on device") == true, full.stopped ?? "")
        XCTAssertEqual(full.packages.map(\.outcome), ["deferred"])
        XCTAssertEqual(full.packages.first?.stage, "link")
        let claims = try FileSystem.list(config.work)
        XCTAssertEqual(claims.count, 1)
        XCTAssertEqual(Set(try FileSystem.list(config.work + "/" + claims[0])), ["package.sluis", "upload-name", "attempts", "lock"],
                       "the plaintext is gone, the package stays")
        XCTAssertEqual(dir.read("srv/work/\(claims[0])/attempts"), Array("0".utf8), "a stop is not an interrupted attempt")

        let fixed = try inbox(goodLinker).runOnce()
        XCTAssertEqual(fixed.delivered, 1)
        XCTAssertEqual(try FileSystem.list(config.work), [])
        XCTAssertEqual(events().filter { $0 == "delivered" }.count, 1)
        XCTAssertEqual(events().filter { $0 == "deferred" }.count, 1)
    }

    func testAPackageFaultInTheLinkerQuarantinesAndRequeueBringsItBack() throws {
        upload("a.sluis")
        let failed = try inbox { _, _, _ in throw LinkError.pseudonymColumnMissing(file: "survey.csv", column: "PSEUDO_BSN") }.runOnce()
        XCTAssertEqual(failed.quarantined, 1)
        XCTAssertEqual(failed.packages.first?.outcome, "quarantined")
        XCTAssertEqual(failed.packages.first?.stage, "link")
        let listing = try InboxShelf.list(config)
        let entry = try XCTUnwrap(listing.quarantine.first)
        XCTAssertTrue(entry.requeueable)
        XCTAssertEqual(entry.stage, "link")
        XCTAssertEqual(try FileSystem.list(config.work), [])
        // The same package quarantined again replaces its entry.
        _ = try InboxShelf.requeue(config, entry: entry.entry)
        XCTAssertEqual(try InboxShelf.list(config).inbox.map(\.name), [entry.entry + ".sluis"])
        _ = try inbox { _, _, _ in throw LinkError.pseudonymColumnMissing(file: "survey.csv", column: "PSEUDO_BSN") }.runOnce()
        XCTAssertEqual(try FileSystem.list(config.quarantine), [entry.entry])
        // Fixed: requeued, delivered once.
        _ = try InboxShelf.requeue(config, entry: entry.entry)
        XCTAssertThrowsError(try InboxShelf.requeue(config, entry: entry.entry))
        XCTAssertEqual(try inbox(goodLinker).runOnce().delivered, 1)
        XCTAssertEqual(events().filter { $0 == "requeued" }.count, 2)
    }

    func testTheStartCheckRefusesALayoutThatWouldLoseTrackOfPackages() throws {
        chmod(config.quarantine, 0o755)
        XCTAssertThrowsError(try inbox(goodLinker)) { error in
            XCTAssertTrue("\(error)".contains("quarantine"), "\(error)")
        }
        chmod(config.quarantine, 0o700)
        FileSystem.removeTree(config.archive)
        XCTAssertThrowsError(try inbox(goodLinker)) { error in
            guard case let InboxError.config(_, jsonPath, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(jsonPath, "archive")
        }
        XCTAssertFalse(FileSystem.exists(config.archive), "never created by a run")
    }
}

extension InboxRunTests {
    /// A quarantine that cannot be written (here: the quarantine folder made unwritable after the
    /// start check) is the intake's fault: the package stays claimed and the run stops.
    func testAQuarantineThatCannotBeWrittenDefersThePackage() throws {
        upload("a.sluis")
        let quarantine = config.quarantine, dir = self.dir!
        // Root ignores modes: the quarantine is made unusable by replacing it with a file, while
        // the package is being linked (after the run's start check).
        let run = try inbox { _, _, _ in
            FileSystem.removeTree(quarantine)
            _ = dir.write("srv/quarantine", "not a folder")
            throw LinkError.pseudonymColumnMissing(file: "survey.csv", column: "PSEUDO_BSN")
        }
        let summary = try run.runOnce()
        XCTAssertEqual(summary.stoppedExitCode, 5, summary.stopped ?? "")
        XCTAssertEqual(summary.packages.map(\.outcome), ["deferred"])
        XCTAssertEqual(summary.packages.first?.stage, "quarantine")
        XCTAssertEqual(try FileSystem.list(config.work).count, 1, "still claimed")
        FileSystem.removeTree(config.quarantine)
        XCTAssertEqual(try IntakeCheck.initialise(config), [config.quarantine])
        XCTAssertEqual(try inbox(goodLinker).runOnce().delivered, 1)
    }
}
