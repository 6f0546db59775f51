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

/// Streaming verification end to end: a package large enough that its entries are hashed while
/// they arrive (more than the last 4 MiB, three entries), sent in pieces to two server processes
/// sharing one staging folder, across restarts and a lost digest state.
final class ServeStreamingCLITests: XCTestCase {
    var fixture: ServeFixture { ServeFixture.shared }

    /// Five copies of the fixture's survey in one package, five entries.
    static let large: [UInt8] = {
        let f = ServeFixture.shared
        let csv = f.dir.read("data/survey.csv")
        for i in 1...5 { f.dir.write("data/many-\(i).csv", bytes: csv) }
        let pipeline = String(decoding: f.dir.read("pipeline.json"), as: UTF8.self)
        let parts = pipeline.components(separatedBy: "\"files\": [")
        let fileObject = parts[1][..<parts[1].range(of: "]", options: .backwards)!.lowerBound]
        let files = (1...5).map { fileObject.replacingOccurrences(of: "data/survey.csv", with: "data/many-\($0).csv") }
        let head = parts[0]
        f.dir.write("pipeline-many.json", head + "\"files\": [" + files.joined(separator: ",") + "] }")
        let r = try? CLI.run(["seal", "-c", "pipeline-many.json", "-o", "packages/many.sluis", "--quiet"], in: f.dir.path)
        precondition(r?.exitCode == 0, "seal: \(r?.stderr ?? "")")
        return f.dir.read("packages/many.sluis")
    }()

    func stateJSON(_ server: ServeInstance, _ id: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: server.root + "/staging/\(id)/state.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Begun on one process, continued on a second, its digest state then lost (as if written by
    /// an older sluis) and the first process restarted: the receipt names the package's SHA-256
    /// and the inbox gets exactly its bytes.
    func testUploadAcrossProcessesAndRestartsCompletesWithACorrectReceipt() throws {
        let bytes = Self.large
        XCTAssertGreaterThan(bytes.count, (4 << 20) + (3 << 20), "entries must be hashed on the way")
        let a = try ServeInstance("stream")
        try a.start()
        let b = ServeInstance(sharing: a)
        try b.start()
        let token = try a.token()
        let path = try a.create(length: bytes.count, token: token)
        let id = String(path.dropFirst(7))
        let cuts = [0, bytes.count / 3 + 7, 2 * bytes.count / 3 + 1, bytes.count]

        XCTAssertEqual(try a.patch(path, offset: cuts[0], bytes[cuts[0]..<cuts[1]], token: token).status, 204)
        var state = try stateJSON(a, id)
        let digests = try XCTUnwrap(state["digests"] as? [String: Any], "the digests are saved with the offset")
        XCTAssertEqual(digests["position"] as? Int, cuts[1])
        XCTAssertGreaterThanOrEqual((digests["closed"] as? [Any])?.count ?? 0, 1, "the first entry's end was found on the way")

        let second = try b.patch(path, offset: cuts[1], bytes[cuts[1]..<cuts[2]], token: try b.token(),
                                 checksum: "sha256 " + sha256Base64(bytes[cuts[1]..<cuts[2]]))
        XCTAssertEqual(second.status, 204, second.body)
        XCTAssertEqual(b.stop(SIGTERM), 0)

        // Lose the digest state: the next process rebuilds it from the durable prefix.
        state = try stateJSON(a, id)
        state.removeValue(forKey: "digests")
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: a.root + "/staging/\(id)/state.json"))
        a.stop(SIGKILL)
        try a.start()
        let last = try a.patch(path, offset: cuts[2], bytes[cuts[2]...], token: try a.token())
        XCTAssertEqual(last.status, 204, last.body)
        let serverKey = try Recipient(contentsOfFile: fixture.dir.file("keys/server.pub"))
        let receipt = try UploadReceipt.verify(try XCTUnwrap(last.header("Upload-Receipt")), serverKey: serverKey)
        XCTAssertEqual(receipt.packageSHA256, Hex.encode(SHA256Hasher.hash(bytes)))
        XCTAssertEqual(receipt.size, UInt64(bytes.count))
        XCTAssertEqual(fixture.dir.read("srv-stream/inbox/\(id).sluis"), bytes)
        let verify = try CLI.run(["verify", "srv-stream/inbox/\(id).sluis", "--trust", "keys/researcher.pub"], in: fixture.dir.path)
        XCTAssertEqual(verify.exitCode, 0, verify.stderr)
        XCTAssertEqual(a.stop(SIGTERM), 0)
    }

    /// A byte changed in an entry whose hash was finished on the way, in the one hashed on the way
    /// and finished from the file, or in the last 4 MiB: 422 in `sluis verify`'s words, nothing in the inbox, upload deleted.
    func testTamperedLargePackageIsRefusedWhileStreaming() throws {
        let server = try ServeInstance("stream-bad")
        try server.start()
        let total = Self.large.count
        for (n, at) in [total * 3 / 10, total / 2, total - 200_000].enumerated() {
            var bytes = Self.large
            bytes[at] ^= 0x01
            let name = "srv-stream-bad/tampered-\(n).sluis"
            fixture.dir.write(name, bytes: bytes)
            let verify = try CLI.run(["verify", name, "--trust", "keys/researcher.pub"], in: fixture.dir.path)
            XCTAssertEqual(verify.exitCode, 4)
            let words = verify.stderr.replacingOccurrences(of: "sluis: \(name)", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertTrue(words.contains("does not match its hash"), words)

            let token = try server.token()
            let path = try server.create(length: bytes.count, token: token)
            let half = bytes.count / 2 - 3
            XCTAssertEqual(try server.patch(path, offset: 0, bytes[0..<half], token: token).status, 204)
            let answer = try server.patch(path, offset: half, bytes[half...], token: try server.token())
            XCTAssertEqual(answer.status, 422, answer.body)
            XCTAssertTrue(answer.body.contains(words), "\(answer.body) vs \(words)")
            XCTAssertEqual(try server.request("HEAD", path, token: token).status, 404)
        }
        XCTAssertEqual(server.inboxFiles(), [])
        XCTAssertEqual(server.stagingUploads(), [])
        XCTAssertEqual(server.stop(SIGTERM), 0)
    }
}
