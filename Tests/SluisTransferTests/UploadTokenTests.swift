import Foundation
import SluisCrypto
import SluisTransfer
import XCTest

final class UploadTokenTests: XCTestCase {
    let researcher = try! Identity.generate()
    let other = try! Identity.generate()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func trust(_ keys: Identity...) -> (String) -> Recipient? {
        { fp in keys.first { $0.recipient.fingerprint == fp }?.recipient }
    }

    func mint(lifetime: TimeInterval = 300, sha: String? = nil, at: Date? = nil) throws -> String {
        try UploadToken.mint(identity: researcher, audience: "intake.example", project: "P2026-001",
                             packageSHA256: sha, lifetime: lifetime, now: at ?? now)
    }

    func testRoundTripAndExactHeader() throws {
        let sha = String(repeating: "ab", count: 32)
        let token = try mint(sha: sha)
        let parts = token.split(separator: ".")
        XCTAssertEqual(parts.count, 3)
        let header = String(decoding: Base64URL.decode(parts[0])!, as: UTF8.self)
        XCTAssertEqual(header, "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"\(researcher.recipient.fingerprint)\"}")
        XCTAssertFalse(token.contains("="))
        let claims = try UploadToken.verify(token, audience: "intake.example", trust: trust(researcher), now: now)
        XCTAssertEqual(claims.issuer, researcher.recipient.fingerprint)
        XCTAssertEqual(claims.project, "P2026-001")
        XCTAssertEqual(claims.expiresAt - claims.issuedAt, 300)
        XCTAssertEqual(claims.packageSHA256, sha)
        XCTAssertEqual(claims.tokenId.count, 22)
        XCTAssertNotEqual(claims.tokenId, try UploadToken.verify(try mint(), audience: "intake.example", trust: trust(researcher), now: now).tokenId)
    }

    func testRefusals() throws {
        let token = try mint()
        func refused(_ t: String, audience: String = "intake.example", trustList: (String) -> Recipient? = { _ in nil },
                     at: Date? = nil, maxLifetime: TimeInterval = 900) -> TransferError? {
            let list = trustList
            do {
                _ = try UploadToken.verify(t, audience: audience, maximumLifetime: maxLifetime, trust: list, now: at ?? now)
                return nil
            } catch { return error as? TransferError }
        }
        let good = trust(researcher)
        XCTAssertNil(refused(token, trustList: good))
        XCTAssertEqual(refused(token, trustList: trust(other)), .untrustedKey(fingerprint: researcher.recipient.fingerprint))
        XCTAssertEqual(refused(token, audience: "other", trustList: good), .wrongAudience)
        XCTAssertEqual(refused(token, trustList: good, at: now.addingTimeInterval(300 + 61)), .expired)
        XCTAssertNil(refused(token, trustList: good, at: now.addingTimeInterval(300 + 59)))
        XCTAssertEqual(refused(token, trustList: good, at: now.addingTimeInterval(-61)), .notYetValid)
        XCTAssertEqual(refused(try mint(lifetime: 3600), trustList: good), .lifetimeTooLong(maximumSeconds: 900))
        // A key that claims the researcher's fingerprint but is another key: bad signature.
        let impostor: (String) -> Recipient? = { _ in self.other.recipient }
        XCTAssertNotNil(refused(token, trustList: impostor))
        // Signed by another key, header kid claiming the researcher.
        var parts = token.split(separator: ".").map(String.init)
        let forged = Base64URL.encode(other.sign(Array((parts[0] + "." + parts[1]).utf8)))
        XCTAssertEqual(refused(parts[0] + "." + parts[1] + "." + forged, trustList: good), .badSignature(fingerprint: researcher.recipient.fingerprint))
        // Changed claims: bad signature.
        let claims = String(decoding: Base64URL.decode(parts[1])!, as: UTF8.self).replacingOccurrences(of: "P2026-001", with: "P2026-002")
        XCTAssertEqual(refused(parts[0] + "." + Base64URL.encode(Array(claims.utf8)) + "." + parts[2], trustList: good),
                       .badSignature(fingerprint: researcher.recipient.fingerprint))
        // alg none, alg HS256: refused before any key is looked up.
        for alg in ["none", "HS256", "ES256"] {
            let h = Base64URL.encode(Array("{\"alg\":\"\(alg)\",\"typ\":\"JWT\",\"kid\":\"\(researcher.recipient.fingerprint)\"}".utf8))
            XCTAssertEqual(refused(h + "." + parts[1] + ".", trustList: good), .unsupportedAlgorithm)
            XCTAssertEqual(refused(h + "." + parts[1] + "." + parts[2], trustList: good), .unsupportedAlgorithm)
        }
        // Shape: padding, extra segment, oversize, white space.
        parts[2] += "=="
        XCTAssertNotNil(refused(parts.joined(separator: "."), trustList: good))
        XCTAssertNotNil(refused(token + ".x", trustList: good))
        XCTAssertNotNil(refused(token + " ", trustList: good))
        XCTAssertNotNil(refused(String(repeating: "a", count: 5000), trustList: good))
        XCTAssertNotNil(refused("", trustList: good))
    }

    func testRepeatedOrUnknownClaimsAreRefusedEvenWhenSigned() throws {
        let fp = researcher.recipient.fingerprint
        let header = Base64URL.encode(Array("{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"\(fp)\"}".utf8))
        let base = "\"iss\":\"\(fp)\",\"aud\":\"intake.example\",\"iat\":1800000000,\"exp\":1800000300,\"jti\":\"AAAAAAAAAAAAAAAAAAAAAA\""
        for claims in ["{\(base),\"project\":\"P1\",\"project\":\"P2\"}", "{\(base),\"project\":\"P1\",\"admin\":true}",
                       "{\(base.replacingOccurrences(of: "1800000300", with: "1800000300.0")),\"project\":\"P1\"}"] {
            let input = header + "." + Base64URL.encode(Array(claims.utf8))
            let token = input + "." + Base64URL.encode(researcher.sign(Array(input.utf8)))
            XCTAssertThrowsError(try UploadToken.verify(token, audience: "intake.example", trust: trust(researcher), now: now)) {
                guard case .malformedToken? = $0 as? TransferError else { return XCTFail("\($0)") }
            }
        }
    }

    func testMintRefusesBadArguments() {
        XCTAssertThrowsError(try UploadToken.mint(identity: researcher, audience: "", project: "P1", now: now))
        XCTAssertThrowsError(try UploadToken.mint(identity: researcher, audience: "a\"b", project: "P1", now: now))
        XCTAssertThrowsError(try UploadToken.mint(identity: researcher, audience: "s", project: "../x", now: now))
        XCTAssertThrowsError(try UploadToken.mint(identity: researcher, audience: "s", project: "P1", packageSHA256: "AB", now: now))
        XCTAssertThrowsError(try UploadToken.mint(identity: researcher, audience: "s", project: "P1", lifetime: 0, now: now))
    }

    func testBase64URLIsStrict() {
        XCTAssertEqual(Base64URL.decode("-_8"), [0xfb, 0xff])
        XCTAssertNil(Base64URL.decode("-_9"))  // non-zero unused bits
        XCTAssertNil(Base64URL.decode("A"))
        XCTAssertNil(Base64URL.decode("AA=="))
        XCTAssertNil(Base64URL.decode("A+/A"))
        XCTAssertEqual(Base64URL.decode(""), [])
    }
}
