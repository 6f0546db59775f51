import XCTest
@testable import SluisCrypto
import SluisCore

final class HMACSHA256Tests: XCTestCase {
    private func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = s.makeIterator()
        while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
        return out
    }
    private func hexString(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    /// RFC 4231 test cases 1, 2, 3, 4, 6 (a key longer than the block) and 7 (a message longer
    /// than the block, so the general path; the others take the one-block path).
    func testRFC4231Vectors() {
        let cases: [([UInt8], [UInt8], String)] = [
            ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
             "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (Array(1...25), [UInt8](repeating: 0xcd, count: 50),
             "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
            ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            ([UInt8](repeating: 0xaa, count: 131),
             Array(("This is a test using a larger than block-size key and a larger than block-size data. "
                    + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ]
        for (key, msg, expected) in cases {
            let mac = key.withUnsafeBytes { HMACSHA256(key: $0) }
            XCTAssertEqual(hexString(mac.authenticate(msg)), expected)
            // Repeated use and copies give the same answer.
            XCTAssertEqual(hexString(mac.authenticate(msg)), expected)
            XCTAssertEqual(hexString(mac.copy().authenticate(msg)), expected)
        }
    }

    /// The keys the path tests use: empty, short, one block exactly, and longer than a block
    /// (hashed first).
    private let pathTestKeys: [[UInt8]] = [
        [], [0x01], [UInt8](repeating: 0x0b, count: 20), (0..<32).map { UInt8($0 &* 7 &+ 3) },
        (0..<64).map { UInt8(255 - $0) }, (0..<65).map { UInt8($0) }, (0..<131).map { UInt8(($0 &* 31) & 0xff) },
    ]

    private func message(length: Int, seed: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ seed &* 17 &+ 5) }
    }

    private func mac(_ m: [UInt8], _ body: (UnsafeRawBufferPointer, UnsafeMutableRawPointer) -> Void) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        m.withUnsafeBytes { mb in out.withUnsafeMutableBytes { body(mb, $0.baseAddress!) } }
        return out
    }

    /// The one-block path (messages up to 55 bytes) gives the same bytes as the general
    /// SHA256_Update/SHA256_Final path, and both agree with OpenSSL's one-shot HMAC(), for every
    /// message length 0…120 (across the 55/56-byte boundary and past one and two blocks).
    func testOneBlockPathMatchesGeneralPathAndOpenSSL() {
        XCTAssertEqual(HMACSHA256.oneBlockMaxMessageByteCount, 55)
        for (k, key) in pathTestKeys.enumerated() {
            let hmac = key.withUnsafeBytes { HMACSHA256(key: $0) }
            for length in 0...120 {
                let m = message(length: length, seed: k)
                let general = mac(m) { hmac.authenticateGeneral($0, into: $1) }
                let reference = key.withUnsafeBytes { kb in
                    m.withUnsafeBytes { OpenSSL.referenceHMACSHA256(key: kb, message: $0) }
                }
                XCTAssertEqual(reference.count, 32)
                XCTAssertEqual(general, reference, "key \(k), length \(length)")
                if length <= 55 {
                    let oneBlock = mac(m) { hmac.authenticateOneBlock($0, into: $1) }
                    XCTAssertEqual(oneBlock, general, "key \(k), length \(length)")
                }
                // The public entry point, which picks the path by length.
                XCTAssertEqual(hmac.authenticate(m), general, "key \(k), length \(length)")
            }
        }
    }

    /// The general and incremental paths write the inner digest into the outer block that holds
    /// the one-block path's fixed padding; mixing the paths on one instance (and on a copy) must
    /// not change any result.
    func testPathsInterleavedOnOneInstance() {
        let key = (0..<32).map { UInt8($0) }
        let hmac = key.withUnsafeBytes { HMACSHA256(key: $0) }
        let fresh = { key.withUnsafeBytes { HMACSHA256(key: $0) } }
        let lengths = [9, 100, 0, 55, 56, 64, 1, 119, 17, 55]
        let expected = lengths.map { fresh().authenticate(message(length: $0, seed: 1)) }
        for round in 0..<3 {
            for (i, length) in lengths.enumerated() {
                let m = message(length: length, seed: 1)
                XCTAssertEqual(hmac.authenticate(m), expected[i], "round \(round), length \(length)")
                // An incremental MAC in between.
                hmac.begin()
                m.withUnsafeBytes { hmac.update(UnsafeRawBufferPointer(rebasing: $0[..<(length / 2)])) }
                m.withUnsafeBytes { hmac.update(UnsafeRawBufferPointer(rebasing: $0[(length / 2)...])) }
                var incremental = [UInt8](repeating: 0, count: 32)
                incremental.withUnsafeMutableBytes { hmac.finalize(into: $0) }
                XCTAssertEqual(incremental, expected[i], "round \(round), length \(length)")
                XCTAssertEqual(hmac.copy().authenticate(m), expected[i], "round \(round), length \(length)")
            }
        }
    }

    /// A pseudonym's bytes are a public contract: these were produced before the one-block HMAC
    /// path and the 64-bit decimal rendering, and checked against Python's hmac/hashlib.
    func testPseudonymVectors() {
        let key = SecretBytes(copying: [UInt8](repeating: 7, count: 32))
        let inputs: [[UInt8]] = [Array("111222333".utf8), [], [UInt8](repeating: 0x41, count: 55), [UInt8](repeating: 0x41, count: 56)]
        let cases: [(PseudonymRendering, [String])] = [
            (.decimal(width: 1), ["3", "7", "0", "3"]),
            (.decimal(width: 9), ["029187573", "753448317", "599098140", "566800313"]),
            (.decimal(width: 17), ["39717581029187573", "86336668753448317", "36987471599098140", "71909283566800313"]),
            (.decimal(width: 19), ["3639717581029187573", "2186336668753448317", "3236987471599098140", "7671909283566800313"]),
            (.decimal(width: 20), ["93639717581029187573", "62186336668753448317", "13236987471599098140", "97671909283566800313"]),
            (.decimal(width: 38), ["29124878565033836093639717581029187573", "91699496518569616362186336668753448317",
                                   "21496490953134681713236987471599098140", "34614984635524686897671909283566800313"]),
            (.hex(width: 32), ["61248c09763c006f82bd3f8c40a51ff5", "44fcae3d4faaa4db748d8aa33315cd7d",
                               "5b675f7d59f954cbce40ac006805d91c", "1a0a9a81d216f3b0e2da71a2126d4db9"]),
        ]
        for (rendering, expected) in cases {
            let p = Pseudonymiser(projectKey: key, projectId: "P1", domain: PseudonymDomain(.bsn), rendering: rendering)
            XCTAssertEqual(inputs.map { p.pseudonym(of: $0) }, expected, "\(rendering)")
            XCTAssertEqual(inputs.map { p.copy().pseudonym(of: $0) }, expected, "\(rendering) (copy)")
        }
    }

    /// RFC 5869 test case 1.
    func testHKDFRFC5869Case1() {
        let ikm = SecretBytes(copying: [UInt8](repeating: 0x0b, count: 22))
        let okm = HKDF.deriveKey(inputKey: ikm, salt: hex("000102030405060708090a0b0c"),
                                 info: hex("f0f1f2f3f4f5f6f7f8f9"), outputByteCount: 42)
        XCTAssertEqual(hexString(okm.exposedCopy()),
                       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    }

    func testSecretBytesNeverPrints() {
        let s = SecretBytes(copying: Array("hunter2".utf8))
        XCTAssertEqual("\(s)", "<redacted>")
        XCTAssertEqual(String(reflecting: s), "<redacted>")
        XCTAssertTrue(s.constantTimeEquals(SecretBytes(copying: Array("hunter2".utf8))))
        XCTAssertFalse(s.constantTimeEquals(SecretBytes(copying: Array("hunter3".utf8))))
    }

    func testPseudonymsAreDomainSeparatedAndFixedWidth() {
        let key = SecretBytes(copying: [UInt8](repeating: 7, count: 32))
        let a = Pseudonymiser(projectKey: key, projectId: "P1", domain: PseudonymDomain(.bsn))
        let b = Pseudonymiser(projectKey: key, projectId: "P2", domain: PseudonymDomain(.bsn))
        let c = Pseudonymiser(projectKey: key, projectId: "P1", domain: PseudonymDomain(.text))
        let v = Array("111222333".utf8)
        let pa = a.pseudonym(of: v)
        XCTAssertEqual(pa.count, 17)
        XCTAssertTrue(pa.allSatisfy(\.isNumber))
        XCTAssertEqual(pa, a.copy().pseudonym(of: v))
        XCTAssertNotEqual(pa, b.pseudonym(of: v))
        XCTAssertNotEqual(pa, c.pseudonym(of: v))
        let hex = Pseudonymiser(projectKey: key, projectId: "P1", domain: PseudonymDomain(.bsn), rendering: .hex(width: 32))
        XCTAssertEqual(hex.pseudonym(of: v).count, 32)
    }

    func testCompositeEncodingIsUnambiguous() {
        let key = SecretBytes(copying: [UInt8](repeating: 9, count: 32))
        let d = PseudonymDomain(composite: [.name, .text])!
        let p = Pseudonymiser(projectKey: key, projectId: "P", domain: d)
        XCTAssertNotEqual(p.pseudonym(ofParts: [Array("AB".utf8), Array("C".utf8)]),
                          p.pseudonym(ofParts: [Array("A".utf8), Array("BC".utf8)]))
    }

    func testDecimalRenderingMatchesReferenceArithmetic() {
        // The first 16 bytes 0x00..0x0f as a big-endian integer, mod 10^17, zero-padded.
        let mac = (0..<32).map { UInt8($0) }
        var out = [UInt8](repeating: 0, count: 17)
        mac.withUnsafeBytes { m in out.withUnsafeMutableBytes { PseudonymRendering.decimal(width: 17).render(mac: m, into: $0) } }
        // 0x000102030405060708090a0b0c0d0e0f = 5233100606242806050955395731361295 (reference: Python int)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "06242806050955395731361295".suffix(17).description)
        var wide = [UInt8](repeating: 0, count: 38)
        mac.withUnsafeBytes { m in wide.withUnsafeMutableBytes { PseudonymRendering.decimal(width: 38).render(mac: m, into: $0) } }
        XCTAssertEqual(String(decoding: wide, as: UTF8.self), "00005233100606242806050955395731361295")
    }
}
