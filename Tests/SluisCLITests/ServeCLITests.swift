import Foundation
import SluisCore
import SluisCrypto
import SluisIO
import SluisTestSupport
import SluisTransfer
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `sluis serve` end to end: a real server over TLS on 127.0.0.1, driven with curl.
final class ServeCLITests: XCTestCase {
    var fixture: ServeFixture { ServeFixture.shared }

    func package(_ name: String) -> [UInt8] { fixture.dir.read("packages/\(name).sluis") }

    /// Upload in two checksummed chunks → receipt → byte-identical in the inbox → `sluis inbox` delivers.
    func testUploadThenInboxDelivers() throws {
        let server = try ServeInstance("deliver")
        try server.start()
        let bytes = package("small")
        let token = try server.token()
        let options = try server.request("OPTIONS", "/files", token: nil, tus: false)
        XCTAssertEqual(options.status, 204)
        XCTAssertEqual(options.header("Tus-Extension"), "creation,checksum,termination,expiration")
        XCTAssertEqual(options.header("Tus-Checksum-Algorithm"), "sha1,sha256")

        let path = try server.create(length: bytes.count, token: token, metadata: "filename dXBsb2FkLnNsdWlz")
        XCTAssertTrue(path.hasPrefix("/files/") && path.count == 39, path)
        let half = bytes.count / 2
        let first = try server.patch(path, offset: 0, bytes[0..<half], token: token, checksum: "sha256 " + sha256Base64(bytes[0..<half]))
        XCTAssertEqual(first.status, 204, first.body)
        XCTAssertEqual(first.header("Upload-Offset"), String(half))
        XCTAssertNotNil(first.header("Upload-Expires"))
        let head = try server.request("HEAD", path, token: try server.token())
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Upload-Offset"), String(half))
        XCTAssertEqual(head.header("Upload-Length"), String(bytes.count))
        XCTAssertEqual(head.header("Upload-Metadata"), "filename dXBsb2FkLnNsdWlz")
        XCTAssertEqual(head.header("Cache-Control"), "no-store")
        let sha1 = Data(Insecure_sha1(bytes[half...])).base64EncodedString()
        let last = try server.patch(path, offset: half, bytes[half...], token: try server.token(), checksum: "sha1 " + sha1)
        XCTAssertEqual(last.status, 204, last.body)
        XCTAssertEqual(last.header("Upload-Offset"), String(bytes.count))

        // The receipt checks out against the server's public key, and names what arrived.
        let serverKey = try Recipient(contentsOfFile: fixture.dir.file("keys/server.pub"))
        let receipt = try UploadReceipt.verify(try XCTUnwrap(last.header("Upload-Receipt")), serverKey: serverKey)
        XCTAssertEqual(receipt.packageSHA256, Hex.encode(SHA256Hasher.hash(bytes)))
        XCTAssertEqual(receipt.size, UInt64(bytes.count))
        XCTAssertEqual(receipt.project, "P2026-0042")
        XCTAssertEqual(receipt.signer, try fixture.identity("researcher").recipient.fingerprint)
        XCTAssertEqual(receipt.upload, String(path.dropFirst(7)))
        XCTAssertEqual(try server.request("HEAD", path, token: token).header("Upload-Receipt"), last.header("Upload-Receipt"))

        let id = String(path.dropFirst(7))
        XCTAssertEqual(server.inboxFiles(), [id + ".sluis"])
        XCTAssertEqual(fixture.dir.read("srv-deliver/inbox/\(id).sluis"), bytes)
        XCTAssertTrue(server.auditText.contains("\"event\":\"created\""))
        XCTAssertTrue(server.auditText.contains("\"event\":\"completed\""))
        let metrics = try server.request("GET", "/metrics", token: nil, tus: false)
        XCTAssertTrue(metrics.body.contains("sluis_serve_uploads_completed_total 1"), metrics.body)
        XCTAssertEqual(try server.request("GET", "/healthz", token: nil, tus: false).status, 200)
        XCTAssertEqual(server.stop(SIGTERM), 0, server.stderrText)
        XCTAssertTrue(server.auditText.contains("\"event\":\"stopped\""))

        // The inbox job takes it from there.
        fixture.dir.write("srv-deliver/intake.json", """
        { "version": 1, "inbox": "inbox", "work": "work", "delivery": "delivery", "archive": "archive", "quarantine": "quarantine",
          "identity": "../keys/intake.key", "auditLog": "intake-audit.jsonl", "settleSeconds": 0,
          "projects": { "P2026-0042": { "trust": ["../keys/researcher.pub"], "pseudonymKey": "../keys/project-P2026-0042.key",
                                         "register": "../data/register.csv", "surrogateKey": "../keys/surrogate.key" } } }
        """)
        let inbox = try CLI.run(["inbox", "-c", "srv-deliver/intake.json", "--once"], in: fixture.dir.path)
        XCTAssertEqual(inbox.exitCode, 0, inbox.stderr)
        XCTAssertEqual(server.inboxFiles(), [])
        XCTAssertTrue(String(decoding: fixture.dir.read("srv-deliver/intake-audit.jsonl"), as: UTF8.self).contains("\"event\":\"delivered\""))
    }

    /// Every refusal has its status, a `sluis:` line without any value, and leaves nothing in the inbox.
    func testEveryRefusal() throws {
        let server = try ServeInstance("refusals")
        try server.start()
        let bytes = package("small")
        let token = try server.token()
        let path = try server.create(length: bytes.count, token: token)

        // 412: no or another tus version.
        XCTAssertEqual(try server.request("HEAD", path, token: token, tus: false).status, 412)
        let wrongVersion = try server.request("POST", "/files", token: token, headers: ["Tus-Resumable": "0.2.2", "Upload-Length": "10"], tus: false)
        XCTAssertEqual(wrongVersion.status, 412)
        XCTAssertEqual(wrongVersion.header("Tus-Version"), "1.0.0")
        // 401: no token, expired, wrongly signed, for another server, living too long.
        XCTAssertEqual(try server.request("HEAD", path, token: nil).status, 401)
        let expired = try server.token(now: Date().addingTimeInterval(-3600))
        XCTAssertEqual(try server.request("HEAD", path, token: expired).status, 401)
        let e = try server.request("POST", "/files", token: expired, headers: ["Upload-Length": "200"])
        XCTAssertEqual(e.status, 401)
        XCTAssertTrue(e.body.hasPrefix("sluis: the upload token has expired"), e.body)
        var parts = token.split(separator: ".").map(String.init)
        parts[2] = Base64URL.encode(try fixture.identity("mallory").sign(Array((parts[0] + "." + parts[1]).utf8)))
        XCTAssertEqual(try server.request("HEAD", path, token: parts.joined(separator: ".")).status, 401)
        XCTAssertEqual(try server.request("HEAD", path, token: try server.token(audience: "other.server")).status, 401)
        XCTAssertEqual(try server.request("HEAD", path, token: try server.token(minutes: 60)).status, 401)
        // 403: a key on no trust list; a key trusted for another project only.
        XCTAssertEqual(try server.request("POST", "/files", token: try server.token("mallory"), headers: ["Upload-Length": "200"]).status, 403)
        XCTAssertEqual(try server.request("HEAD", path, token: try server.token("mallory")).status, 403)
        // 404: another researcher's upload (same project), a made-up id, a bad id.
        let other = try server.token("researcher2")
        XCTAssertEqual(try server.request("HEAD", path, token: other).status, 404)
        XCTAssertEqual(try server.patch(path, offset: 0, bytes[0..<100], token: other).status, 404)
        XCTAssertEqual(try server.request("DELETE", path, token: other).status, 404)
        XCTAssertEqual(try server.request("HEAD", "/files/" + String(repeating: "ab", count: 16), token: token).status, 404)
        XCTAssertEqual(try server.request("HEAD", "/files/..%2Fstate.json", token: token).status, 404)
        // 413: over the maximum, over the quota, past Upload-Length.
        XCTAssertEqual(try server.request("POST", "/files", token: token, headers: ["Upload-Length": "50000001"]).status, 413)
        let other43 = try server.token("researcher2", project: "P2026-0043")
        XCTAssertEqual(try server.request("POST", "/files", token: other43, headers: ["Upload-Length": "50000000"]).status, 201)
        let quota = try server.request("POST", "/files", token: other43, headers: ["Upload-Length": "50000000"])
        XCTAssertEqual(quota.status, 413)
        XCTAssertTrue(quota.body.contains("over its quota"), quota.body)
        let tiny = try server.create(length: 20, token: token)
        XCTAssertEqual(try server.patch(tiny, offset: 0, bytes[0..<30], token: token).status, 413)
        // An offset near 2^64 is refused, not an arithmetic trap.
        XCTAssertEqual(try server.patch(path, offset: 0, bytes[0..<10], token: token).status, 204)
        let huge = try server.request("PATCH", path, token: token, headers: ["Upload-Offset": String(UInt64.max),
                                      "Content-Type": "application/offset+octet-stream"], body: Array(bytes[10..<20]))
        XCTAssertEqual(huge.status, 413)
        // 409: wrong offset.
        let conflict = try server.patch(path, offset: 5, bytes[5..<100], token: token)
        XCTAssertEqual(conflict.status, 409)
        XCTAssertEqual(conflict.header("Upload-Offset"), "10")
        // 460: wrong checksum; the offset stays.
        let mismatch = try server.patch(path, offset: 10, bytes[10..<1000], token: token, checksum: "sha256 " + sha256Base64(bytes[11..<1001]))
        XCTAssertEqual(mismatch.status, 460, mismatch.body)
        XCTAssertEqual(try server.request("HEAD", path, token: token).header("Upload-Offset"), "10")
        // 400: checksum algorithm not offered.
        XCTAssertEqual(try server.patch(path, offset: 10, bytes[10..<20], token: token, checksum: "md5 AAAA").status, 400)
        // 415: not a package (an unencrypted CSV): refused at once and deleted.
        let csv = fixture.dir.read("not-a-package.csv")
        let plain = try server.create(length: csv.count, token: token)
        let refused = try server.patch(plain, offset: 0, csv[...], token: token)
        XCTAssertEqual(refused.status, 415)
        XCTAssertTrue(refused.body.contains("not a sluis package"), refused.body)
        XCTAssertEqual(try server.request("HEAD", plain, token: token).status, 404)
        // 422: a complete package that fails verification, in `sluis verify`'s words; deleted.
        var tampered = bytes
        tampered[200] ^= 1
        fixture.dir.write("srv-refusals/tampered.sluis", bytes: tampered)
        let verify = try CLI.run(["verify", "srv-refusals/tampered.sluis", "--trust", "keys/researcher.pub"], in: fixture.dir.path)
        XCTAssertEqual(verify.exitCode, 4)
        let bad = try server.create(length: tampered.count, token: token)
        let unverified = try server.patch(bad, offset: 0, tampered[...], token: token)
        XCTAssertEqual(unverified.status, 422)
        let verifyWords = verify.stderr.replacingOccurrences(of: "sluis: srv-refusals/tampered.sluis", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(unverified.body.contains(verifyWords), "\(unverified.body) vs \(verifyWords)")
        XCTAssertEqual(try server.request("HEAD", bad, token: token).status, 404)
        // A token for one package cannot complete another (422), nor see other uploads (404).
        let restricted = try server.token(sha256: String(repeating: "0", count: 64))
        let r = try server.create(length: bytes.count, token: restricted)
        XCTAssertEqual(try server.request("HEAD", path, token: restricted).status, 404)
        XCTAssertEqual(try server.patch(r, offset: 0, bytes[...], token: restricted).status, 422)
        // 423-free termination: DELETE removes, afterwards 404.
        XCTAssertEqual(try server.request("DELETE", path, token: token).status, 204)
        XCTAssertEqual(try server.request("HEAD", path, token: token).status, 404)

        XCTAssertEqual(server.inboxFiles(), [], "nothing may reach the inbox")
        let everything = server.auditText + server.stderrText
        XCTAssertFalse(everything.contains(ServeFixture.plantedIdentifier))
        XCTAssertFalse(everything.contains(token), "a token in the log")
        XCTAssertTrue(server.auditText.contains("\"status\":415"))
        XCTAssertEqual(server.stop(SIGTERM), 0)
    }

    /// SIGKILL mid-PATCH, restart: HEAD gives a durable offset, the rest goes on from there, and the
    /// inbox gets exactly the package's bytes.
    func testServerKilledMidPatchResumes() throws {
        let server = try ServeInstance("killed")
        try server.start()
        let bytes = package("big")
        XCTAssertGreaterThan(bytes.count, 1 << 20, "the package must span several write batches")
        let token = try server.token()
        let path = try server.create(length: bytes.count, token: token)
        let id = String(path.dropFirst(7))
        let quarter = bytes.count / 4
        XCTAssertEqual(try server.patch(path, offset: 0, bytes[0..<quarter], token: token).status, 204)

        // Send part of the next chunk and hold the connection open; kill once bytes reach the disk.
        let partial = bytes[quarter..<(quarter + bytes.count / 2)]
        fixture.dir.write("srv-killed/partial.bin", bytes: Array(partial))
        let sender = Process()
        sender.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        sender.arguments = ["-c", """
        import http.client, ssl, sys, time
        ctx = ssl.create_default_context(cafile=sys.argv[2])
        c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ctx)
        c.putrequest("PATCH", sys.argv[3])
        for h in ["Tus-Resumable: 1.0.0", "Content-Type: application/offset+octet-stream", "Authorization: Bearer " + sys.argv[4],
                  "Upload-Offset: " + sys.argv[5], "Content-Length: " + sys.argv[6]]:
            k, v = h.split(": ", 1); c.putheader(k, v)
        c.endheaders()
        c.send(open(sys.argv[7], "rb").read())
        time.sleep(120)
        """, String(server.port), fixture.dir.file("tls.crt"), path, token, String(quarter), String(bytes.count - quarter),
                              fixture.dir.file("srv-killed/partial.bin")]
        try sender.run()
        defer { if sender.isRunning { sender.terminate() } }
        let data = server.root + "/staging/\(id)/data"
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? FileManager.default.attributesOfItem(atPath: data)[.size] as? Int) ?? 0) <= quarter {
            usleep(10_000)
        }
        XCTAssertGreaterThan((try FileManager.default.attributesOfItem(atPath: data)[.size] as? Int) ?? 0, quarter)
        server.stop(SIGKILL)
        sender.terminate()

        try server.start()
        let head = try server.request("HEAD", path, token: try server.token())
        XCTAssertEqual(head.status, 200)
        let offset = try XCTUnwrap(Int(head.header("Upload-Offset") ?? ""))
        XCTAssertEqual(offset, quarter, "nothing past the last acknowledged (fsynced) offset is claimed")
        let rest = try server.patch(path, offset: offset, bytes[offset...], token: try server.token())
        XCTAssertEqual(rest.status, 204, rest.body)
        XCTAssertNotNil(rest.header("Upload-Receipt"))
        XCTAssertEqual(fixture.dir.read("srv-killed/inbox/\(id).sluis"), bytes)
        XCTAssertTrue(server.auditText.contains("\"event\":\"resumed\""), server.auditText)
        XCTAssertEqual(server.stop(SIGTERM), 0)
    }

    /// 200 uploads at once (python threads, one connection each): all arrive exactly once, and the
    /// server's peak memory stays bounded.
    func testTwoHundredConcurrentUploads() throws {
        let server = try ServeInstance("load", limits: ", \"concurrentUploadsPerKey\": 1000")
        try server.start()
        let count = 200
        let script = fixture.dir.write("srv-load/load.py", """
        import http.client, ssl, sys, threading
        port, cafile, token, package, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
        data = open(package, "rb").read()
        ctx = ssl.create_default_context(cafile=cafile)
        results, lock, start = [], threading.Lock(), threading.Barrier(count)
        def one():
            try:
                c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=120)
                base = {"Tus-Resumable": "1.0.0", "Authorization": "Bearer " + token}
                start.wait()
                c.request("POST", "/files", headers=dict(base, **{"Upload-Length": str(len(data))}))
                r = c.getresponse(); r.read()
                loc = r.getheader("Location")
                c.request("PATCH", loc, body=data, headers=dict(base, **{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}))
                r = c.getresponse(); r.read()
                out = (r.status, loc, r.getheader("Upload-Receipt") is not None)
            except Exception as e:
                out = (0, repr(e), False)
            with lock: results.append(out)
        threads = [threading.Thread(target=one) for _ in range(count)]
        for t in threads: t.start()
        for t in threads: t.join()
        ok = [r for r in results if r[0] == 204 and r[2]]
        print(len(ok), len(set(r[1] for r in ok)))
        for r in results:
            if r[0] != 204: print(r)
        """)
        let out = try runTool("/usr/bin/python3", [script, String(server.port), fixture.dir.file("tls.crt"), try server.token(),
                                                    fixture.dir.file("packages/small.sluis"), String(count)])
        XCTAssertEqual(out.split(separator: "\n").first, "\(count) \(count)", out)
        let inbox = server.inboxFiles()
        XCTAssertEqual(inbox.count, count)
        XCTAssertEqual(Set(inbox).count, count)
        let expected = package("small")
        for name in inbox { XCTAssertEqual(fixture.dir.read("srv-load/inbox/" + name), expected) }
        // Peak resident memory of the server process (bounded, not growing with the upload count).
        let status = try String(contentsOfFile: "/proc/\(server.process!.processIdentifier)/status", encoding: .utf8)
        let hwm = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        XCTAssertGreaterThan(hwm, 0)
        XCTAssertLessThan(hwm, 256 * 1024, "peak memory \(hwm) KiB")
        print("sluis serve: \(count) concurrent uploads, peak resident \(hwm / 1024) MiB")
        XCTAssertEqual(server.stop(SIGTERM), 0)
    }

    /// Bad configurations fail at start with exit 2 and a message naming the field.
    func testBadConfigurationExitsTwo() throws {
        let server = try ServeInstance("badconfig", tls: false)
        fixture.dir.write("srv-badconfig/serve.json", String(decoding: fixture.dir.read("srv-badconfig/serve.json"), as: UTF8.self)
            .replacingOccurrences(of: "127.0.0.1", with: "0.0.0.0"))
        let r = try CLI.run(["serve", "-c", server.root + "/serve.json"], in: fixture.dir.path)
        XCTAssertEqual(r.exitCode, 2)
        XCTAssertTrue(r.stderr.contains("tls: missing: plain HTTP is allowed only on a loopback address"), r.stderr)
    }

    /// Plain HTTP on loopback (behind a reverse proxy) works.
    func testPlainHTTPOnLoopback() throws {
        let server = try ServeInstance("plain", tls: false)
        try server.start()
        let token = try server.token()
        let a = try server.request("POST", "/files", token: token, headers: ["Upload-Length": "200"], scheme: "http")
        XCTAssertEqual(a.status, 201)
        XCTAssertEqual(server.stop(SIGTERM), 0)
    }
}

/// SHA-1 of a chunk for the tus checksum header (through the same OpenSSL wrapper the server uses).
func Insecure_sha1(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
    let h = ChecksumHasher(.sha1)
    Array(bytes).withUnsafeBytes { h.update($0) }
    return h.finalize()
}
