import SluisCore
import SluisIO

/// A project's pseudonym key: 32 random bytes that key every pseudonym of one project, with the
/// project id and a key id, stored in the same secret key container as identities.
///
/// The key id names the key in manifests and registers without revealing it:
/// keyId = lowercase hex of the first 8 bytes of HMAC-SHA256(key, "sluis/pseudonym-key-id/v1").
public final class ProjectKey: CustomStringConvertible, Sendable {
    /// The project the key is for (stored with it, checked against the config).
    public let projectId: String
    /// The key's public id: 16 hex digits, safe to show in manifests and messages.
    public let keyId: String
    /// The 32 secret bytes, in guarded memory.
    public let secret: SecretBytes

    /// What the key id is a MAC of; a constant so the id can be recomputed from the key alone.
    public static let keyIdLabel = Array("sluis/pseudonym-key-id/v1".utf8)

    /// Wraps an existing key (its id is computed).
    public init(projectId: String, secret: SecretBytes) throws {
        guard Self.isValidProjectId(projectId) else { throw KeyFileError.invalidProjectId }
        precondition(secret.count == SecretKeyFile.secretByteCount)
        self.projectId = projectId
        self.secret = secret
        self.keyId = Self.keyId(of: secret)
    }

    /// A fresh random key for `projectId`.
    public static func generate(projectId: String) throws -> ProjectKey {
        try ProjectKey(projectId: projectId, secret: SecretBytes.random(count: SecretKeyFile.secretByteCount))
    }

    /// Loads a secret key file of kind `pseudonym-key`, checking that the stored key id matches.
    public static func load(path: String, passphrase: PassphraseSource) throws -> ProjectKey {
        let file = try SecretKeyFile.read(path: path)
        guard file.kind == .pseudonymKey else {
            throw KeyFileError.wrongKind(path: path, found: "an identity", expected: "a project pseudonym key (made by 'sluis keygen pseudonym')")
        }
        guard let project = file.publicValue("project"), isValidProjectId(project) else {
            throw KeyFileError.malformed(path: path, line: 3, expected: "project: a project id")
        }
        let secret = try file.openSecret(passphrase: passphrase)
        let key = try ProjectKey(projectId: project, secret: secret)
        guard file.publicValue("key-id") == key.keyId else { throw KeyFileError.inconsistent(path: path) }
        return key
    }

    /// The project id and key id of a key file, read without the passphrase.
    public static func describe(secretKeyFile path: String) throws -> (projectId: String, keyId: String) {
        let file = try SecretKeyFile.read(path: path)
        guard file.kind == .pseudonymKey, let p = file.publicValue("project"), let k = file.publicValue("key-id") else {
            throw KeyFileError.wrongKind(path: path, found: "an identity", expected: "a project pseudonym key")
        }
        return (p, k)
    }

    /// Writes the key file (mode 0600, never over an existing file).
    public func write(secretKeyFile path: String, protection: KeyProtection) throws {
        try write(secretKeyFile: path, protection: protection, cost: .moderate)
    }

    func write(secretKeyFile path: String, protection: KeyProtection, cost: Argon2Cost) throws {
        try SecretKeyFile.write(path: path, kind: .pseudonymKey, publicFields: [("project", projectId), ("key-id", keyId)],
                                secret: secret, protection: protection, cost: cost)
    }

    static func keyId(of secret: SecretBytes) -> String {
        let mac = HMACSHA256(key: secret)
        return Hex.encode(mac.authenticate(keyIdLabel).prefix(8))
    }

    /// 1–64 characters from A–Z a–z 0–9 . _ -, the first a letter or digit. It appears in file and
    /// folder names (the intake delivers to `delivery/PROJECT/`), so `.`, `..` and hidden names
    /// are impossible by construction; also in manifests and HKDF info.
    public static func isValidProjectId(_ s: String) -> Bool {
        func alphanumeric(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        guard let first = s.utf8.first, alphanumeric(first), s.utf8.count <= 64 else { return false }
        return s.utf8.allSatisfy { alphanumeric($0) || $0 == 46 || $0 == 95 || $0 == 45 }
    }

    /// Names the key by id and project; the secret is never printed.
    public var description: String { "project key \(keyId) for \(projectId) <secret redacted>" }
}
