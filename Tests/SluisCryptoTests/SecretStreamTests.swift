import XCTest
@testable import SluisCrypto

/// `SecretStream` (OpenSSL ChaCha20/Poly1305) is byte-identical to libsodium's secretstream in both
/// directions, across the padding and block boundaries, and rejects what libsodium rejects.
final class SecretStreamTests: XCTestCase {
    let sizes = [0, 1, 15, 16, 17, 31, 32, 47, 48, 49, 63, 64, 65, 127, 128, 129, 1000, 4095, 65535, 65536]

    func testPushMatchesLibsodiumAndEachPullsTheOther() throws {
        for round in 0..<3 {
            let key = SecretBytes.random(count: 32)
            let header = Sodium.randomBytes(count: 24)
            let ours = try XCTUnwrap(SecretStream(key: key, header: header))
            let reference = try XCTUnwrap(LibsodiumSecretStream(key: key, header: header))
            let ourPull = try XCTUnwrap(SecretStream(key: key, header: header))
            let referencePull = try XCTUnwrap(LibsodiumSecretStream(key: key, header: header))
            for (i, n) in sizes.enumerated() {
                let m = Sodium.randomBytes(count: n)
                let tag: UInt8 = i == sizes.count - 1 ? SecretStream.tagFinal : (i % 5 == 4 ? SecretStream.tagRekey : SecretStream.tagMessage)
                var a = [UInt8](repeating: 0, count: n + 17), b = a
                m.withUnsafeBytes { mm in
                    a.withUnsafeMutableBytes { ours.push(mm, tag: tag, into: $0) }
                    b.withUnsafeMutableBytes { reference.push(mm, tag: tag, into: $0) }
                }
                XCTAssertEqual(a, b, "round \(round), size \(n)")
                var p1 = [UInt8](repeating: 0, count: n), p2 = p1
                let t1 = a.withUnsafeBytes { c in p1.withUnsafeMutableBytes { referencePull.pull(c, into: $0) } }
                let t2 = b.withUnsafeBytes { c in p2.withUnsafeMutableBytes { ourPull.pull(c, into: $0) } }
                XCTAssertEqual(t1, tag); XCTAssertEqual(t2, tag)
                XCTAssertEqual(p1, m); XCTAssertEqual(p2, m)
            }
        }
    }

    func testRejectedChunkLeavesTheStateUsable() throws {
        let key = SecretBytes.random(count: 32)
        let header = Sodium.randomBytes(count: 24)
        let push = try XCTUnwrap(LibsodiumSecretStream(key: key, header: header))
        let pull = try XCTUnwrap(SecretStream(key: key, header: header))
        let m = Sodium.randomBytes(count: 100)
        var c = [UInt8](repeating: 0, count: 117)
        m.withUnsafeBytes { mm in c.withUnsafeMutableBytes { push.push(mm, tag: SecretStream.tagMessage, into: $0) } }
        var out = [UInt8](repeating: 0, count: 100)
        for i in [0, 1, 50, 100, 116] {
            var bad = c; bad[i] ^= 0x20
            let t: UInt8? = bad.withUnsafeBytes { cc in out.withUnsafeMutableBytes { pull.pull(cc, into: $0) } }
            XCTAssertNil(t, "byte \(i)")
        }
        let short: UInt8? = Array(c[0..<16]).withUnsafeBytes { cc in out.withUnsafeMutableBytes { pull.pull(cc, into: $0) } }
        XCTAssertNil(short)
        let tag: UInt8? = c.withUnsafeBytes { cc in out.withUnsafeMutableBytes { pull.pull(cc, into: $0) } }
        XCTAssertEqual(tag, SecretStream.tagMessage)
        XCTAssertEqual(out, m)
    }
}
