import SluisIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a new secret key file is protected.
public enum KeyProtection: Sendable {
    /// Argon2id (libsodium MODERATE) + XChaCha20-Poly1305 under this passphrase.
    case passphrase(SecretBytes)
    /// The secret in the clear (demo keys, throw-away test keys); the CLI warns loudly.
    case none
}

/// The text container that holds a secret key at rest: an identity's Ed25519 seed or a project
/// pseudonym key (docs/format.md, "Secret key files").
///
/// ```
/// sluis-secret-key-v1
/// kind: identity | pseudonym-key
/// public: <base64 Ed25519 public key>      (identity)   comment: <text>  (identity, optional)
/// project: <project id>                     (pseudonym-key)  key-id: <16 hex digits>
/// protection: argon2id | none
/// argon2id-opslimit: <n>  argon2id-memlimit-bytes: <n>  salt: <base64 16>  nonce: <base64 24>   (argon2id)
/// secret: <base64: XChaCha20-Poly1305 ciphertext of the 32-byte secret, or the secret itself>
/// ```
/// Every line before `secret:` is the AEAD's additional data (each as `key: value` + LF), so the
/// public part cannot be swapped without the passphrase check failing. Lines are in this order only.
struct SecretKeyFile {
    enum Kind: String { case identity, pseudonymKey = "pseudonym-key" }

    static let firstLine = "sluis-secret-key-v1"
    static let secretByteCount = 32
    static let maximumFileByteCount = 8192

    let path: String
    let kind: Kind
    /// The fields between `kind` and `protection`, in order.
    let publicFields: [(key: String, value: String)]
    let cost: Argon2Cost?
    let salt: [UInt8]
    let nonce: [UInt8]
    /// The `secret:` value as the file has it (base64), in guarded memory: for an unprotected key
    /// it is the secret itself, so it never passes through a Swift string.
    let secretField: SecretBytes

    func publicValue(_ key: String) -> String? { publicFields.first { $0.key == key }?.value }

    // MARK: Writing

    /// Serialises a secret and writes it with mode 0600, never over an existing file.
    static func write(path: String, kind: Kind, publicFields: [(key: String, value: String)], secret: SecretBytes,
                      protection: KeyProtection, cost: Argon2Cost = .moderate,
                      randomness: any RandomSource = SystemRandomSource(), overwrite: Bool = false) throws {
        var header = firstLine + "\n" + "kind: \(kind.rawValue)\n"
        for f in publicFields { header += "\(f.key): \(f.value)\n" }
        var body: [UInt8]
        switch protection {
        case .none:
            header += "protection: none\n"
            body = Array(header.utf8) + Array("secret: ".utf8)
            body.reserveCapacity(body.count + 64)  // no reallocation: every copy of the secret is wiped below
            secret.withUnsafeBytes { Primitives.appendBase64(of: $0, to: &body) }
        case let .passphrase(passphrase):
            let salt = randomness.bytes(count: Primitives.argon2SaltByteCount)
            let nonce = randomness.bytes(count: Primitives.aeadNonceByteCount)
            header += "protection: argon2id\n"
            header += "argon2id-opslimit: \(cost.opsLimit)\nargon2id-memlimit-bytes: \(cost.memLimitBytes)\n"
            header += "salt: \(Primitives.base64(salt))\nnonce: \(Primitives.base64(nonce))\n"
            guard let key = Primitives.argon2id(passphrase: passphrase, salt: salt, opsLimit: cost.opsLimit,
                                                memLimitBytes: cost.memLimitBytes)
            else { throw KeyFileError.keyDerivationFailed(path: path) }
            let sealed = Primitives.aeadSeal(secret, additionalData: Array(header.utf8), nonce: nonce, key: key)
            body = Array(header.utf8) + Array("secret: ".utf8) + Array(Primitives.base64(sealed).utf8)
        }
        body.append(10)
        defer { body.withUnsafeMutableBytes { Sodium.zero($0) } }
        let file = try AtomicFile(path: path, mode: 0o600, overwrite: overwrite)
        try file.write(body)
        try file.commit()
    }

    // MARK: Reading

    /// Reads and parses a secret key file, refusing one that group or others may read.
    static func read(path: String) throws -> SecretKeyFile {
        // Opened once: the mode and owner are checked on this descriptor and the bytes read from it.
        let file = try KeyFileError.openingSecret(path)
        var bytes = [UInt8](repeating: 0, count: maximumFileByteCount + 1)
        defer { bytes.withUnsafeMutableBytes { Sodium.zero($0) } }
        let n = try bytes.withUnsafeMutableBytes { try file.input.readFully(into: $0) }
        // A public key given where the secret one is needed: say so, rather than complain about its mode.
        if bytes[0..<n].starts(with: Array(Recipient.textPrefix.utf8)) {
            throw KeyFileError.wrongKind(path: path, found: "a public key", expected: "a secret key file (NAME.key)")
        }
        try KeyFileError.requirePrivate(file)
        guard n <= maximumFileByteCount else { throw KeyFileError.notAKeyFile(path: path) }
        return try parse(bytes[0..<n], path: path)
    }

    /// Parses the container (no passphrase needed; the secret stays sealed).
    static func parse(_ bytes: ArraySlice<UInt8>, path: String) throws -> SecretKeyFile {
        // The value of the `secret:` line goes to guarded memory; the rest is parsed as text with
        // that value masked, so no copy of it lands in a Swift string (strings cannot be wiped).
        var masked = Array(bytes)
        defer { masked.withUnsafeMutableBytes { Sodium.zero($0) } }
        let secretValue = Self.takeSecretValue(from: &masked)
        guard let text = String(validating: masked, as: UTF8.self) else { throw KeyFileError.notAKeyFile(path: path) }
        // (In Swift "\r\n" is one Character, so CRLF line ends must be named to be split on.)
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard let first = lines.first, first.hasPrefix("sluis-secret-key-") else { throw KeyFileError.notAKeyFile(path: path) }
        guard first == firstLine else { throw KeyFileError.unsupportedVersion(path: path) }
        var cursor = LineCursor(lines: lines, path: path)
        guard let kind = Kind(rawValue: String(try cursor.take("kind"))) else {
            throw KeyFileError.malformed(path: path, line: cursor.lineNumber - 1, expected: "kind: identity or pseudonym-key")
        }
        var publicFields: [(key: String, value: String)] = []
        switch kind {
        case .identity:
            publicFields.append(("public", String(try cursor.take("public"))))
            if let c = cursor.takeIfPresent("comment") { publicFields.append(("comment", String(c))) }
        case .pseudonymKey:
            publicFields.append(("project", String(try cursor.take("project"))))
            publicFields.append(("key-id", String(try cursor.take("key-id"))))
        }
        let protection = try cursor.take("protection")
        var cost: Argon2Cost? = nil
        var salt: [UInt8] = [], nonce: [UInt8] = []
        switch protection {
        case "none": break
        case "argon2id":
            let ops = try cursor.takeNumber("argon2id-opslimit")
            let mem = try cursor.takeNumber("argon2id-memlimit-bytes")
            cost = Argon2Cost(opsLimit: ops, memLimitBytes: mem)
            let saltLine = cursor.lineNumber
            guard let s = Primitives.decodeBase64(try cursor.take("salt"), byteCount: Primitives.argon2SaltByteCount)
            else { throw KeyFileError.malformed(path: path, line: saltLine, expected: "salt: 16 bytes in base64") }
            let nonceLine = cursor.lineNumber
            guard let n = Primitives.decodeBase64(try cursor.take("nonce"), byteCount: Primitives.aeadNonceByteCount)
            else { throw KeyFileError.malformed(path: path, line: nonceLine, expected: "nonce: 24 bytes in base64") }
            salt = s; nonce = n
        default:
            throw KeyFileError.malformed(path: path, line: cursor.lineNumber - 1, expected: "protection: argon2id or none")
        }
        let secretLine = cursor.lineNumber
        _ = try cursor.take("secret")
        guard let secretValue else { throw KeyFileError.malformed(path: path, line: secretLine, expected: "secret: base64") }
        guard cursor.atEnd else { throw KeyFileError.malformed(path: path, line: cursor.lineNumber, expected: "end of file") }
        return SecretKeyFile(path: path, kind: kind, publicFields: publicFields, cost: cost, salt: salt, nonce: nonce,
                             secretField: secretValue)
    }

    /// Finds the first line that starts with `secret: `, moves its value into guarded memory and
    /// overwrites it in `bytes` with `A`s (valid base64 of the same length, so the text parser
    /// still sees a well-formed line, and reports misplaced lines as before). nil when there is none.
    static func takeSecretValue(from bytes: inout [UInt8]) -> SecretBytes? {
        let prefix = Array("secret: ".utf8)
        var start = 0
        while start < bytes.count {
            var lineEnd = start
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if lineEnd - start >= prefix.count, Array(bytes[start..<(start + prefix.count)]) == prefix { break }
            start = lineEnd + 1
        }
        guard start < bytes.count else { return nil }
        var end = start
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        if end > start, bytes[end - 1] == 0x0D { end -= 1 }
        let valueStart = start + prefix.count
        guard end > valueStart else { return nil }
        let value = SecretBytes(count: end - valueStart)
        value.withUnsafeMutableBytes { v in
            bytes.withUnsafeBytes { b in v.copyMemory(from: UnsafeRawBufferPointer(rebasing: b[valueStart..<end])) }
        }
        for i in valueStart..<end { bytes[i] = 0x41 }
        return value
    }

    /// The lines before `secret:`, canonically encoded: the AEAD's additional data.
    var additionalData: [UInt8] {
        var header = Self.firstLine + "\n" + "kind: \(kind.rawValue)\n"
        for f in publicFields { header += "\(f.key): \(f.value)\n" }
        if let cost {
            header += "protection: argon2id\n"
            header += "argon2id-opslimit: \(cost.opsLimit)\nargon2id-memlimit-bytes: \(cost.memLimitBytes)\n"
            header += "salt: \(Primitives.base64(salt))\nnonce: \(Primitives.base64(nonce))\n"
        } else {
            header += "protection: none\n"
        }
        return Array(header.utf8)
    }

    /// Opens the 32-byte secret, asking `passphrase` only when the file is protected.
    func openSecret(passphrase: PassphraseSource) throws -> SecretBytes {
        guard let cost else {
            guard let s = secretField.withUnsafeBytes({ Primitives.decodeBase64Secret(bytes: $0, byteCount: Self.secretByteCount) }) else {
                throw KeyFileError.malformed(path: path, line: lineOfSecret, expected: "secret: 32 bytes in base64")
            }
            return s
        }
        guard cost.isWithinCap else { throw KeyFileError.costTooHigh(path: path) }
        guard let sealed = secretField.withUnsafeBytes({
            Primitives.decodeBase64Secret(bytes: $0, byteCount: Self.secretByteCount + Primitives.aeadTagByteCount)?.exposedCopy()
        })
        else { throw KeyFileError.malformed(path: path, line: lineOfSecret, expected: "secret: 48 bytes in base64") }
        // The prompt says which key it is for: `sluis seal` asks for two.
        let what = kind == .identity ? "identity" : "pseudonym key" + (publicValue("project").map { " of project \($0)" } ?? "")
        let words = try passphrase.passphrase(prompt: "[\(what)] passphrase for \(path)", confirm: false)
        guard let key = Primitives.argon2id(passphrase: words, salt: salt, opsLimit: cost.opsLimit,
                                            memLimitBytes: cost.memLimitBytes)
        else { throw KeyFileError.keyDerivationFailed(path: path) }
        guard let secret = Primitives.aeadOpen(sealed, additionalData: additionalData, nonce: nonce, key: key)
        else { throw KeyFileError.wrongPassphrase(path: path) }
        return secret
    }

    private var lineOfSecret: Int { 3 + publicFields.count + (cost == nil ? 0 : 4) + 1 }
}

/// Walks the `key: value` lines of a key file in their fixed order.
private struct LineCursor {
    let lines: [Substring]
    let path: String
    var index = 1

    init(lines: [Substring], path: String) { self.lines = lines; self.path = path }

    var lineNumber: Int { index + 1 }
    var atEnd: Bool { index >= lines.count }

    mutating func take(_ key: String) throws -> Substring {
        guard let v = takeIfPresent(key) else {
            throw KeyFileError.malformed(path: path, line: lineNumber, expected: "'\(key): …'")
        }
        return v
    }

    mutating func takeIfPresent(_ key: String) -> Substring? {
        guard index < lines.count else { return nil }
        let prefix = key + ": "
        let line = lines[index]
        guard line.hasPrefix(prefix) else { return nil }
        index += 1
        return line.dropFirst(prefix.count)
    }

    mutating func takeNumber(_ key: String) throws -> UInt64 {
        let line = lineNumber
        let v = try take(key)
        guard v.count <= 12, !v.isEmpty, v.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt64(v) else {
            throw KeyFileError.malformed(path: path, line: line, expected: "\(key): a decimal number")
        }
        return n
    }
}
