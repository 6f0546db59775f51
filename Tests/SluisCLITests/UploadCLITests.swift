import Foundation
import XCTest
import SluisIO
import SluisTestSupport

/// `sluis upload` against a real `sluis serve` the test starts on 127.0.0.1 (ephemeral port, TLS
/// with a certificate made here with openssl), and `sluis inbox` behind it: seal → upload →
/// deliver, byte for byte; several at once; a client and a server killed mid-upload; refusals.
final class UploadCLITests: XCTestCase {
    var dir: TemporaryDirectory!
    var server: Process?
    var port = 0

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-upload")
        try dir.installExampleKeys(["researcher.key", "researcher.pub", "intake.key", "intake.pub", "project-P2026-0042.key"], into: "keys")
        try run(["synth", "-o", "data", "--persons", "200", "--rows", "400", "--seed", "5"])
        try run(["keygen", "identity", "-o", "keys/server", "--unprotected"])
        try run(["keygen", "identity", "-o", "keys/mallory", "--unprotected"])
        try run(["link", "--new-surrogate-key", "keys/surrogate.key"])
        dir.write("pipeline.json", """
        { "version": 1, "project": "P2026-0042", "pseudonymKey": "keys/project-P2026-0042.key", "sign": "keys/researcher.key",
          "recipients": ["keys/intake.pub"], "files": [ { "path": "data/survey.csv", "delimiter": ";",
          "columns": { "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" },
            "Naam": { "action": "drop" }, "Geboortedatum": { "action": "generalise", "to": "year" }, "Geslacht": { "action": "drop" },
            "Postcode": { "action": "generalise", "to": "pc4" }, "Huisnummer": { "action": "drop" }, "Woonplaats": { "action": "keep" },
            "Opleiding": { "action": "keep" }, "Score": { "action": "keep" }, "Inkomen": { "action": "keep" },
            "Toelichting": { "action": "drop" } } } ] }
        """)
        try FileSystem.makeDirectories(dir.file("srv/inbox"))
        try FileSystem.makeDirectories(dir.file("packages"))
        dir.write("intake.json", """
        { "version": 1, "inbox": "srv/inbox", "work": "srv/work", "delivery": "srv/delivery", "archive": "srv/archive",
          "quarantine": "srv/quarantine", "identity": "keys/intake.key", "auditLog": "srv/log/audit.jsonl", "settleSeconds": 0,
          "projects": { "P2026-0042": { "trust": ["keys/researcher.pub"], "pseudonymKey": "keys/project-P2026-0042.key",
                                        "register": "data/register.csv", "surrogateKey": "keys/surrogate.key" } } }
        """)
        try makeCertificate()
        writeServeConfig(port: 0)
    }

    override func tearDown() {
        stopServer(signal: SIGTERM)
        dir = nil
    }

    // MARK: - Fixture

    @discardableResult
    func run(_ args: [String], environment: [String: String] = [:], expect: Int32? = 0) throws -> CLIResult {
        var env = ["SLUIS_STATE_DIR": dir.file("state")]
        for (k, v) in environment { env[k] = v }
        if args.first == "inbox", !args.contains("--init"), !FileSystem.isDirectory(dir.file("srv/work")) {
            // Runs never create the intake's folders; the operator's set-up step does.
            let initialised = try CLI.run(["inbox", "--init"] + args.dropFirst().filter { $0 != "--json" }, in: dir.path, environment: env)
            XCTAssertEqual(initialised.exitCode, 0, initialised.stderr)
        }
        let r = try CLI.run(args, in: dir.path, environment: env)
        if let expect { XCTAssertEqual(r.exitCode, expect, "\(args): \(r.stderr)") }
        return r
    }

    /// A self-signed certificate for 127.0.0.1, which the client trusts through --cacert.
    func makeCertificate() throws {
        try FileSystem.makeDirectories(dir.file("tls"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                       "-keyout", dir.file("tls/server.key"), "-out", dir.file("tls/server.crt"), "-subj", "/CN=127.0.0.1",
                       "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "openssl req failed")
    }

    func writeServeConfig(port: Int, tls: Bool = true, trust: [String] = ["keys/researcher.pub"]) {
        let trustList = trust.map { "\"\($0)\"" }.joined(separator: ", ")
        dir.write("serve.json", """
        { "version": 1, "listen": { "address": "127.0.0.1", "port": \(port) },
          \(tls ? "\"tls\": { \"certificate\": \"tls/server.crt\", \"key\": \"tls/server.key\" }," : "")
          "serverName": "intake.test", "identity": "keys/server.key",
          "inbox": "srv/inbox", "staging": "srv/staging", "auditLog": "srv/log/serve.jsonl",
          "limits": { "concurrentUploadsPerKey": 8 },
          "projects": { "P2026-0042": { "trust": [\(trustList)] } } }
        """)
    }

    /// Starts `sluis serve` and waits until it has written its port (it writes it once it accepts connections).
    func startServer() throws {
        let portFile = dir.file("port")
        unlink(portFile)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binaryPath)
        p.arguments = ["serve", "-c", "serve.json", "--port-file", portFile]
        p.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        server = p
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && p.isRunning {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
               let n = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), n > 0 {
                port = n
                return
            }
            usleep(20_000)
        }
        XCTFail("sluis serve did not start")
        throw CocoaError(.fileNoSuchFile)
    }

    func stopServer(signal: Int32) {
        guard let p = server else { return }
        if p.isRunning { kill(p.processIdentifier, signal) }
        p.waitUntilExit()
        server = nil
    }

    var url: String { "https://127.0.0.1:\(port)/files" }

    func seal(_ name: String) throws -> String {
        try run(["seal", "-c", "pipeline.json", "-o", "packages/\(name)", "--quiet"])
        return "packages/\(name)"
    }

    func upload(_ packages: [String], extra: [String] = [], environment: [String: String] = [:], expect: Int32? = 0) throws -> CLIResult {
        try run(["upload"] + packages + ["--to", url, "--cacert", "tls/server.crt", "--server-key", "keys/server.pub",
                                         "--audience", "intake.test", "--json"] + extra,
                environment: environment, expect: expect)
    }

    func summary(_ r: CLIResult) throws -> [[String: Any]] {
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return json?["packages"] as? [[String: Any]] ?? []
    }

    func inboxFiles() -> [String] { (try? FileSystem.list(dir.file("srv/inbox"))) ?? [] }

    /// Runs `sluis inbox` and checks that each package arrived in the archive byte for byte.
    func assertDelivered(_ packages: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run(["inbox", "-c", "intake.json", "--json"])
        let s = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(s?["delivered"] as? Int, packages.count, r.stdout, file: file, line: line)
        XCTAssertEqual(s?["quarantined"] as? Int, 0, file: file, line: line)
        let archived = (try? FileSystem.list(dir.file("srv/archive/P2026-0042"))) ?? []
        XCTAssertEqual(archived.count, packages.count, file: file, line: line)
        let sent = Set(packages.map { dir.read($0) })
        let got = Set(archived.map { dir.read("srv/archive/P2026-0042/" + $0) })
        XCTAssertEqual(sent, got, "the archived packages are not the uploaded bytes", file: file, line: line)
    }

    // MARK: - End to end

    func testSealUploadInboxDeliversByteIdenticalAndNeverResends() throws {
        let pkg = try seal("a.sluis")
        try startServer()
        let r = try upload([pkg])
        let s = try summary(r)
        XCTAssertEqual(s.first?["status"] as? String, "uploaded", r.stdout)
        XCTAssertEqual(s.first?["receiptSignatureChecked"] as? Bool, true)
        XCTAssertEqual(r.stderr, "", "no progress or messages when stderr is not a terminal")
        XCTAssertTrue(FileSystem.exists(dir.file(pkg + ".receipt.json")))
        XCTAssertEqual((try? FileSystem.list(dir.file("state"))) ?? [], [], "the state file goes once the receipt is kept")
        XCTAssertEqual(inboxFiles().count, 1)

        // Again: the receipt says it is there; nothing is sent.
        let again = try upload([pkg])
        XCTAssertEqual(try summary(again).first?["status"] as? String, "already-uploaded")
        let json = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(json?["bytesSent"] as? Int, 0)
        XCTAssertEqual(inboxFiles().count, 1)
        try assertDelivered([pkg])
    }

    func testThreeUploadsAtOnceEachArriveOnce() throws {
        let pkgs = try ["a.sluis", "b.sluis", "c.sluis"].map { try seal($0) }
        try startServer()
        // Three client processes at the same time, each with a small chunk size so their PATCHes interleave.
        let args = pkgs.map { ["upload", $0, "--to", url, "--cacert", "tls/server.crt", "--server-key", "keys/server.pub",
                               "--audience", "intake.test", "--chunk-size", "4096", "-q"] }
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var all = [CLIResult?](repeating: nil, count: 3)
        }
        let results = Results()
        let path = dir.path, state = dir.file("state")
        DispatchQueue.concurrentPerform(iterations: 3) { i in
            let r = try? CLI.run(args[i], in: path, environment: ["SLUIS_STATE_DIR": state])
            results.lock.lock(); results.all[i] = r; results.lock.unlock()
        }
        for r in results.all { XCTAssertEqual(r?.exitCode, 0, r?.stderr ?? "did not run") }
        XCTAssertEqual(inboxFiles().count, 3)
        try assertDelivered(pkgs)
    }

    func testSeveralPackagesInOneCommandWithBoundedConcurrency() throws {
        let pkgs = try ["a.sluis", "b.sluis", "c.sluis", "d.sluis"].map { try seal($0) }
        try startServer()
        let r = try upload(pkgs, extra: ["-j", "2", "--chunk-size", "8192"])
        XCTAssertEqual(try summary(r).map { $0["status"] as? String }, Array(repeating: "uploaded", count: 4))
        try assertDelivered(pkgs)
    }

    func testProgressBarOnATerminalOnly() throws {
        let pkg = try seal("a.sluis")
        try startServer()
        // runOnTerminal passes this process's environment on: the state folder goes through it.
        setenv("SLUIS_STATE_DIR", dir.file("state"), 1)
        defer { unsetenv("SLUIS_STATE_DIR") }
        let shown = try CLI.runOnTerminal(["upload", pkg, "--to", url, "--cacert", "tls/server.crt", "--audience", "intake.test"],
                                          in: dir.path, answers: [])
        XCTAssertEqual(shown.exitCode, 0, shown.transcript)
        XCTAssertTrue(shown.transcript.contains("uploading ["), shown.transcript)
        XCTAssertTrue(shown.transcript.contains("/s"), shown.transcript)
        XCTAssertTrue(shown.transcript.contains("\(pkg): uploaded"), shown.transcript)

        // -q: nothing but errors, even on a terminal.
        let quiet = try CLI.runOnTerminal(["upload", pkg, "--to", url, "--cacert", "tls/server.crt", "--audience", "intake.test", "-q"],
                                          in: dir.path, answers: [])
        XCTAssertEqual(quiet.exitCode, 0)
        XCTAssertFalse(quiet.transcript.contains("uploading ["), quiet.transcript)
    }

    // MARK: - Interruptions

    func testClientKilledWithSIGKILLMidUploadResumesWhereTheServerStopped() throws {
        let pkg = try seal("a.sluis")
        let size = dir.read(pkg).count
        try startServer()
        let killed = try upload([pkg], extra: ["--chunk-size", "4096"],
                                environment: ["SLUIS_UPLOAD_TEST_KILL_AFTER_BYTES": String(size / 2)], expect: nil)
        XCTAssertEqual(killed.exitCode, SIGKILL, "the client should have been killed mid-upload")
        XCTAssertEqual(inboxFiles(), [])
        XCTAssertEqual(((try? FileSystem.list(dir.file("state"))) ?? []).count, 1, "the upload URL was remembered")

        let r = try upload([pkg], extra: ["--chunk-size", "4096"])
        let s = try summary(r)
        XCTAssertEqual(s.first?["status"] as? String, "resumed", r.stdout)
        let from = s.first?["resumedFromByte"] as? Int ?? 0
        XCTAssertGreaterThan(from, 0)
        XCTAssertLessThanOrEqual(from, size / 2)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(json?["bytesSent"] as? Int, size - from, "only the rest was sent")
        try assertDelivered([pkg])
    }

    func testServerKilledMidUploadAndRestartedResumes() throws {
        let pkg = try seal("a.sluis")
        let size = dir.read(pkg).count
        try startServer()
        let firstPort = port
        let barrier = dir.write("barrier", "")
        // The client pauses mid-PATCH after a third of the package, and waits for the barrier to go.
        final class Box: @unchecked Sendable { var result: CLIResult? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let environment = ["SLUIS_STATE_DIR": dir.file("state"), "SLUIS_UPLOAD_TEST_PAUSE_AFTER_BYTES": String(size / 3),
                           "SLUIS_UPLOAD_TEST_BARRIER": barrier, "SLUIS_UPLOAD_TEST_RETRY_BASE_MS": "50"]
        let args = ["upload", pkg, "--to", url, "--cacert", "tls/server.crt", "--server-key", "keys/server.pub",
                    "--audience", "intake.test", "--chunk-size", "4096", "--json"]
        let path = dir.path
        DispatchQueue.global().async {
            box.result = try? CLI.run(args, in: path, environment: environment)
            done.signal()
        }
        let deadline = Date().addingTimeInterval(60)
        while !FileSystem.exists(barrier + ".waiting") && Date() < deadline { usleep(10_000) }
        XCTAssertTrue(FileSystem.exists(barrier + ".waiting"), "the client never reached the pause")

        stopServer(signal: SIGKILL)
        writeServeConfig(port: firstPort)
        try startServer()
        XCTAssertEqual(port, firstPort)
        unlink(barrier)
        XCTAssertEqual(done.wait(timeout: .now() + 120), .success)
        let r = try XCTUnwrap(box.result)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let s = try summary(r)
        XCTAssertEqual(s.first?["status"] as? String, "uploaded", r.stdout)
        try assertDelivered([pkg])
    }

    // MARK: - Refusals

    func testRefusesAFileThatIsNotASealedPackage() throws {
        // The plaintext the researcher meant to seal: refused before any connection (none is listening).
        let secret = "999999990"
        dir.write("data/plain.csv", "BSN;Naam\n\(secret);Jansen\n")
        let r = try run(["upload", "data/plain.csv", "--to", "http://127.0.0.1:9/files", "--identity", "keys/researcher.key"],
                        expect: 3)
        XCTAssertTrue(r.stderr.hasPrefix("sluis: data/plain.csv is not a sealed sluis package"), r.stderr)
        XCTAssertTrue(r.stderr.contains("sluis seal"))
        XCTAssertFalse(r.stderr.contains(secret) || r.stderr.contains("Jansen"))
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1)
        XCTAssertFalse(FileSystem.exists(dir.file("data/plain.csv.receipt.json")))

        // A package cut short: the preamble is there, the manifest is not.
        let pkg = try seal("a.sluis")
        let bytes = dir.read(pkg)
        dir.write("packages/cut.sluis", bytes: Array(bytes.prefix(bytes.count - 40)))
        let cut = try run(["upload", "packages/cut.sluis", "--to", "http://127.0.0.1:9/files"], expect: 3)
        XCTAssertTrue(cut.stderr.contains("not a complete sealed package"), cut.stderr)
    }

    func testUntrustedKeyIsRefusedWithExit4AndNothingArrives() throws {
        let pkg = try seal("a.sluis")
        try startServer()
        let r = try upload([pkg], extra: ["--identity", "keys/mallory.key"], expect: 4)
        XCTAssertTrue(r.stderr.contains("(403)"), r.stderr)
        XCTAssertEqual(inboxFiles(), [])
        XCTAssertFalse(FileSystem.exists(dir.file(pkg + ".receipt.json")))
    }

    func testAServerCertificateNotTrustedIsExit4() throws {
        let pkg = try seal("a.sluis")
        try startServer()
        let r = try run(["upload", pkg, "--to", url, "--audience", "intake.test"],
                        environment: ["SLUIS_UPLOAD_TEST_CONNECT_TIMEOUT_MS": "1000"], expect: 4)
        XCTAssertTrue(r.stderr.contains("--cacert"), r.stderr)
        XCTAssertEqual(inboxFiles(), [])
    }

    func testUnreachableServerGivesUpWithExit5AndNamesNoValue() throws {
        let pkg = try seal("a.sluis")
        let r = try run(["upload", pkg, "--to", "http://127.0.0.1:9/files", "--retries", "2"],
                        environment: ["SLUIS_UPLOAD_TEST_RETRY_BASE_MS": "10", "SLUIS_UPLOAD_TEST_CONNECT_TIMEOUT_MS": "1000"], expect: 5)
        XCTAssertTrue(r.stderr.hasPrefix("sluis: cannot reach http://127.0.0.1:9/files"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1)
    }

    // MARK: - Interop

    /// A third-party tus client (Python tuspy, installed by `make test-deps`) with a token from
    /// `sluis upload token`: the inbox delivers its upload too.
    func testTuspyUploadsWithATokenFromSluisUploadToken() throws {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import tusclient"]
        check.standardError = FileHandle.nullDevice
        try check.run()
        check.waitUntilExit()
        guard check.terminationStatus == 0 else {
            // CI runs `make test`, which installs it: there a missing tuspy is a failure, not a skip.
            if ProcessInfo.processInfo.environment["CI"] != nil { return XCTFail("tuspy is not installed (make test-deps)") }
            throw XCTSkip("tuspy is not installed (make test-deps installs it)")
        }
        let pkg = try seal("a.sluis")
        writeServeConfig(port: 0, tls: false)
        try startServer()
        let token = try run(["upload", "token", "--project", "P2026-0042", "--audience", "intake.test", "--package", pkg])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        dir.write("tus.py", """
        import sys
        from tusclient import client
        c = client.TusClient(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
        u = c.uploader(sys.argv[3], chunk_size=8192)
        u.upload()
        print(u.url)
        """)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "tus.py", "http://127.0.0.1:\(port)/files", token, pkg]
        p.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        try p.run()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, errText)
        try assertDelivered([pkg])
    }
}
