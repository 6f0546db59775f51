import SluisIO

/// The header of a sluis encrypted file (docs/format.md, "Encrypted files"). All integers big-endian.
///
/// ```
/// offset      bytes  field
/// 0           8      magic "SLUISENC"
/// 8           2      format version (1)
/// 10          4      chunk size: plaintext bytes per chunk (64 … 1048576; sluis writes 65536)
/// 14          2      recipient count n (1 … 64)
/// 16          112·n  per recipient: SHA-256 of its Ed25519 public key (32) ‖ sealed file key (80)
/// 16+112n     24     secretstream header
/// 40+112n     32     header MAC = HMAC-SHA256(HKDF(fileKey, "header-mac"), bytes 0 ..< 40+112n)
/// ```
/// The header is 72 + 112·n bytes. Reading stops exactly at its end, so the source is positioned
/// at the first payload chunk. Nothing here is authenticated until `StreamDecryptor` checks the MAC.
public struct EncryptedFileHeader: Sendable {
    /// The first 8 bytes of every encrypted file: tells it from any other file before anything is parsed.
    public static let magic: [UInt8] = Array("SLUISENC".utf8)
    /// The only header version this build writes and reads.
    public static let currentVersion = 1
    /// The chunk size sluis writes: 64 KiB, large enough for AEAD overhead to vanish, small enough to stream.
    public static let defaultChunkByteCount = 65536
    /// The smallest chunk size a reader accepts (the chunk-boundary tests use it).
    public static let minimumChunkByteCount = 64
    /// The largest chunk size a reader accepts: bounds a reader's memory per chunk.
    public static let maximumChunkByteCount = 1 << 20
    /// The most recipients a header may list: bounds the header a reader must hold.
    public static let maximumRecipientCount = 64
    static let fixedPrefixByteCount = 16
    static let recipientEntryByteCount = 32 + Primitives.sealedFileKeyByteCount
    static let macByteCount = 32

    /// The header's format version.
    public let version: Int
    /// Plaintext bytes per chunk (the last chunk may be shorter, or empty).
    public let chunkByteCount: Int
    /// Per recipient, SHA-256 of its Ed25519 public key.
    public let recipientKeyHashes: [[UInt8]]
    let sealedFileKeys: [[UInt8]]
    let streamHeader: [UInt8]
    /// The complete header bytes, MAC included.
    public let bytes: [UInt8]

    /// The recipients' fingerprints, in header order (what manifests and messages show).
    public var recipientFingerprints: [String] { recipientKeyHashes.map(Recipient.fingerprint(ofKeyHash:)) }
    /// The header's length in bytes: where the first chunk starts.
    public var headerByteCount: Int { bytes.count }
    /// SHA-256 of the complete header bytes: what a manifest signs to bind itself to this file.
    public var headerSHA256: [UInt8] { SHA256Hasher.hash(bytes) }
    var authenticatedBytes: ArraySlice<UInt8> { bytes[0..<(bytes.count - Self.macByteCount)] }
    var mac: ArraySlice<UInt8> { bytes[(bytes.count - Self.macByteCount)...] }

    /// The header's length for `n` recipients: 72 + 112·n bytes.
    public static func byteCount(recipientCount n: Int) -> Int {
        fixedPrefixByteCount + n * recipientEntryByteCount + SecretStream.headerByteCount + macByteCount
    }

    /// Reads and parses a header from `source`, consuming exactly its bytes.
    public static func read(from source: any ByteSource) throws -> EncryptedFileHeader {
        var prefix = [UInt8](repeating: 0, count: fixedPrefixByteCount)
        let magicCount = try prefix.withUnsafeMutableBytes { try source.readFully(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<8])) }
        guard prefix[0..<magicCount].elementsEqual(magic[0..<magicCount]) else { throw EncryptedFileError.notAnEncryptedFile }
        guard magicCount == 8 else { throw EncryptedFileError.truncatedHeader }
        let versionCount = try prefix.withUnsafeMutableBytes { try source.readFully(into: UnsafeMutableRawBufferPointer(rebasing: $0[8..<10])) }
        guard versionCount == 2 else { throw EncryptedFileError.truncatedHeader }
        let version = Int(prefix[8]) << 8 | Int(prefix[9])
        guard version == currentVersion else { throw EncryptedFileError.unsupportedVersion(version) }
        let restCount = try prefix.withUnsafeMutableBytes { try source.readFully(into: UnsafeMutableRawBufferPointer(rebasing: $0[10..<16])) }
        guard restCount == 6 else { throw EncryptedFileError.truncatedHeader }
        let chunk = Int(prefix[10]) << 24 | Int(prefix[11]) << 16 | Int(prefix[12]) << 8 | Int(prefix[13])
        let n = Int(prefix[14]) << 8 | Int(prefix[15])
        guard chunk >= minimumChunkByteCount && chunk <= maximumChunkByteCount else {
            throw EncryptedFileError.malformedHeader("chunk size \(chunk) out of range")
        }
        guard n >= 1 && n <= maximumRecipientCount else {
            throw EncryptedFileError.malformedHeader("\(n) recipients, outside 1 to \(maximumRecipientCount)")
        }
        var bytes = prefix + [UInt8](repeating: 0, count: byteCount(recipientCount: n) - fixedPrefixByteCount)
        let got = try bytes.withUnsafeMutableBytes { try source.readFully(into: UnsafeMutableRawBufferPointer(rebasing: $0[fixedPrefixByteCount...])) }
        guard got == bytes.count - fixedPrefixByteCount else { throw EncryptedFileError.truncatedHeader }
        return parsed(bytes: bytes, version: version, chunkByteCount: chunk, recipientCount: n)
    }

    private static func parsed(bytes: [UInt8], version: Int, chunkByteCount: Int, recipientCount n: Int) -> EncryptedFileHeader {
        var hashes: [[UInt8]] = [], sealed: [[UInt8]] = []
        var at = fixedPrefixByteCount
        for _ in 0..<n {
            hashes.append(Array(bytes[at..<(at + 32)]))
            sealed.append(Array(bytes[(at + 32)..<(at + recipientEntryByteCount)]))
            at += recipientEntryByteCount
        }
        let stream = Array(bytes[at..<(at + SecretStream.headerByteCount)])
        return EncryptedFileHeader(version: version, chunkByteCount: chunkByteCount, recipientKeyHashes: hashes,
                                   sealedFileKeys: sealed, streamHeader: stream, bytes: bytes)
    }

    /// Builds the header for a file key: seals it to every recipient and MACs the result.
    /// Randomness is drawn in this order: stream header (24), then per recipient an ephemeral seed (32).
    static func build(recipients: [Recipient], fileKey: SecretBytes, chunkByteCount: Int,
                      randomness: any RandomSource) -> (header: EncryptedFileHeader, payloadKey: SecretBytes) {
        var out = magic
        appendBigEndian(UInt64(currentVersion), byteCount: 2, to: &out)
        appendBigEndian(UInt64(chunkByteCount), byteCount: 4, to: &out)
        appendBigEndian(UInt64(recipients.count), byteCount: 2, to: &out)
        let streamHeader = randomness.bytes(count: SecretStream.headerByteCount)
        for r in recipients {
            let seed = randomness.secret(count: 32)
            out += r.keyHash
            out += Primitives.seal(fileKey, to: r.x25519PublicKey, ephemeralSeed: seed)
        }
        out += streamHeader
        out += headerMAC(fileKey: fileKey, authenticated: out[...])
        let header = parsed(bytes: out, version: currentVersion, chunkByteCount: chunkByteCount, recipientCount: recipients.count)
        return (header, payloadKey(fileKey: fileKey))
    }

    // MARK: Derivations

    static let derivationSalt = Array("sluis/file/v1".utf8)

    /// HMAC-SHA256 of the header bytes before the MAC, keyed by HKDF(fileKey, info "header-mac").
    static func headerMAC(fileKey: SecretBytes, authenticated: ArraySlice<UInt8>) -> [UInt8] {
        let key = HKDF.deriveKey(inputKey: fileKey, salt: derivationSalt, info: Array("header-mac".utf8))
        let mac = HMACSHA256(key: key)
        return Array(authenticated).withUnsafeBytes { m in
            var out = [UInt8](repeating: 0, count: 32)
            out.withUnsafeMutableBytes { mac.authenticate(m, into: $0) }
            return out
        }
    }

    /// The secretstream key: HKDF(fileKey, info "payload").
    static func payloadKey(fileKey: SecretBytes) -> SecretBytes {
        HKDF.deriveKey(inputKey: fileKey, salt: derivationSalt, info: Array("payload".utf8))
    }

    /// The plaintext size implied by a payload size, or nil when no well-formed payload has that size.
    public func plaintextByteCount(payloadByteCount p: UInt64) -> (plaintext: UInt64, chunks: UInt64)? {
        let full = UInt64(chunkByteCount + SecretStream.overheadByteCount)
        let k = p / full, r = p % full
        if r >= UInt64(SecretStream.overheadByteCount) { return (k * UInt64(chunkByteCount) + r - 17, k + 1) }
        if r == 0 && k > 0 { return (k * UInt64(chunkByteCount), k) }
        return nil
    }
}

func appendBigEndian(_ v: UInt64, byteCount: Int, to out: inout [UInt8]) {
    for i in stride(from: byteCount - 1, through: 0, by: -1) { out.append(UInt8((v >> UInt64(8 * i)) & 0xff)) }
}
