import Foundation
import XCTest
import SluisIO
import SluisTestSupport

/// The set-up the `sluis inbox` CLI tests share: keys, synthetic data, two projects, intake.json
/// and its folders (made by `sluis inbox --init`), and helpers to seal and upload packages.
class InboxCLITestCase: XCTestCase {
    var dir: TemporaryDirectory!

    /// Keys, synthetic data, two projects, and packages sealed once per test.
    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-inbox")
        try dir.installExampleKeys(["researcher.key", "researcher.pub", "intake.key", "intake.pub", "project-P2026-0042.key"], into: "keys")
        try run(["synth", "-o", "data", "--persons", "200", "--rows", "300", "--seed", "11"])
        try run(["keygen", "pseudonym", "--project", "P2026-0043", "-o", "keys/project-P2026-0043.key", "--unprotected"])
        try run(["keygen", "identity", "-o", "keys/researcher2", "--unprotected"])
        try run(["keygen", "identity", "-o", "keys/mallory", "--unprotected"])
        try run(["link", "--new-surrogate-key", "keys/surrogate.key"])
        let columns = """
        "columns": { "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" },
          "Naam": { "action": "drop" }, "Geboortedatum": { "action": "generalise", "to": "year" }, "Geslacht": { "action": "drop" },
          "Postcode": { "action": "generalise", "to": "pc4" }, "Huisnummer": { "action": "drop" }, "Woonplaats": { "action": "keep" },
          "Opleiding": { "action": "keep" }, "Score": { "action": "keep" }, "Inkomen": { "action": "keep" }, "Toelichting": { "action": "drop" } },
        "pseudonyms": [ { "as": "PSEUDO_DEMO", "from": { "Geslacht": "sex", "Geboortedatum": "date", "Postcode": "postcode", "Huisnummer": "housenumber" } } ]
        """
        for (project, signer) in [("P2026-0042", "researcher"), ("P2026-0043", "researcher2")] {
            dir.write("pipeline-\(project).json", """
            { "version": 1, "project": "\(project)", "pseudonymKey": "keys/project-\(project).key", "sign": "keys/\(signer).key",
              "recipients": ["keys/intake.pub"], "files": [ { "path": "data/survey.csv", "delimiter": ";", \(columns) } ] }
            """)
        }
        dir.write("intake.json", """
        { "version": 1, "inbox": "srv/inbox", "work": "srv/work", "delivery": "srv/delivery", "archive": "srv/archive",
          "quarantine": "srv/quarantine", "identity": "keys/intake.key", "auditLog": "srv/log/audit.jsonl", "settleSeconds": 0,
          "projects": {
            "P2026-0042": { "trust": ["keys/researcher.pub"], "pseudonymKey": "keys/project-P2026-0042.key",
                            "register": "data/register.csv", "surrogateKey": "keys/surrogate.key" },
            "P2026-0043": { "trust": ["keys/researcher2.pub"], "pseudonymKey": "keys/project-P2026-0043.key",
                            "register": "data/register.csv", "surrogateKey": "keys/surrogate.key",
                            "link": { "unmatchedCode": "S" } } } }
        """)
        try resetIntakeFolders()
    }

    /// Removes every intake folder and creates them again with `sluis inbox --init`.
    func resetIntakeFolders() throws {
        FileSystem.removeTree(dir.file("srv"))
        let r = try run(["inbox", "-c", "intake.json", "--init"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
    }

    @discardableResult
    func run(_ args: [String], environment: [String: String] = [:]) throws -> CLIResult {
        let r = try CLI.run(args, in: dir.path, environment: environment)
        if args.first != "inbox" { XCTAssertEqual(r.exitCode, 0, "\(args): \(r.stderr)") }
        return r
    }

    /// Seals a package for `project` and returns its path and package id.
    func seal(_ project: String, as name: String, signer: String? = nil) throws -> (path: String, id: String) {
        var args = ["seal", "-c", "pipeline-\(project).json", "-o", "packages/\(name)", "--quiet", "--json"]
        if let signer { args += ["--sign", "keys/\(signer).key"] }
        try FileSystem.makeDirectories(dir.file("packages"))
        let r = try run(args)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return (dir.file("packages/\(name)"), json?["packageId"] as? String ?? "")
    }

    func upload(_ package: String, as name: String) throws {
        try FileSystem.makeDirectories(dir.file("srv/inbox"))
        try FileSystem.writeAtomically(try FileSystem.readAll(package, limitByteCount: 1 << 30), to: dir.file("srv/inbox/" + name))
    }

    func auditEvents() -> [[String: Any]] {
        String(decoding: dir.read("srv/log/audit.jsonl"), as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Every file below `path` (relative to it), found with readdir — also across a mount point,
    /// which FileManager's enumerator does not enter.
    func files(under path: String) -> [String] {
        func walk(_ relative: String) -> [String] {
            let full = dir.file(path + (relative.isEmpty ? "" : "/" + relative))
            guard FileSystem.isDirectory(full) else { return relative.isEmpty ? [] : [relative] }
            return ((try? FileSystem.list(full)) ?? []).flatMap { walk(relative.isEmpty ? $0 : relative + "/" + $0) }
        }
        return walk("").sorted()
            .filter { path != "srv/work" || !$0.hasPrefix("registers/") }  // the linker's remembered register fingerprints
    }

}

extension InboxCLITestCase {
    /// Rewrites intake.json, replacing `old` by `new` (which must occur).
    func editConfig(_ old: String, _ new: String, file: StaticString = #filePath, line: UInt = #line) {
        let text = String(decoding: dir.read("intake.json"), as: UTF8.self)
        XCTAssertTrue(text.contains(old), "intake.json has no \(old)", file: file, line: line)
        dir.write("intake.json", text.replacingOccurrences(of: old, with: new))
    }

    /// The claim folders in work/ and whether each still holds its package.
    func claims() -> [String] {
        ((try? FileSystem.list(dir.file("srv/work"))) ?? []).filter { $0.hasPrefix("claim-") }
    }

    /// Asserts the run stopped as "could not run" with `code`, naming `fault`, kept the package
    /// claimed (its plaintext removed), and quarantined and delivered nothing.
    func assertDeferred(_ r: CLIResult, code: Int32, fault: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.exitCode, code, r.stdout + r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains("the intake could not run"), r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.lowercased().contains(fault), "\(fault) not in: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stdout.contains(" deferred "), r.stdout, file: file, line: line)
        assertNoIdentifiers(r.stdout + r.stderr, file: file, line: line)
        XCTAssertEqual(files(under: "srv/quarantine"), [], "nothing quarantined", file: file, line: line)
        XCTAssertEqual(files(under: "srv/delivery"), [], "nothing delivered", file: file, line: line)
        let claimed = claims()
        XCTAssertEqual(claimed.count, 1, file: file, line: line)
        if let c = claimed.first {
            XCTAssertEqual(Set((try? FileSystem.list(dir.file("srv/work/" + c))) ?? []).subtracting(["lock", "upload-name", "attempts"]), ["package.sluis"],
                           "only the package stays in the claim: no plaintext", file: file, line: line)
        }
    }

    /// After the fault is fixed: the next run delivers the package exactly once.
    func assertNextRunDeliversOnce(_ id: String, project: String = "P2026-0042", log: String = "srv/log/audit.jsonl",
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run(["inbox", "-c", "intake.json"])
        XCTAssertEqual(r.exitCode, 0, r.stdout + r.stderr, file: file, line: line)
        XCTAssertEqual(try FileSystem.list(dir.file("srv/delivery/\(project)")), [id], file: file, line: line)
        XCTAssertEqual(files(under: "srv/quarantine"), [], file: file, line: line)
        XCTAssertEqual(files(under: "srv/work"), [], file: file, line: line)
        let events = String(decoding: dir.read(log), as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        XCTAssertEqual(events.filter { $0["event"] as? String == "delivered" }.count, 1, file: file, line: line)
        XCTAssertEqual(events.filter { $0["event"] as? String == "archived" }.count, 1, file: file, line: line)
        let again = try run(["inbox", "-c", "intake.json"])
        XCTAssertTrue(again.stdout.contains("0 delivered, 0 quarantined"), again.stdout, file: file, line: line)
    }
}

extension InboxCLITestCase {
    /// Starts `sluis inbox -c intake.json` without waiting for it.
    func startInbox(environment: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binaryPath)
        p.arguments = ["inbox", "-c", "intake.json"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Waits until `path` exists (a process signals a barrier by creating it), or fails when the
    /// process ended first or after `timeoutSeconds` (a safety net, not a timing assumption).
    func waitFor(_ path: String, process: Process? = nil, timeoutSeconds: Double = 120,
                 file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while !FileSystem.exists(path) {
            if let process, !process.isRunning {
                XCTFail("the process ended before signalling \(path)", file: file, line: line)
                throw XCTSkip("no signal")
            }
            guard Date() < deadline else {
                XCTFail("no signal at \(path)", file: file, line: line)
                throw XCTSkip("no signal")
            }
            usleep(10_000)
        }
    }
}

extension InboxCLITestCase {
    /// No BSN or RINPERSOON of the synthetic register (the persons in every package) appears in `text`.
    func assertNoIdentifiers(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let register = String(decoding: dir.read("data/register.csv"), as: UTF8.self)
        for row in register.split(separator: "\n").dropFirst().prefix(200) {
            let fields = row.split(separator: ",")
            for value in [fields[0], fields[2]] where value.count >= 6 {
                XCTAssertFalse(text.contains(String(value)), "an identifier appears in the output", file: file, line: line)
            }
        }
    }
}
