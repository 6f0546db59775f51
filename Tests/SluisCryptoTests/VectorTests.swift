import XCTest
import Foundation
@testable import SluisCrypto
import SluisCore
import SluisIO

/// The data-file test vectors (Tests/SluisCryptoTests/Vectors, made by `make vectors`): every one
/// decrypts to its `expect:` outcome, and the reproducible success vectors re-encrypt byte for byte.
final class VectorTests: XCTestCase {
    struct Vector {
        var name: String
        var fields: [(String, String)]
        var bytes: [UInt8]
        func value(_ key: String) -> String? { fields.first { $0.0 == key }?.1 }
        func values(_ key: String) -> [String] { fields.filter { $0.0 == key }.map(\.1) }
    }

    static func directory() -> URL {
        if let url = Bundle.module.resourceURL?.appendingPathComponent("Vectors"),
           FileManager.default.fileExists(atPath: url.path) { return url }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors")
    }

    static func load() throws -> [Vector] {
        let dir = directory()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".vector") }.sorted()
        return try names.map { name in
            let data = Array(try Data(contentsOf: dir.appendingPathComponent(name)))
            guard let split = (0..<(data.count - 1)).first(where: { data[$0] == 10 && data[$0 + 1] == 10 }) else {
                throw NSError(domain: "vector \(name): no blank line", code: 1)
            }
            let header = String(decoding: data[0..<split], as: UTF8.self)
            let fields = header.split(separator: "\n").map { line -> (String, String) in
                let parts = line.split(separator: ":", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? String(parts[1].dropFirst()) : "")
            }
            return Vector(name: name, fields: fields, bytes: Array(data[(split + 2)...]))
        }
    }

    static func unhex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex { let j = s.index(i, offsetBy: 2); out.append(UInt8(s[i..<j], radix: 16)!); i = j }
        return out
    }

    static func plaintext(_ n: Int) -> [UInt8] { (0..<n).map { UInt8($0 % 251) } }

    func testEveryVectorHasItsOutcome() throws {
        let vectors = try Self.load()
        XCTAssertGreaterThanOrEqual(vectors.count, 29)
        var seen = Set<String>()
        for v in vectors {
            let expect = try XCTUnwrap(v.value("expect"), v.name)
            seen.insert(expect)
            let identity = try Identity(seed: SecretBytes(copying: Self.unhex(try XCTUnwrap(v.value("identity-seed")))))
            let sink = MemorySink()
            do {
                let summary = try StreamDecryptor.decrypt(from: MemorySource(v.bytes, maxReadByteCount: 1000), identity: identity, into: sink)
                XCTAssertEqual(expect, "success", "\(v.name) decrypted")
                XCTAssertEqual(Hex.encode(SHA256Hasher.hash(sink.bytes)), v.value("plaintext-sha256"), v.name)
                XCTAssertEqual(summary.plaintextByteCount, UInt64(v.value("plaintext-size") ?? "") ?? 0, v.name)
            } catch let e as EncryptedFileError {
                XCTAssertEqual(e.expectation, expect, "\(v.name): \(e)")
                XCTAssertFalse(sink.finished, v.name)
            }
        }
        XCTAssertEqual(seen, ["success", "no match", "header failure", "payload failure", "truncated", "trailing data", "unsupported version"])
    }

    func testReproducibleVectorsReEncryptByteForByte() throws {
        var checked = 0
        for v in try Self.load() {
            guard let seed = v.value("random-seed") else { continue }
            let recipients = try v.values("recipient").map { try Recipient(parsing: $0) }
            let out = MemorySink()
            let sink = try EncryptingSink(recipients: recipients, output: out, chunkByteCount: Int(v.value("chunk-size")!)!,
                                          randomness: DeterministicRandomSource(seed: Array(seed.utf8)))
            try sink.write(Self.plaintext(Int(v.value("plaintext-size")!)!))
            try sink.finish()
            XCTAssertEqual(out.bytes, v.bytes, v.name)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 8)
    }

    /// Our push state (initialised from a header we drew) is the one libsodium's `init_push` makes:
    /// a stream pushed by libsodium itself is pulled by `SecretStream`.
    func testLibsodiumInitPushStreamsArePulled() throws {
        let key = SecretBytes.random(count: 32)
        let (push, header) = try XCTUnwrap(LibsodiumSecretStream.initPush(key: key))
        XCTAssertNotEqual(header, [UInt8](repeating: 0, count: 24), "init_push draws the header")
        let message: [UInt8] = Array("hello secretstream".utf8)
        var c = [UInt8](repeating: 0, count: message.count + 17)
        message.withUnsafeBytes { m in c.withUnsafeMutableBytes { push.push(m, tag: SecretStream.tagFinal, into: $0) } }
        let pull = try XCTUnwrap(SecretStream(key: key, header: header))
        var p = [UInt8](repeating: 0, count: message.count)
        let tag = c.withUnsafeBytes { cc in p.withUnsafeMutableBytes { pull.pull(cc, into: $0) } }
        XCTAssertEqual(tag, SecretStream.tagFinal)
        XCTAssertEqual(p, message)
    }
}
