import Foundation
import XCTest
import SluisCore
import SluisCrypto
import SluisIO
import SluisTestSupport

/// A trusted sender's faulty packages through the built tool: `sluis open` refuses each with
/// exit 4 and its own message and writes nothing; `sluis inbox` quarantines each with that
/// message as its reason, delivers nothing, and keeps the pseudonym-key check of the link step.
final class FaultySenderCLITests: XCTestCase {
    var dir: TemporaryDirectory!
    var researcher: Identity!
    var intake: Identity!
    var keyId = ""

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-faulty-cli")
        try FileSystem.makeDirectories(dir.file("keys"))
        researcher = try Identity.generate(comment: "researcher")
        intake = try Identity.generate(comment: "intake")
        try researcher.write(publicKeyFile: dir.file("keys/researcher.pub"))
        try intake.write(secretKeyFile: dir.file("keys/intake.key"), protection: .none)
        try run(["keygen", "pseudonym", "--project", "P2026-0042", "-o", "keys/project.key", "--unprotected"])
        keyId = String(try run(["fingerprint", "keys/project.key"]).stdout.prefix { $0 != " " })
        try run(["synth", "-o", "data", "--persons", "50", "--rows", "60", "--seed", "3"])
        try run(["link", "--new-surrogate-key", "keys/surrogate.key"])
        dir.write("intake.json", """
        { "version": 1, "inbox": "srv/inbox", "work": "srv/work", "delivery": "srv/delivery", "archive": "srv/archive",
          "quarantine": "srv/quarantine", "identity": "keys/intake.key", "auditLog": "srv/log/audit.jsonl", "settleSeconds": 0,
          "projects": { "P2026-0042": { "trust": ["keys/researcher.pub"], "pseudonymKey": "keys/project.key",
                                        "register": "data/register.csv", "surrogateKey": "keys/surrogate.key" } } }
        """)
        let initialised = try CLI.run(["inbox", "--init", "-c", "intake.json"], in: dir.path)  // the operator's set-up step
        XCTAssertEqual(initialised.exitCode, 0, initialised.stderr)
    }

    @discardableResult
    func run(_ args: [String]) throws -> CLIResult {
        let r = try CLI.run(args, in: dir.path)
        if !["open", "inbox"].contains(args[0]) { XCTAssertEqual(r.exitCode, 0, "\(args): \(r.stderr)") }
        return r
    }

    func builder() -> PackageBuilder {
        var b = PackageBuilder(signer: researcher, recipients: [intake.recipient], files: [
            .csv("entry-001", "survey.csv", "PSEUDO_BSN,Score\n00000000000000001,7\n00000000000000002,8\n"),
        ])
        b.pseudonymKeyId = keyId
        return b
    }

    /// Each fault, the message detail it must produce, and the inbox stage that refuses it.
    func faults() -> [(name: String, detail: String, stage: String, edit: (inout PackageBuilder) -> Void)] {
        [
            ("unreadable", "the inner manifest is not valid (it cannot be read)", "open", { $0.replaceInnerBytes = { _ in Array("[1,2".utf8) } }),
            ("version", "the inner manifest is not valid (version 3 is not 1)", "open", { $0.editInner = { $0[member: "version"] = .number(3) } }),
            ("other-package", "the inner manifest is not valid (it belongs to another package)", "open",
             { $0.editInner = { $0[member: "packageId"] = .string(String(repeating: "0", count: 32)) } }),
            ("other-entries", "the inner manifest is not valid (its entries differ from the signed manifest)", "open", { b in
                b.editInner = { inner in
                    let files = inner[member: "files"]?.items ?? []
                    inner[member: "files"] = .array(files + files)
                }
            }),
            ("not-described", "the inner manifest is not valid (entry entry-001 is not described)", "open",
             { $0.editInner = { $0[member: "files"] = .array([]) } }),
            ("unknown-format", "the inner manifest is not valid (entry entry-001 has an unknown format)", "open",
             { $0.editInner = { $0.editFile { $0[member: "format"] = .string("xls") } } }),
            ("malformed-hash", "the inner manifest is not valid (entry entry-001 has a malformed plaintextSHA256)", "open",
             { $0.editInner = { $0.editFile { $0[member: "plaintextSHA256"] = .string("zz") } } }),
            ("size", "decrypted file survey.csv does not match the inner manifest (size differs)", "open",
             { $0.editInner = { $0.editFile { $0[member: "plaintextSize"] = .number(1) } } }),
            ("sha256", "decrypted file survey.csv does not match the inner manifest (SHA-256 differs)", "open",
             { $0.editInner = { $0.editFile { $0[member: "plaintextSHA256"] = .string(String(repeating: "ab", count: 32)) } } }),
            ("entry-hash", "entry entry-001 does not match its hash in the signed manifest", "verify", { b in
                b.editManifest = { m in
                    var e = m[member: "entries"]?.items ?? []
                    e[0][member: "sha256"] = .string(String(repeating: "cd", count: 32))
                    m[member: "entries"] = .array(e)
                }
            }),
        ]
    }

    func testOpenRefusesEachFaultWithExit4AndWritesNothing() throws {
        var messages = Set<String>()
        for fault in faults() {
            var b = builder()
            fault.edit(&b)
            dir.write("\(fault.name).sluis", bytes: try b.build())
            let r = try run(["open", "\(fault.name).sluis", "--identity", "keys/intake.key", "--trust", "keys/researcher.pub",
                             "-o", "out-\(fault.name)"])
            XCTAssertEqual(r.exitCode, 4, "\(fault.name): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("sluis: "), r.stderr)
            XCTAssertTrue(r.stderr.contains(fault.detail), "\(fault.name): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("00000000000000001"), r.stderr)
            XCTAssertEqual(r.stdout, "", fault.name)
            messages.insert(fault.detail)
            XCTAssertEqual(dir.allFiles().filter { $0.contains("out-") }, [], fault.name)
            XCTAssertEqual(try FileSystem.list(dir.path).filter { $0.hasPrefix(".") }, [], fault.name)
        }
        XCTAssertEqual(messages.count, faults().count)
    }

    func testTheInboxQuarantinesEachFaultWithItsReason() throws {
        try FileSystem.makeDirectories(dir.file("srv/inbox"))
        var expected: [String: (detail: String, stage: String)] = [:]
        for fault in faults() {
            var b = builder()
            fault.edit(&b)
            dir.write("srv/inbox/\(fault.name).sluis", bytes: try b.build())
            expected[fault.name + ".sluis"] = (fault.detail, fault.stage)
        }
        // Opens fine, but was pseudonymised under another key than the intake's for this project.
        var otherKey = builder()
        otherKey.pseudonymKeyId = "0123456789abcdef"
        dir.write("srv/inbox/other-key.sluis", bytes: try otherKey.build())
        expected["other-key.sluis"] = ("pseudonym", "link")

        let r = try run(["inbox", "-c", "intake.json", "--json"])
        XCTAssertEqual(r.exitCode, 6, r.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(summary?["quarantined"] as? Int, expected.count, r.stdout)
        XCTAssertEqual(summary?["delivered"] as? Int, 0, r.stdout)
        XCTAssertEqual(dir.allFiles().filter { $0.hasPrefix("srv/delivery/") || $0.hasPrefix("srv/inbox/") || $0.hasPrefix("srv/work/") }, [])

        var seen: [String: String] = [:]
        for file in dir.allFiles() where file.hasPrefix("srv/quarantine/") && file.hasSuffix("/reason.json") {
            let reason = try JSONSerialization.jsonObject(with: Data(dir.read(file))) as? [String: Any] ?? [:]
            let upload = reason["upload"] as? String ?? "?"
            let error = reason["error"] as? String ?? ""
            seen[upload] = error
            guard let want = expected[upload] else { XCTFail("unexpected quarantine of \(upload)"); continue }
            XCTAssertTrue(error.contains(want.detail), "\(upload): \(error)")
            XCTAssertEqual(reason["stage"] as? String, want.stage, upload)
            XCTAssertTrue(FileSystem.exists(dir.file(String(file.dropLast("reason.json".count)) + "package.sluis")), upload)
        }
        XCTAssertEqual(Set(seen.keys), Set(expected.keys))
        // The audit log records each refusal with the same reason.
        let log = String(decoding: dir.read("srv/log/audit.jsonl"), as: UTF8.self)
        for (_, want) in expected { XCTAssertTrue(log.contains(want.detail), want.detail) }
        XCTAssertFalse(log.contains("00000000000000001"))
    }
}

extension JSONValue {
    /// Edits the first object of an inner manifest's `files`.
    fileprivate mutating func editFile(_ edit: (inout JSONValue) -> Void) {
        guard var file = self[member: "files"]?[item: 0] else { return }
        edit(&file)
        var files = self[member: "files"] ?? .array([])
        files[item: 0] = file
        self[member: "files"] = files
    }
}
