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

    /// RFC 4231 test cases 1, 2 and 6 (a key longer than the block).
    func testRFC4231Vectors() {
        let cases: [([UInt8], [UInt8], String)] = [
            ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        ]
        for (key, msg, expected) in cases {
            let mac = key.withUnsafeBytes { HMACSHA256(key: $0) }
            XCTAssertEqual(hexString(mac.authenticate(msg)), expected)
            // Repeated use and copies give the same answer.
            XCTAssertEqual(hexString(mac.authenticate(msg)), expected)
            XCTAssertEqual(hexString(mac.copy().authenticate(msg)), expected)
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
