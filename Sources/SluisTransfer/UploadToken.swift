import Foundation
import SluisCore
import SluisCrypto

/// The bearer token of every request to `sluis serve`: a JWT (RFC 7519) signed with EdDSA over
/// Ed25519 (RFC 8037) by the researcher's own sluis identity. No accounts, no passwords: the
/// server trusts a request because the key that signed its token is on the project's trust list.
///
/// Byte layout (docs/serve.md, "Upload tokens"): `B64(header) "." B64(claims) "." B64(signature)`,
/// B64 being base64url without padding; the header is exactly
/// `{"alg":"EdDSA","typ":"JWT","kid":"<fingerprint>"}`, the signature is Ed25519 over the ASCII
/// bytes of `B64(header) "." B64(claims)` (RFC 7515 signing input, no extra context: a third-party
/// JWT library must be able to check it).
public enum UploadToken {
    /// What a verified token says. Times are seconds since 1970 (JWT NumericDate).
    public struct Claims: Equatable, Sendable {
        /// `iss`: the signer's sluis key fingerprint (also the header's `kid`).
        public var issuer: String
        /// `aud`: the server name the token is for.
        public var audience: String
        /// `project`: the project whose trust list must hold the signer's key.
        public var project: String
        /// `iat` and `exp`.
        public var issuedAt: Int64
        /// `exp`: the server refuses the token after this time.
        public var expiresAt: Int64
        /// `jti`: 16 random bytes, base64url (22 characters).
        public var tokenId: String
        /// `sha256`: lowercase hex SHA-256 of the one package this token may upload, if restricted.
        public var packageSHA256: String?

        /// Claims as `mint` fills them in before signing, or a test builds them.
        public init(issuer: String, audience: String, project: String, issuedAt: Int64, expiresAt: Int64,
                    tokenId: String, packageSHA256: String?) {
            self.issuer = issuer
            self.audience = audience
            self.project = project
            self.issuedAt = issuedAt
            self.expiresAt = expiresAt
            self.tokenId = tokenId
            self.packageSHA256 = packageSHA256
        }
    }

    /// Longer tokens are refused before any parsing.
    public static let maximumTokenByteCount = 4096
    /// What `sluis upload token` mints by default.
    public static let defaultLifetime: TimeInterval = 5 * 60
    /// What a server accepts by default (exp − iat).
    public static let defaultMaximumLifetime: TimeInterval = 15 * 60
    /// Tolerated difference between the client's and the server's clocks.
    public static let defaultClockSkew: TimeInterval = 60

    /// A fresh signed token. `lifetime` in seconds (whole seconds are used, at least 1).
    public static func mint(identity: Identity, audience: String, project: String, packageSHA256: String? = nil,
                            lifetime: TimeInterval = defaultLifetime, now: Date = Date()) throws -> String {
        guard isValidAudience(audience) else {
            throw TransferError.invalidArgument(detail: "the server name (audience) must be 1–255 printable ASCII characters without quotes or backslashes")
        }
        guard ProjectKey.isValidProjectId(project) else { throw TransferError.invalidArgument(detail: "the project is not a valid project id") }
        if let packageSHA256, !isLowercaseHex(packageSHA256, count: 64) {
            throw TransferError.invalidArgument(detail: "the package hash must be 64 lowercase hexadecimal digits")
        }
        let seconds = Int64(lifetime.rounded(.down))
        guard seconds >= 1 else { throw TransferError.invalidArgument(detail: "the token lifetime must be at least one second") }
        let fingerprint = identity.recipient.fingerprint
        let iat = Int64(now.timeIntervalSince1970.rounded(.down))
        let header = "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\(JSONValue.quoted(fingerprint))}"
        var claims = "{\"iss\":\(JSONValue.quoted(fingerprint)),\"aud\":\(JSONValue.quoted(audience))"
        claims += ",\"project\":\(JSONValue.quoted(project)),\"iat\":\(iat),\"exp\":\(iat + seconds)"
        claims += ",\"jti\":\"\(Base64URL.encode(Sodium.randomBytes(count: 16)))\""
        if let packageSHA256 { claims += ",\"sha256\":\"\(packageSHA256)\"" }
        claims += "}"
        let signingInput = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
        return signingInput + "." + Base64URL.encode(identity.sign(Array(signingInput.utf8)))
    }

    /// Checks a token and returns its claims. Order: size and shape → header (exactly EdDSA, a
    /// fingerprint `kid`) → `trust(kid)` gives the key (else `untrustedKey`) → signature →
    /// claims syntax (known members only, integers, `iss` = `kid`) → audience → times.
    /// The caller still checks that the key is trusted for `claims.project`.
    public static func verify(_ token: String, audience: String, maximumLifetime: TimeInterval = defaultMaximumLifetime,
                              clockSkew: TimeInterval = defaultClockSkew, trust: (String) -> Recipient?,
                              now: Date = Date()) throws -> Claims {
        guard token.utf8.count <= maximumTokenByteCount else { throw TransferError.malformedToken(detail: "longer than \(maximumTokenByteCount) bytes") }
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw TransferError.malformedToken(detail: "not three dot-separated segments") }
        guard let headerBytes = Base64URL.decode(Substring(parts[0])),
              let claimBytes = Base64URL.decode(Substring(parts[1])),
              let signature = Base64URL.decode(Substring(parts[2])) else {
            throw TransferError.malformedToken(detail: "a segment is not base64url without padding")
        }
        let header = try object(headerBytes, what: "header")
        guard case let .string(alg)? = header["alg"] else { throw TransferError.malformedToken(detail: "the header has no alg") }
        guard alg == "EdDSA" else { throw TransferError.unsupportedAlgorithm }
        guard Set(header.keys).isSubset(of: ["alg", "typ", "kid"]) else { throw TransferError.malformedToken(detail: "the header has members other than alg, typ and kid") }
        if let typ = header["typ"], typ != .string("JWT") { throw TransferError.malformedToken(detail: "typ is not JWT") }
        guard case let .string(kid)? = header["kid"], isFingerprint(kid) else {
            throw TransferError.malformedToken(detail: "kid is not a sluis key fingerprint")
        }
        guard let key = trust(kid), key.fingerprint == kid else { throw TransferError.untrustedKey(fingerprint: kid) }
        let signingInput = Array(token.utf8[..<parts[1].endIndex])
        guard signature.count == 64, key.isValidSignature(signature, for: signingInput) else {
            throw TransferError.badSignature(fingerprint: kid)
        }

        // From here on the claims are what the key holder signed.
        let claims = try object(claimBytes, what: "claims")
        let known: Set<String> = ["iss", "aud", "project", "iat", "exp", "jti", "sha256"]
        guard Set(claims.keys).isSubset(of: known) else { throw TransferError.malformedToken(detail: "the claims have members sluis does not know") }
        guard case let .string(iss)? = claims["iss"], iss == kid else { throw TransferError.malformedToken(detail: "iss is not the signing key's fingerprint") }
        guard case let .string(aud)? = claims["aud"] else { throw TransferError.malformedToken(detail: "aud is not a string") }
        guard case let .string(project)? = claims["project"], ProjectKey.isValidProjectId(project) else {
            throw TransferError.malformedToken(detail: "project is not a valid project id")
        }
        guard let iat = integer(claims["iat"]), let exp = integer(claims["exp"]) else {
            throw TransferError.malformedToken(detail: "iat and exp must be integers")
        }
        guard case let .string(jti)? = claims["jti"], (16...64).contains(jti.utf8.count), Base64URL.decode(jti) != nil else {
            throw TransferError.malformedToken(detail: "jti is not 16 to 64 base64url characters")
        }
        var sha256: String? = nil
        if let value = claims["sha256"] {
            guard case let .string(s) = value, isLowercaseHex(s, count: 64) else {
                throw TransferError.malformedToken(detail: "sha256 is not 64 lowercase hexadecimal digits")
            }
            sha256 = s
        }
        guard Sodium.constantTimeEqual(Array(aud.utf8), Array(audience.utf8)) else { throw TransferError.wrongAudience }
        guard exp > iat else { throw TransferError.malformedToken(detail: "exp is not after iat") }
        guard Double(exp - iat) <= maximumLifetime else { throw TransferError.lifetimeTooLong(maximumSeconds: Int(maximumLifetime)) }
        let t = now.timeIntervalSince1970
        guard Double(iat) <= t + clockSkew else { throw TransferError.notYetValid }
        guard t < Double(exp) + clockSkew else { throw TransferError.expired }
        return Claims(issuer: iss, audience: aud, project: project, issuedAt: iat, expiresAt: exp, tokenId: jti, packageSHA256: sha256)
    }

    /// A JSON object with no repeated keys and plain integers, as a dictionary.
    static func object(_ bytes: [UInt8], what: String) throws -> [String: JSONValue] {
        guard bytes.first == UInt8(ascii: "{"), JSONValue.usesOnlyPlainIntegers(bytes),
              let value = try? JSONValue.parse(bytes), !value.hasRepeatedKeys, case let .object(pairs) = value else {
            throw TransferError.malformedToken(detail: "the \(what) is not a JSON object without repeated members")
        }
        return Dictionary(pairs, uniquingKeysWith: { a, _ in a })
    }

    static func integer(_ value: JSONValue?) -> Int64? {
        guard case let .number(n)? = value, n >= 0, n < 1e15, n == n.rounded() else { return nil }
        return Int64(n)
    }

    /// `xxxx-xxxx-xxxx-xxxx-xxxx`, lowercase hex (Recipient.fingerprint).
    public static func isFingerprint(_ s: String) -> Bool {
        let groups = s.split(separator: "-", omittingEmptySubsequences: false)
        return groups.count == 5 && groups.allSatisfy { isLowercaseHex(String($0), count: 4) }
    }

    static func isValidAudience(_ s: String) -> Bool {
        (1...255).contains(s.utf8.count) && s.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != 0x22 && $0 != 0x5c }
    }

    static func isLowercaseHex(_ s: String, count: Int) -> Bool {
        s.utf8.count == count && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}
