import Foundation
import XCTest
import SluisIO
import SluisTestSupport

/// `sluis inbox` links the way `sluis link` links (issue 11): the index is built only for the
/// domains a package uses, with the register column names of intake.json, and errors name
/// intake.json and the JSON path. Collisions do not stop a project (issue 17): they are counted in
/// the audit log and the delivered link report, and reported when the register changes. And a
/// package pseudonymised with another key than the intake's is refused (issue 18).
final class InboxLinkCLITests: XCTestCase {
    var dir: TemporaryDirectory!
    static let project = "P2026-0042"

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-inbox-link")
        try dir.installExampleKeys(["researcher.key", "researcher.pub", "intake.key", "intake.pub", "project-P2026-0042.key"], into: "keys")
        try run(["synth", "-o", "data", "--persons", "2000", "--rows", "300", "--seed", "13"])
        try run(["link", "--new-surrogate-key", "keys/surrogate.key"])
        // The trial's register: its own column names, and BSN, RINPERSOONS and RINPERSOON only.
        let full = String(decoding: dir.read("data/register.csv"), as: UTF8.self).split(separator: "\n")
        var bsnOnly = "BSN_NR,RINPERSOONS,RINPERSOON\n"
        for line in full.dropFirst() { bsnOnly += line.split(separator: ",").prefix(3).joined(separator: ",") + "\n" }
        dir.write("data/bsn-register.csv", bsnOnly)
    }

    @discardableResult
    func run(_ args: [String]) throws -> CLIResult {
        if args.first == "inbox", !FileSystem.isDirectory(dir.file("srv/work")) {
            // Runs never create the intake's folders; the operator's set-up step does.
            let initialised = try CLI.run(["inbox", "--init", "-c", "intake.json"], in: dir.path)
            XCTAssertEqual(initialised.exitCode, 0, initialised.stderr)
        }
        let r = try CLI.run(args, in: dir.path)
        if args.first != "inbox" { XCTAssertEqual(r.exitCode, 0, "\(args): \(r.stderr)") }
        return r
    }

    /// intake.json with one project; `link` is the project's link settings (JSON text).
    func writeIntake(register: String, link: String, pseudonymKey: String = "keys/project-P2026-0042.key") {
        dir.write("intake.json", """
        { "version": 1, "inbox": "srv/inbox", "work": "srv/work", "delivery": "srv/delivery", "archive": "srv/archive",
          "quarantine": "srv/quarantine", "identity": "keys/intake.key", "auditLog": "srv/log/audit.jsonl", "settleSeconds": 0,
          "projects": { "\(Self.project)": { "trust": ["keys/researcher.pub"], "pseudonymKey": "\(pseudonymKey)",
                            "register": "\(register)", "surrogateKey": "keys/surrogate.key", "link": \(link) } } }
        """)
    }

    /// Seals survey.csv with BSN pseudonyms (and the demographic composite when `demographic`)
    /// and puts it in the inbox; returns the package id.
    func upload(_ name: String, demographic: Bool, rendering: String = "decimal:17") throws -> String {
        let composite = demographic ? """
        , "pseudonyms": [ { "as": "PSEUDO_DEMO", "from": { "Geslacht": "sex", "Geboortedatum": "date", "Postcode": "postcode", "Huisnummer": "housenumber" } } ]
        """ : ""
        dir.write("pipeline.json", """
        { "version": 1, "project": "\(Self.project)", "pseudonymKey": "keys/project-P2026-0042.key", "sign": "keys/researcher.key",
          "recipients": ["keys/intake.pub"], "rendering": "\(rendering)", "files": [ { "path": "data/survey.csv", "delimiter": ";",
          "columns": { "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" },
            "Naam": "drop", "Geboortedatum": "drop", "Geslacht": "drop", "Postcode": "drop", "Huisnummer": "drop",
            "Woonplaats": "keep", "Opleiding": "keep", "Score": "keep", "Inkomen": "keep", "Toelichting": "drop" }\(composite) } ] }
        """)
        try FileSystem.makeDirectories(dir.file("packages"))
        let r = try run(["seal", "-c", "pipeline.json", "-o", "packages/\(name)", "--quiet", "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        try FileSystem.makeDirectories(dir.file("srv/inbox"))
        try FileSystem.writeAtomically(dir.read("packages/\(name)"), to: dir.file("srv/inbox/\(name)"))
        return try XCTUnwrap(json?["packageId"] as? String)
    }

    func auditEvents() -> [[String: Any]] {
        String(decoding: dir.read("srv/log/audit.jsonl"), as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Everything the intake said about a run: standard error, the audit log and any quarantine reason.
    func everythingSaid(_ r: CLIResult) -> String {
        var text = r.stderr + String(decoding: dir.read("srv/log/audit.jsonl"), as: UTF8.self)
        for f in dir.allFiles() where f.hasPrefix("srv/quarantine/") && f.hasSuffix("reason.json") {
            text += String(decoding: dir.read(f), as: UTF8.self)
        }
        return text
    }

    func delivered(_ id: String) -> Bool { FileSystem.exists(dir.file("srv/delivery/\(Self.project)/\(id)/survey.csv")) }

    func testABSNOnlyRegisterServesBSNOnlyPackages() throws {
        writeIntake(register: "data/bsn-register.csv",
                    link: #"{ "register": { "columns": { "bsn": "BSN_NR", "rinpersoons": "RINPERSOONS", "rinpersoon": "RINPERSOON" } } }"#)
        let id = try upload("a.sluis", demographic: false)
        let r = try run(["inbox", "-c", "intake.json", "--json"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(summary?["delivered"] as? Int, 1, r.stdout + r.stderr)
        XCTAssertTrue(delivered(id))
        let linked = String(decoding: dir.read("srv/delivery/\(Self.project)/\(id)/survey.csv"), as: UTF8.self)
        XCTAssertTrue(linked.hasPrefix("RINPERSOONS;RINPERSOON;"), linked)
        XCTAssertGreaterThan(linked.components(separatedBy: "\nR;").count, 100)

        // The audit log counts the register's collisions per domain (only BSN was indexed), and
        // says the register was new; standard error reports its collision count.
        let linkedEvent = try XCTUnwrap(auditEvents().first { $0["event"] as? String == "linked" })
        XCTAssertEqual(linkedEvent["collisions"] as? [String: Int], ["bsn": 0])
        XCTAssertEqual(linkedEvent["registerChanged"] as? Bool, true)
        XCTAssertTrue(r.stderr.contains("register data/bsn-register.csv is new or changed") || r.stderr.contains("bsn-register.csv is new or changed"),
                      r.stderr)
        XCTAssertTrue(r.stderr.contains("0 colliding pseudonyms (bsn 0)"), r.stderr)

        // The next run with the same register says nothing about it; a changed register is reported again.
        let second = try upload("b.sluis", demographic: false)
        let quiet = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(quiet.exitCode, 0, quiet.stderr)
        XCTAssertTrue(delivered(second))
        XCTAssertFalse(quiet.stderr.contains("colliding"), quiet.stderr)
        XCTAssertNil(auditEvents().last { $0["event"] as? String == "linked" }?["registerChanged"])
        var register = String(decoding: dir.read("data/bsn-register.csv"), as: UTF8.self)
        dir.write("data/bsn-register.csv", register)  // the same content again: not a change
        let third = try upload("c.sluis", demographic: false)
        let same = try run(["inbox", "-c", "intake.json"])
        XCTAssertTrue(delivered(third))
        XCTAssertFalse(same.stderr.contains("colliding"), same.stderr)
        register += "100000009,R,999999991\n"
        dir.write("data/bsn-register.csv", register)
        let fourth = try upload("d.sluis", demographic: false)
        let changed = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(changed.exitCode, 0, changed.stderr)
        XCTAssertTrue(delivered(fourth))
        XCTAssertTrue(changed.stderr.contains("is new or changed"), changed.stderr)
        XCTAssertEqual(auditEvents().last { $0["event"] as? String == "linked" }?["registerChanged"] as? Bool, true)
    }

    func testAPackageNeedingColumnsTheRegisterLacksNamesIntakeJSON() throws {
        writeIntake(register: "data/bsn-register.csv",
                    link: #"{ "register": { "columns": { "bsn": "BSN_NR", "rinpersoons": "RINPERSOONS", "rinpersoon": "RINPERSOON" } } }"#)
        let id = try upload("a.sluis", demographic: true)
        let r = try run(["inbox", "-c", "intake.json"])
        XCTAssertNotEqual(r.exitCode, 0, r.stdout)
        XCTAssertFalse(delivered(id))
        let said = everythingSaid(r)
        XCTAssertTrue(said.contains("intake.json: projects.\(Self.project).link.register.columns.birthdate: the register "), said)
        XCTAssertTrue(said.contains("bsn-register.csv has no column 'birthdate'"), said)
        XCTAssertFalse(said.contains("link.json"), said)

        // A misspelt role under register.columns is named with its JSON path too.
        writeIntake(register: "data/bsn-register.csv", link: #"{ "register": { "columns": { "bsnr": "BSN_NR" } } }"#)
        _ = try upload("b.sluis", demographic: false)
        let typo = try run(["inbox", "-c", "intake.json"])
        let typoSaid = everythingSaid(typo)
        XCTAssertTrue(typoSaid.contains("projects.\(Self.project).link.register.columns.bsnr"), typoSaid)
        XCTAssertTrue(typo.stderr.contains("intake.json") || typoSaid.contains("intake.json"), typoSaid)

        // An output name that clashes with a kept column of the package: fixed under link.output.
        writeIntake(register: "data/register.csv", link: #"{ "output": { "rinpersoon": "Score" } }"#)
        let clashing = try upload("c.sluis", demographic: false)
        let clash = try run(["inbox", "-c", "intake.json"])
        XCTAssertFalse(delivered(clashing))
        let clashSaid = everythingSaid(clash)
        XCTAssertTrue(clashSaid.contains("intake.json: projects.\(Self.project).link.output: a column of the package"), clashSaid)
        XCTAssertFalse(clashSaid.contains("link.json"), clashSaid)
    }

    /// Issue 17 in the inbox: under hex:4 the 2 000-person register has collisions in both
    /// domains; the package is delivered anyway, with the counts in the audit log and in the
    /// delivered link report. `onCollision: "stop"` in intake.json keeps the old refusal.
    func testCollisionsAreCountedAndTheRestDelivered() throws {
        writeIntake(register: "data/register.csv", link: "{}")
        let id = try upload("a.sluis", demographic: true, rendering: "hex:4")
        let r = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertTrue(delivered(id))
        let event = try XCTUnwrap(auditEvents().first { $0["event"] as? String == "linked" })
        let counts = try XCTUnwrap(event["collisions"] as? [String: Int])
        XCTAssertEqual(Set(counts.keys), ["bsn", "composite:date+housenumber+postcode+sex"])
        XCTAssertTrue(counts.values.allSatisfy { $0 > 0 }, "\(counts)")
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(dir.read("srv/delivery/\(Self.project)/\(id)/link-report.json")))
                                   as? [String: Any])
        XCTAssertEqual(report["registerCollisions"] as? [String: Int], counts)
        XCTAssertTrue(r.stderr.contains("never linked on"), r.stderr)

        writeIntake(register: "data/register.csv", link: #"{ "onCollision": "stop" }"#)
        let stopped = try upload("b.sluis", demographic: true, rendering: "hex:4")
        let s = try run(["inbox", "-c", "intake.json"])
        XCTAssertNotEqual(s.exitCode, 0)
        XCTAssertFalse(delivered(stopped))
        XCTAssertTrue(everythingSaid(s).contains("onCollision is \\\"stop\\\"") || everythingSaid(s).contains("onCollision is \"stop\""),
                      everythingSaid(s))

        writeIntake(register: "data/register.csv", link: #"{ "onCollision": "halt" }"#)
        _ = try upload("c.sluis", demographic: false)
        let bad = try run(["inbox", "-c", "intake.json"])
        XCTAssertTrue(everythingSaid(bad).contains("projects.\(Self.project).link.onCollision"), everythingSaid(bad))

        // Nothing identifying in anything the intake said.
        let said = everythingSaid(bad) + String(decoding: dir.read("srv/delivery/\(Self.project)/\(id)/link-report.json"), as: UTF8.self)
        for line in String(decoding: dir.read("data/register.csv"), as: UTF8.self).split(separator: "\n").dropFirst().prefix(300) {
            let fields = line.split(separator: ",").map(String.init)
            XCTAssertFalse(said.contains(fields[0]) || said.contains(fields[2]))
        }
    }

    /// Issue 18: a package pseudonymised with another key than the project key the intake holds
    /// is refused with that reason (key ids, never key bytes), and not delivered.
    func testAPackageFromAnotherPseudonymKeyIsRefused() throws {
        try run(["keygen", "pseudonym", "--project", Self.project, "--unprotected", "-o", "keys/other.key"])
        writeIntake(register: "data/register.csv", link: "{}", pseudonymKey: "keys/other.key")
        let id = try upload("a.sluis", demographic: false)
        let r = try run(["inbox", "-c", "intake.json"])
        XCTAssertNotEqual(r.exitCode, 0, r.stdout)
        XCTAssertFalse(delivered(id))
        let said = everythingSaid(r)
        XCTAssertTrue(said.contains("was pseudonymised with key"), said)
        XCTAssertTrue(said.contains("but the intake's pseudonym key is"), said)
        XCTAssertFalse(dir.allFiles().contains { $0.hasPrefix("srv/delivery/") })
        for name in ["keys/other.key", "keys/project-P2026-0042.key"] {
            let key = String(decoding: dir.read(name), as: UTF8.self)
            for line in key.split(separator: "\n") where line.count > 40 { XCTAssertFalse(said.contains(line)) }
        }
    }
}
