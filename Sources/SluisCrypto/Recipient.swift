import SluisCore
import SluisIO

/// A public key: someone files can be encrypted to and whose signatures can be checked.
///
/// An identity is one Ed25519 key pair; it receives through libsodium's Ed25519→X25519
/// conversion, so one public key serves both signing and encryption (docs/format.md, "Keys").
/// The text form is one line that fits in an e-mail: `sluis-pub-v1 <base64 key> [comment]`.
/// Two recipients are equal when their keys are equal; the comment is a label, not identity.
public struct Recipient: Hashable, Sendable, CustomStringConvertible {
    /// The first word of the one-line text form, naming the key type and version.
    public static let textPrefix = "sluis-pub-v1"

    /// The 32-byte Ed25519 public key.
    public let ed25519PublicKey: [UInt8]
    /// The X25519 public key files are encrypted to (converted from the Ed25519 key).
    let x25519PublicKey: [UInt8]
    /// A free-text label (a name, an e-mail address); not authenticated.
    public let comment: String?

    /// Makes a recipient from a raw Ed25519 public key; nil when the bytes are not a valid point.
    public init?(ed25519PublicKey key: [UInt8], comment: String? = nil) {
        guard let x = Primitives.x25519PublicKey(fromEd25519: key) else { return nil }
        ed25519PublicKey = key
        x25519PublicKey = x
        self.comment = comment
    }

    /// Parses the one-line text form (trailing whitespace and line break allowed).
    public init(parsing text: String) throws {
        try self.init(parsing: text, source: "the given text")
    }

    /// Reads a `.pub` file: one line, optionally followed by a line break.
    public init(contentsOfFile path: String) throws {
        _ = try KeyFileError.opening(path)
        let bytes = try FileSystem.readAll(path, limitByteCount: 4096)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw KeyFileError.notAPublicKey(source: path) }
        try self.init(parsing: text, source: path)
    }

    init(parsing text: String, source: String) throws {
        var line = Substring(text)
        while let last = line.last, last == "\n" || last == "\r" || last == " " || last == "\t" { line = line.dropLast() }
        guard !line.contains("\n"), !line.contains("\r") else { throw KeyFileError.notAPublicKey(source: source) }
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == Self.textPrefix,
              let key = Primitives.decodeBase64(parts[1], byteCount: Primitives.ed25519PublicKeyByteCount)
        else { throw KeyFileError.notAPublicKey(source: source) }
        let comment = parts.count == 3 ? String(parts[2]) : nil
        if let comment, !Recipient.isValidComment(comment) { throw KeyFileError.notAPublicKey(source: source) }
        guard let r = Recipient(ed25519PublicKey: key, comment: comment) else { throw KeyFileError.notAPublicKey(source: source) }
        self = r
    }

    /// The short human fingerprint, e.g. `3f2a-91c0-7b4e-d215-88aa`: the first 10 bytes of
    /// SHA-256(Ed25519 public key) in lowercase hex, in groups of four for reading aloud.
    public var fingerprint: String { Recipient.fingerprint(ofKeyHash: keyHash) }

    /// SHA-256 of the Ed25519 public key: what an encrypted file's header stores per recipient.
    public var keyHash: [UInt8] { SHA256Hasher.hash(ed25519PublicKey) }

    /// The canonical one-line form without the comment: `sluis-pub-v1 <base64 key>`.
    public var publicKeyText: String { Recipient.textPrefix + " " + Primitives.base64(ed25519PublicKey) }

    /// The line a `.pub` file holds: the canonical form, then the comment if any.
    public var lineText: String { comment.map { publicKeyText + " " + $0 } ?? publicKeyText }

    /// Checks a detached Ed25519 signature made by this key's identity.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        Primitives.verify(signature, message: message, publicKey: ed25519PublicKey)
    }

    /// Names the recipient by fingerprint only.
    public var description: String { "recipient \(fingerprint)" }

    /// Equal when the keys are; the comment is only a label.
    public static func == (a: Recipient, b: Recipient) -> Bool { a.ed25519PublicKey == b.ed25519PublicKey }
    /// Hashes the key only, matching `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(ed25519PublicKey) }

    /// Renders the fingerprint of a 32-byte key hash.
    public static func fingerprint(ofKeyHash hash: [UInt8]) -> String {
        let hex = Array(Hex.encode(hash.prefix(10)))
        return stride(from: 0, to: hex.count, by: 4).map { String(hex[$0..<min($0 + 4, hex.count)]) }.joined(separator: "-")
    }

    /// At most 200 bytes, printable, one line.
    static func isValidComment(_ s: String) -> Bool {
        s.utf8.count <= 200 && !s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
    }
}
