import Foundation
import SluisIO
import SluisTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `sluis serve` in operation: graceful stop, timeouts, expiry, and two processes on one staging folder.
final class ServeOperationsCLITests: XCTestCase {
    var fixture: ServeFixture { ServeFixture.shared }

    func package(_ name: String) -> [UInt8] { fixture.dir.read("packages/\(name).sluis") }

    /// SIGTERM while a PATCH is being received: the server waits for it, fsyncs, answers 204,
    /// delivers the package, and only then exits 0.
    func testSigtermFinishesInFlightWrites() throws {
        let server = try ServeInstance("sigterm")
        try server.start()
        let bytes = package("big")
        let token = try server.token()
        let path = try server.create(length: bytes.count, token: token)
        let id = String(path.dropFirst(7))
        let half = bytes.count / 2
        let gate = server.root + "/go", out = server.root + "/out"
        let client = try server.startPartialPatch(path: path, token: token, offset: 0, contentLength: bytes.count,
                                                  partial: bytes[0..<half], rest: bytes[half...], gate: gate, output: out)
        defer { if client.isRunning { client.terminate() } }
        XCTAssertTrue(server.wait { server.dataSize(id) > 0 }, "the first bytes reach the disk")
        let pid = server.process!.processIdentifier
        kill(pid, SIGTERM)
        // It is still running: the PATCH is in flight.
        XCTAssertTrue(server.process!.isRunning)
        FileManager.default.createFile(atPath: gate, contents: nil)
        client.waitUntilExit()
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "204\n\(bytes.count)\n")
        XCTAssertEqual(server.stop(SIGTERM), 0, server.stderrText)
        XCTAssertEqual(fixture.dir.read("srv-sigterm/inbox/\(id).sluis"), bytes)
    }

    /// A PATCH whose client stops sending is ended after the idle timeout; the bytes that arrived
    /// are kept (no checksum) and the upload can be continued at once.
    func testStalledBodyIsEndedAndKeptAfterIdleTimeout() throws {
        let server = try ServeInstance("stall", limits: ", \"idleTimeoutSeconds\": 1")
        try server.start()
        let bytes = package("small")
        let token = try server.token()
        let path = try server.create(length: bytes.count, token: token)
        let sent = 1000
        let gate = server.root + "/never", out = server.root + "/out"
        let client = try server.startPartialPatch(path: path, token: token, offset: 0, contentLength: bytes.count,
                                                  partial: bytes[0..<sent], rest: nil, gate: gate, output: out)
        defer { if client.isRunning { client.terminate() } }
        XCTAssertTrue(server.wait(seconds: 30) {
            (try? server.request("HEAD", path, token: token).header("Upload-Offset")) == String(sent)
        }, "the stalled request ends and its bytes are durable")
        let rest = try server.patch(path, offset: sent, bytes[sent...], token: try server.token())
        XCTAssertEqual(rest.status, 204, rest.body)
        XCTAssertEqual(server.inboxFiles().count, 1)
        XCTAssertEqual(server.stop(SIGTERM), 0)
    }

    /// A connection that never completes its request head is closed after the header timeout.
    func testHeaderTimeoutClosesSlowConnections() throws {
        let server = try ServeInstance("slowloris", limits: ", \"headerTimeoutSeconds\": 1", tls: false)
        try server.start()
        let out = try runTool("/usr/bin/python3", ["-c", """
        import socket, sys, time
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        s.sendall(b"POST /files HTTP/1.1\\r\\nHost: x\\r\\n")
        s.settimeout(30)
        t = time.time()
        try:
            print("closed" if s.recv(100) == b"" else "answered", round(time.time() - t))
        except socket.timeout:
            print("open")
        """, String(server.port)])
        XCTAssertTrue(out.hasPrefix("closed"), out)
        XCTAssertEqual(server.stop(SIGTERM), 0)
    }

    /// An unfinished upload expires: 404, swept from staging, audited; finished ones are untouched.
    func testExpiredUploadsAreSwept() throws {
        let server = try ServeInstance("expiry", limits: ", \"uploadExpiryHours\": 0.0005, \"sweepIntervalSeconds\": 0.2")
        try server.start()
        let bytes = package("small")
        let token = try server.token()
        let path = try server.create(length: bytes.count, token: token)
        XCTAssertEqual(try server.patch(path, offset: 0, bytes[0..<100], token: token).status, 204)
        XCTAssertTrue(server.wait(seconds: 30) { server.stagingUploads().isEmpty }, "swept")
        XCTAssertEqual(try server.request("HEAD", path, token: try server.token()).status, 404)
        XCTAssertTrue(server.auditText.contains("\"event\":\"expired\""))
        XCTAssertTrue(try server.request("GET", "/metrics", token: nil, tus: false).body.contains("sluis_serve_uploads_expired_total 1"))
        XCTAssertEqual(server.inboxFiles(), [])
        XCTAssertEqual(server.stop(SIGTERM), 0)
    }

    /// Two processes on one staging folder: an upload begun on one continues on the other; while
    /// one writes an upload, the other refuses to write it too (423).
    func testTwoProcessesShareOneStagingFolder() throws {
        let a = try ServeInstance("shared")
        try a.start()
        let b = ServeInstance(sharing: a)
        try b.start()
        let bytes = package("big")
        let token = try a.token()
        let path = try a.create(length: bytes.count, token: token)
        let id = String(path.dropFirst(7))
        let third = bytes.count / 3
        XCTAssertEqual(try a.patch(path, offset: 0, bytes[0..<third], token: token).status, 204)
        XCTAssertEqual(try b.request("HEAD", path, token: token).header("Upload-Offset"), String(third))

        // A holds the upload's lock while it receives; B must not write at the same offset.
        let gate = a.root + "/go", out = a.root + "/out"
        let client = try a.startPartialPatch(path: path, token: token, offset: third, contentLength: third,
                                             partial: bytes[third..<(third + third / 2)], rest: bytes[(third + third / 2)..<(2 * third)],
                                             gate: gate, output: out)
        defer { if client.isRunning { client.terminate() } }
        // A is receiving (it holds the lock) once its PATCH gauge is up; the bytes may still be in
        // its batch rather than on disk.
        XCTAssertTrue(a.wait {
            (try? a.request("GET", "/metrics", token: nil, tus: false).body.contains("sluis_serve_patches_in_progress 1")) == true
        })
        XCTAssertEqual(try b.patch(path, offset: third, bytes[third..<(2 * third)], token: token).status, 423)
        FileManager.default.createFile(atPath: gate, contents: nil)
        client.waitUntilExit()
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "204\n\(2 * third)\n")

        let rest = try b.patch(path, offset: 2 * third, bytes[(2 * third)...], token: try b.token())
        XCTAssertEqual(rest.status, 204, rest.body)
        XCTAssertEqual(fixture.dir.read("srv-shared/inbox/\(id).sluis"), bytes)
        XCTAssertEqual(try a.request("HEAD", path, token: try a.token()).header("Upload-Receipt"), rest.header("Upload-Receipt"))
        XCTAssertEqual(a.stop(SIGTERM), 0)
        XCTAssertEqual(b.stop(SIGTERM), 0)
    }

    /// A key may have only `concurrentUploadsPerKey` unfinished uploads (429 past it); another key is not held back.
    func testConcurrentUploadsPerKeyAreBounded() throws {
        let server = try ServeInstance("perkey", limits: ", \"concurrentUploadsPerKey\": 2")
        try server.start()
        let token = try server.token()
        let first = try server.create(length: 200, token: token)
        _ = try server.create(length: 200, token: token)
        let third = try server.request("POST", "/files", token: token, headers: ["Upload-Length": "200"])
        XCTAssertEqual(third.status, 429)
        XCTAssertTrue(third.body.contains("already has 2 unfinished uploads"), third.body)
        XCTAssertEqual(try server.request("POST", "/files", token: try server.token("researcher2"), headers: ["Upload-Length": "200"]).status, 201)
        XCTAssertEqual(try server.request("DELETE", first, token: token).status, 204)
        XCTAssertEqual(try server.request("POST", "/files", token: token, headers: ["Upload-Length": "200"]).status, 201)
        XCTAssertEqual(server.stop(SIGTERM), 0)
    }
}
