import Foundation
import SluisCrypto
import SluisIO
import SluisTestSupport
import SluisTransfer
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Keys, packages and a TLS certificate made once for all `sluis serve` tests, and a running
/// server per test: `sluis serve` on 127.0.0.1, port 0 (the port comes back through --port-file),
/// requests through curl with the test's own CA file.
final class ServeFixture: @unchecked Sendable {
    static let shared: ServeFixture = {
        do { return try ServeFixture() } catch { fatalError("serve fixture: \(error)") }
    }()

    let dir = TemporaryDirectory("sluis-serve")
    /// A planted identifier: it is in the data, and must be in no response, log or message.
    static let plantedIdentifier = "987654329"

    init() throws {
        try dir.installExampleKeys(["researcher.key", "researcher.pub", "intake.key", "intake.pub", "project-P2026-0042.key"], into: "keys")
        for (args, what) in [(["synth", "-o", "data", "--persons", "300", "--rows", "30000", "--seed", "5"], "synth"),
                             (["keygen", "identity", "-o", "keys/researcher2", "--unprotected"], "keygen"),
                             (["keygen", "identity", "-o", "keys/mallory", "--unprotected"], "keygen"),
                             (["keygen", "identity", "-o", "keys/server", "--unprotected"], "keygen"),
                             (["link", "--new-surrogate-key", "keys/surrogate.key"], "link")] {
            let r = try CLI.run(args, in: dir.path)
            guard r.exitCode == 0 else { throw NSError(domain: what + ": " + r.stderr, code: 1) }
        }
        dir.write("pipeline.json", """
        { "version": 1, "project": "P2026-0042", "pseudonymKey": "keys/project-P2026-0042.key", "sign": "keys/researcher.key",
          "recipients": ["keys/intake.pub"], "files": [ { "path": "data/survey.csv", "delimiter": ";",
          "columns": { "BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" },
          "Naam": { "action": "drop" }, "Geboortedatum": { "action": "generalise", "to": "year" }, "Geslacht": { "action": "drop" },
          "Postcode": { "action": "generalise", "to": "pc4" }, "Huisnummer": { "action": "drop" }, "Woonplaats": { "action": "keep" },
          "Opleiding": { "action": "keep" }, "Score": { "action": "keep" }, "Inkomen": { "action": "keep" }, "Toelichting": { "action": "drop" } } } ] }
        """)
        try FileSystem.makeDirectories(dir.file("packages"))
        let r = try CLI.run(["seal", "-c", "pipeline.json", "-o", "packages/big.sluis", "--quiet"], in: dir.path)
        guard r.exitCode == 0 else { throw NSError(domain: "seal: " + r.stderr, code: 1) }
        // A small package: the same pipeline on the first rows only.
        let csv = String(decoding: dir.read("data/survey.csv"), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        dir.write("data/small.csv", csv.prefix(40).joined(separator: "\n") + "\n")
        dir.write("pipeline-small.json", String(decoding: dir.read("pipeline.json"), as: UTF8.self)
            .replacingOccurrences(of: "data/survey.csv", with: "data/small.csv"))
        let s = try CLI.run(["seal", "-c", "pipeline-small.json", "-o", "packages/small.sluis", "--quiet"], in: dir.path)
        guard s.exitCode == 0 else { throw NSError(domain: "seal: " + s.stderr, code: 1) }
        dir.write("not-a-package.csv", "BSN;Naam\n\(Self.plantedIdentifier);Jansen\n")
        let cert = Process()
        cert.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        cert.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                          "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                          "-keyout", dir.file("tls.key"), "-out", dir.file("tls.crt")]
        cert.standardOutput = FileHandle.nullDevice
        cert.standardError = FileHandle.nullDevice
        try cert.run()
        cert.waitUntilExit()
        guard cert.terminationStatus == 0 else { throw NSError(domain: "openssl req failed", code: 1) }
    }

    func identity(_ name: String) throws -> Identity {
        try Identity.load(path: dir.file("keys/\(name).key"), passphrase: .resolve(passphraseFile: nil))
    }
}

/// One `sluis serve` process with its own staging, inbox and audit log under the fixture.
final class ServeInstance {
    let fixture = ServeFixture.shared
    let root: String
    let name: String
    var process: Process?
    var port = 0
    /// Distinguishes processes sharing one root (one staging folder and inbox).
    var instanceSuffix = ""
    static let audience = "intake.test"

    /// A second process on the same serve.json (same staging, inbox and audit log).
    init(sharing other: ServeInstance) {
        name = other.name
        root = other.root
        instanceSuffix = "-2"
    }

    init(_ name: String, limits: String = "", tls: Bool = true) throws {
        self.name = name
        root = fixture.dir.file("srv-\(name)")
        try FileSystem.makeDirectories(root + "/inbox")
        let tlsPart = tls ? "\"tls\": { \"certificate\": \"../tls.crt\", \"key\": \"../tls.key\" }," : ""
        fixture.dir.write("srv-\(name)/serve.json", """
        { "version": 1, "listen": { "address": "127.0.0.1", "port": 0 }, \(tlsPart)
          "serverName": "\(Self.audience)", "identity": "../keys/server.key",
          "inbox": "inbox", "staging": "staging", "auditLog": "audit.jsonl",
          "limits": { "maxUploadBytes": 50000000 \(limits) },
          "projects": {
            "P2026-0042": { "trust": ["../keys/researcher.pub", "../keys/researcher2.pub"], "quotaBytes": 4000000000 },
            "P2026-0043": { "trust": ["../keys/researcher2.pub"], "quotaBytes": 60000000 } } }
        """)
    }

    /// Starts the server and waits (bounded) until it has written its port.
    func start() throws {
        let portFile = root + "/port" + instanceSuffix
        unlink(portFile)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binaryPath)
        p.arguments = ["serve", "-c", root + "/serve.json", "--port-file", portFile]
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        p.standardError = FileHandle(forWritingAtPath: stderrPath)
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let n = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                port = n
                return
            }
            guard p.isRunning else { break }
            usleep(20_000)
        }
        throw NSError(domain: "sluis serve did not start: " + stderrText, code: 1)
    }

    var stderrPath: String { root + "/stderr\(instanceSuffix).log" }
    var stderrText: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits (bounded) until `condition` holds; false on time-out.
    func wait(seconds: Double = 60, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// Starts a python3 client that sends a PATCH's head and `partial` bytes of a body of
    /// `contentLength`, then waits for the file `gate` to appear before sending `rest` (if any)
    /// and printing the status; it holds the connection open meanwhile.
    func startPartialPatch(path: String, token: String, offset: Int, contentLength: Int, partial: ArraySlice<UInt8>,
                           rest: ArraySlice<UInt8>?, gate: String, output: String, tls: Bool = true) throws -> Process {
        let partialFile = fixture.dir.write("srv-\(name)/partial\(instanceSuffix).bin", bytes: Array(partial))
        let restFile = fixture.dir.write("srv-\(name)/rest\(instanceSuffix).bin", bytes: Array(rest ?? []))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", """
        import http.client, os, ssl, sys, time
        port, cafile, path, token, offset, length, partial, rest, gate, out, tls = sys.argv[1:12]
        if tls == "1":
            c = http.client.HTTPSConnection("127.0.0.1", int(port), context=ssl.create_default_context(cafile=cafile), timeout=120)
        else:
            c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=120)
        c.putrequest("PATCH", path)
        for k, v in [("Tus-Resumable", "1.0.0"), ("Content-Type", "application/offset+octet-stream"),
                     ("Authorization", "Bearer " + token), ("Upload-Offset", offset), ("Content-Length", length)]:
            c.putheader(k, v)
        c.endheaders()
        c.send(open(partial, "rb").read())
        for _ in range(12000):
            if os.path.exists(gate): break
            time.sleep(0.01)
        try:
            data = open(rest, "rb").read()
            if data: c.send(data)
            r = c.getresponse()
            open(out, "w").write(str(r.status) + "\\n" + (r.getheader("Upload-Offset") or "") + "\\n")
        except Exception as e:
            open(out, "w").write("error " + type(e).__name__ + "\\n")
        """, String(port), fixture.dir.file("tls.crt"), path, token, String(offset), String(contentLength), partialFile, restFile,
                       gate, output, tls ? "1" : "0"]
        try p.run()
        return p
    }

    func dataSize(_ id: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: root + "/staging/\(id)/data")[.size] as? Int) ?? -1
    }

    /// Sends `signal` and waits for the process to end; returns its exit status.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        guard let p = process else { return 0 }
        if p.isRunning { kill(p.processIdentifier, signal) }
        p.waitUntilExit()
        process = nil
        return p.terminationStatus
    }

    deinit { stop(SIGKILL) }

    var baseURL: String { "https://127.0.0.1:\(port)" }

    func token(_ key: String = "researcher", project: String = "P2026-0042", audience: String = ServeInstance.audience,
               minutes: Double = 5, sha256: String? = nil, now: Date = Date()) throws -> String {
        try UploadToken.mint(identity: fixture.identity(key), audience: audience, project: project, packageSHA256: sha256,
                             lifetime: minutes * 60, now: now)
    }

    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// One request through curl (HTTP/1.1, the test's CA). `body` is sent as is.
    func request(_ method: String, _ path: String, token: String?, headers: [String: String] = [:], body: [UInt8]? = nil,
                 tus: Bool = true, scheme: String = "https") throws -> Answer {
        let tmp = fixture.dir.file("req-\(name)-\(UUID().uuidString)")
        defer { for s in [".h", ".o", ".b"] { unlink(tmp + s) } }
        var args = ["-sS", "--http1.1", "--cacert", fixture.dir.file("tls.crt"), "-D", tmp + ".h", "-o", tmp + ".o", "-w", "%{http_code}",
                    "-H", "Expect:"]
        args += method == "HEAD" ? ["-I"] : ["-X", method]
        if tus { args += ["-H", "Tus-Resumable: 1.0.0"] }
        if let token { args += ["-H", "Authorization: Bearer \(token)"] }
        for (k, v) in headers { args += ["-H", "\(k): \(v)"] }
        if let body {
            FileManager.default.createFile(atPath: tmp + ".b", contents: Data(body))
            args += ["--data-binary", "@" + tmp + ".b"]
        }
        args.append("\(scheme)://127.0.0.1:\(port)\(path)")
        let out = try runTool("/usr/bin/curl", args)
        var fields: [String: String] = [:]
        for line in ((try? String(contentsOfFile: tmp + ".h", encoding: .utf8)) ?? "").split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Answer(status: Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1, headers: fields,
                      body: (try? String(contentsOfFile: tmp + ".o", encoding: .utf8)) ?? "")
    }

    /// POST; returns the upload path (`/files/ID`).
    func create(length: Int, token: String, metadata: String? = nil) throws -> String {
        var headers = ["Upload-Length": String(length)]
        if let metadata { headers["Upload-Metadata"] = metadata }
        let a = try request("POST", "/files", token: token, headers: headers)
        XCTAssertEqual(a.status, 201, a.body)
        return a.header("Location") ?? "/files/none"
    }

    func patch(_ path: String, offset: Int, _ bytes: ArraySlice<UInt8>, token: String, checksum: String? = nil) throws -> Answer {
        var headers = ["Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream"]
        if let checksum { headers["Upload-Checksum"] = checksum }
        return try request("PATCH", path, token: token, headers: headers, body: Array(bytes))
    }

    func inboxFiles() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: root + "/inbox")) ?? []).sorted() }
    func stagingUploads() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/staging")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }
    var auditText: String { (try? String(contentsOfFile: root + "/audit.jsonl", encoding: .utf8)) ?? "" }
}

/// Runs a tool and returns its stdout.
@discardableResult
func runTool(_ path: String, _ args: [String], stdin: String? = nil) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    if let stdin {
        let inPipe = Pipe()
        p.standardInput = inPipe
        try p.run()
        inPipe.fileHandleForWriting.write(Data(stdin.utf8))
        try? inPipe.fileHandleForWriting.close()
    } else {
        try p.run()
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

func sha256Base64(_ bytes: ArraySlice<UInt8>) -> String {
    Data(SHA256Hasher.hash(Array(bytes))).base64EncodedString()
}
