import SluisIO

/// Changing a key file's protection, and moving a project key between people — both built from
/// the existing pieces: the secret key container (Argon2id + XChaCha20-Poly1305) and the
/// encrypted-file format (`EncryptingSink` / `StreamDecryptor`). No new cryptography.
public enum KeyFileRewrap {
    /// What a key file holds, for messages: `identity FINGERPRINT` or `pseudonym key KEYID (PROJECT)`.
    public static func describe(path: String) throws -> String {
        let file = try SecretKeyFile.read(path: path)
        switch file.kind {
        case .identity: return "identity " + (try Identity.recipient(ofSecretKeyFile: path)).fingerprint
        case .pseudonymKey: return "pseudonym key \(file.publicValue("key-id") ?? "?") (\(file.publicValue("project") ?? "?"))"
        }
    }

    /// Opens the key file with its current passphrase, then (only then, so a terminal asks for
    /// the current passphrase first) asks `newProtection` and writes the file again, atomically
    /// in place: the same secret and public lines, so the key id and fingerprint stay.
    public static func changeProtection(path: String, current: PassphraseSource, to newProtection: () throws -> KeyProtection) throws {
        let file = try SecretKeyFile.read(path: path)
        let secret = try file.openSecret(passphrase: current)
        let protection = try newProtection()
        try SecretKeyFile.write(path: path, kind: file.kind, publicFields: file.publicFields, secret: secret,
                                protection: protection, overwrite: true)
    }

    /// The largest transfer payload: a key file is at most 8 KiB.
    public static let maximumPayloadByteCount = SecretKeyFile.maximumFileByteCount

    /// The project key as an unprotected key file's text (in guarded memory): what
    /// `sluis key send` encrypts to the researcher.
    public static func transferPayload(of key: ProjectKey) throws -> SecretBytes {
        var body = Array("\(SecretKeyFile.firstLine)\nkind: pseudonym-key\nproject: \(key.projectId)\nkey-id: \(key.keyId)\nprotection: none\nsecret: ".utf8)
        body.reserveCapacity(body.count + 64)
        key.secret.withUnsafeBytes { Primitives.appendBase64(of: $0, to: &body) }
        body.append(10)
        defer { body.withUnsafeMutableBytes { Sodium.zero($0) } }
        return SecretBytes(copying: body[...])
    }

    /// Reads a payload made by `transferPayload` back into a project key (its key id checked).
    public static func projectKey(fromTransferPayload payload: SecretBytes, source: String) throws -> ProjectKey {
        let bytes = payload.exposedCopy()
        var copy = bytes
        defer { copy.withUnsafeMutableBytes { Sodium.zero($0) } }
        let file = try SecretKeyFile.parse(copy[...], path: source)
        guard file.kind == .pseudonymKey, let project = file.publicValue("project") else {
            throw KeyFileError.wrongKind(path: source, found: "an identity", expected: "a project pseudonym key")
        }
        let key = try ProjectKey(projectId: project, secret: try file.openSecret(passphrase: .terminal))
        guard file.publicValue("key-id") == key.keyId else { throw KeyFileError.inconsistent(path: source) }
        return key
    }

    /// Encrypts the project key to `recipient` in the encrypted-file format (docs/format.md).
    public static func send(_ key: ProjectKey, to recipient: Recipient, output: any ByteSink) throws {
        let payload = try transferPayload(of: key)
        let sink = try EncryptingSink(recipients: [recipient], output: output)
        try payload.withUnsafeBytes { try sink.write($0) }
        try sink.finish()
    }

    /// Decrypts a file made by `send` with the recipient's identity and returns the project key.
    public static func receive(from source: any ByteSource, identity: Identity, path: String) throws -> ProjectKey {
        let sink = SecretSink(capacity: maximumPayloadByteCount)
        _ = try StreamDecryptor.decrypt(from: source, identity: identity, into: sink)
        guard !sink.overflowed else { throw KeyFileError.notAKeyFile(path: path) }
        let payload = SecretBytes(count: sink.count)
        payload.withUnsafeMutableBytes { out in sink.buffer.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<sink.count])) } }
        return try projectKey(fromTransferPayload: payload, source: path)
    }
}
