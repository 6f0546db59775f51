import SluisIO

/// A secret key: one Ed25519 key pair that signs and, through libsodium's Ed25519→X25519
/// conversion, receives encrypted files. Its public half is `recipient`.
///
/// The secret parts (seed, signing key, X25519 secret) live in guarded memory and never print.
public final class Identity: CustomStringConvertible, Sendable {
    /// The public half: what files are encrypted to and signatures are checked with.
    public let recipient: Recipient
    private let seed: SecretBytes
    private let signingKey: SecretBytes
    let x25519SecretKey: SecretBytes

    /// Builds the identity of a 32-byte Ed25519 seed (fixed keys for test vectors, loaded files).
    public init(seed: SecretBytes, comment: String? = nil) throws {
        let comment = comment?.isEmpty == true ? nil : comment
        guard seed.count == Primitives.ed25519SeedByteCount else {
            throw KeyFileError.malformed(path: "<seed>", line: 1, expected: "a 32-byte seed")
        }
        let pair = Primitives.ed25519KeyPair(seed: seed)
        guard let r = Recipient(ed25519PublicKey: pair.publicKey, comment: comment) else {
            throw KeyFileError.inconsistent(path: "<seed>")
        }
        self.seed = seed
        self.signingKey = pair.secretKey
        self.x25519SecretKey = Primitives.x25519SecretKey(fromEd25519: pair.secretKey)
        self.recipient = r
    }

    /// A fresh identity from the system's random source.
    public static func generate(comment: String? = nil) throws -> Identity {
        if let comment, !Recipient.isValidComment(comment) { throw KeyFileError.invalidComment }
        return try Identity(seed: SecretBytes.random(count: Primitives.ed25519SeedByteCount), comment: comment)
    }

    /// Loads a secret key file of kind `identity`, asking `passphrase` only if the file is protected.
    public static func load(path: String, passphrase: PassphraseSource) throws -> Identity {
        let file = try SecretKeyFile.read(path: path)
        guard file.kind == .identity else {
            throw KeyFileError.wrongKind(path: path, found: "a project pseudonym key", expected: "an identity (made by 'sluis keygen identity')")
        }
        guard let publicText = file.publicValue("public"),
              let publicKey = Primitives.decodeBase64(Substring(publicText), byteCount: Primitives.ed25519PublicKeyByteCount)
        else { throw KeyFileError.malformed(path: path, line: 3, expected: "public: 32 bytes in base64") }
        let comment = file.publicValue("comment")
        let seed = try file.openSecret(passphrase: passphrase)
        let identity = try Identity(seed: seed, comment: comment)
        guard Sodium.constantTimeEqual(identity.recipient.ed25519PublicKey, publicKey) else {
            throw KeyFileError.inconsistent(path: path)
        }
        return identity
    }

    /// The public key of a secret key file, read without the passphrase (for `sluis fingerprint`).
    public static func recipient(ofSecretKeyFile path: String) throws -> Recipient {
        let file = try SecretKeyFile.read(path: path)
        guard file.kind == .identity else {
            throw KeyFileError.wrongKind(path: path, found: "a project pseudonym key", expected: "an identity")
        }
        guard let publicText = file.publicValue("public"),
              let publicKey = Primitives.decodeBase64(Substring(publicText), byteCount: Primitives.ed25519PublicKeyByteCount),
              let r = Recipient(ed25519PublicKey: publicKey, comment: file.publicValue("comment"))
        else { throw KeyFileError.malformed(path: path, line: 3, expected: "public: 32 bytes in base64") }
        return r
    }

    /// Writes the secret key file (mode 0600, never over an existing file).
    public func write(secretKeyFile path: String, protection: KeyProtection) throws {
        try write(secretKeyFile: path, protection: protection, cost: .moderate)
    }

    func write(secretKeyFile path: String, protection: KeyProtection, cost: Argon2Cost) throws {
        var fields: [(key: String, value: String)] = [("public", Primitives.base64(recipient.ed25519PublicKey))]
        if let c = recipient.comment { fields.append(("comment", c)) }
        try SecretKeyFile.write(path: path, kind: .identity, publicFields: fields, secret: seed, protection: protection, cost: cost)
    }

    /// Writes the public key file: one line and a line break, mode 0644, never over an existing file.
    public func write(publicKeyFile path: String) throws {
        try SluisIO.FileSystem.writeAtomically(Array((recipient.lineText + "\n").utf8), to: path, mode: 0o644, overwrite: false)
    }

    /// A detached Ed25519 signature of `message`.
    public func sign(_ message: [UInt8]) -> [UInt8] { Primitives.sign(message, secretKey: signingKey) }

    /// Opens the file key sealed to this identity, or nil.
    func openSealedFileKey(_ sealed: [UInt8]) -> SecretBytes? {
        Primitives.openSealed(sealed, publicKey: recipient.x25519PublicKey, secretKey: x25519SecretKey)
    }

    /// Names the identity by fingerprint; the secret is never printed.
    public var description: String { "identity \(recipient.fingerprint) <secret redacted>" }
}
