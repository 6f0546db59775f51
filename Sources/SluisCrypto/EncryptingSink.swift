import SluisIO

/// Encrypts everything written to it for a set of recipients and writes the sluis encrypted file
/// format to `output`: the header at once (so `headerSHA256` is known right after `init`), then
/// secretstream chunks of `chunkByteCount` plaintext bytes as they fill, and on `finish()` the
/// final chunk (empty when the plaintext is a whole number of chunks) before finishing `output`.
///
/// Memory is a chunk buffer and a ciphertext buffer of about 1 MiB, allocated once; large writes
/// are encrypted straight from the caller's buffer without copying. Ciphertext chunks are gathered
/// and handed to `output` about 1 MiB at a time: with 64 KiB chunks written one by one, the file
/// behind copied every ciphertext byte into its own buffer first (a full extra pass over the
/// output), and the hashing sink in between made sixteen times as many calls.
public final class EncryptingSink: ByteSink {
    /// SHA-256 of the complete header bytes.
    public let headerSHA256: [UInt8]
    /// The header's length in bytes: where the first chunk starts.
    public let headerByteCount: Int
    /// Plaintext bytes per chunk.
    public let chunkByteCount: Int
    /// The recipients, duplicates removed, in the order given.
    public let recipients: [Recipient]
    /// Plaintext bytes written so far.
    public private(set) var plaintextByteCount: UInt64 = 0

    private let output: any ByteSink
    private let stream: any ChunkStream
    private let plain: UnsafeMutableRawBufferPointer
    private let cipher: UnsafeMutableRawBufferPointer
    /// Ciphertext bytes in `cipher` not yet written to `output`.
    private var cipherUsed = 0
    private var buffered = 0
    private var finished = false

    /// Starts a file for `recipients` with a fresh random file key.
    public convenience init(recipients: [Recipient], output: any ByteSink,
                            chunkByteCount: Int = EncryptedFileHeader.defaultChunkByteCount) throws {
        try self.init(recipients: recipients, output: output, chunkByteCount: chunkByteCount, randomness: SystemRandomSource())
    }

    /// Starts a file drawing all randomness from `randomness`, in this order: file key (32 bytes),
    /// stream header (24), one ephemeral seed (32) per recipient. Pass anything but the system
    /// source only to reproduce test vectors.
    public init(recipients: [Recipient], output: any ByteSink, chunkByteCount: Int, randomness: any RandomSource) throws {
        var unique: [Recipient] = []
        for r in recipients where !unique.contains(r) { unique.append(r) }
        guard !unique.isEmpty && unique.count <= EncryptedFileHeader.maximumRecipientCount else {
            throw EncryptedFileError.invalidRecipientCount(unique.count)
        }
        guard chunkByteCount >= EncryptedFileHeader.minimumChunkByteCount,
              chunkByteCount <= EncryptedFileHeader.maximumChunkByteCount else {
            throw EncryptedFileError.invalidChunkSize(chunkByteCount)
        }
        let fileKey = randomness.secret(count: Primitives.fileKeyByteCount)
        let (header, payloadKey) = EncryptedFileHeader.build(recipients: unique, fileKey: fileKey,
                                                             chunkByteCount: chunkByteCount, randomness: randomness)
        guard let stream = ChunkStreams.make(key: payloadKey, header: header.streamHeader) else {
            preconditionFailure("secretstream rejected a 24-byte header")
        }
        self.stream = stream
        self.recipients = unique
        self.output = output
        self.chunkByteCount = chunkByteCount
        self.headerSHA256 = header.headerSHA256
        self.headerByteCount = header.headerByteCount
        self.plain = .allocate(byteCount: chunkByteCount, alignment: 64)
        let gathered = max(1, Self.outputBlockByteCount / chunkByteCount)
        self.cipher = .allocate(byteCount: gathered * (chunkByteCount + SecretStream.overheadByteCount), alignment: 64)
        try output.write(header.bytes)
    }

    /// Buffers `bytes` and encrypts every full chunk; the last, final-tagged chunk waits for `finish()`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "write after finish")
        guard bytes.count > 0 else { return }
        plaintextByteCount += UInt64(bytes.count)
        var offset = 0
        // Top up a partly filled buffer first.
        if buffered > 0 {
            let n = min(chunkByteCount - buffered, bytes.count)
            // swift-format-ignore: NeverForceUnwrap
            // Safe: `plain` is allocated once; `bytes` is not empty (guard above).
            (plain.baseAddress! + buffered).copyMemory(from: bytes.baseAddress!, byteCount: n)
            buffered += n
            offset = n
            if buffered == chunkByteCount {
                try pushChunk(UnsafeRawBufferPointer(plain), tag: SecretStream.tagMessage)
                buffered = 0
            }
        }
        // Whole chunks straight from the caller's buffer. A full chunk is never the final one: if
        // nothing follows, `finish()` writes an empty final chunk.
        while bytes.count - offset >= chunkByteCount {
            try pushChunk(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + chunkByteCount)]), tag: SecretStream.tagMessage)
            offset += chunkByteCount
        }
        if offset < bytes.count {
            let n = bytes.count - offset
            // swift-format-ignore: NeverForceUnwrap
            // Safe: `plain` is allocated once; offset < bytes.count, so `bytes` is not empty.
            (plain.baseAddress! + buffered).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            buffered += n
        }
    }

    /// Writes the final chunk and finishes `output`. Calling it twice does nothing more.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try pushChunk(UnsafeRawBufferPointer(rebasing: plain[0..<buffered]), tag: SecretStream.tagFinal)
        buffered = 0
        Sodium.zero(plain)
        try flushCipher()
        try output.finish()
    }

    /// The size of the writes to `output` (whole chunks, at least one).
    static let outputBlockByteCount = 1 << 20

    private func pushChunk(_ chunk: UnsafeRawBufferPointer, tag: UInt8) throws {
        let n = chunk.count + SecretStream.overheadByteCount
        if cipherUsed + n > cipher.count { try flushCipher() }
        stream.push(chunk, tag: tag, into: UnsafeMutableRawBufferPointer(rebasing: cipher[cipherUsed..<(cipherUsed + n)]))
        cipherUsed += n
        if cipherUsed + chunkByteCount + SecretStream.overheadByteCount > cipher.count { try flushCipher() }
    }

    private func flushCipher() throws {
        guard cipherUsed > 0 else { return }
        let n = cipherUsed
        cipherUsed = 0
        try output.write(UnsafeRawBufferPointer(rebasing: cipher[0..<n]))
    }

    deinit {
        Sodium.zero(plain)
        plain.deallocate()
        cipher.deallocate()
    }
}

extension EncryptingSink {
    /// For test vectors only: encrypts `plaintext` (a non-empty whole number of chunks) ending with a
    /// FULL chunk tagged final — a shape sluis never writes but that readers accept, needed to
    /// show that bytes after a final chunk are reported as trailing data.
    public static func vectorEndingWithFullFinalChunk(_ plaintext: [UInt8], recipients: [Recipient], chunkByteCount: Int,
                                                      randomness: any RandomSource) -> [UInt8] {
        precondition(!plaintext.isEmpty && plaintext.count % chunkByteCount == 0)
        let fileKey = randomness.secret(count: Primitives.fileKeyByteCount)
        let (header, payloadKey) = EncryptedFileHeader.build(recipients: recipients, fileKey: fileKey,
                                                             chunkByteCount: chunkByteCount, randomness: randomness)
        guard let stream = ChunkStreams.make(key: payloadKey, header: header.streamHeader) else { preconditionFailure() }
        var out = header.bytes
        var chunk = [UInt8](repeating: 0, count: chunkByteCount + SecretStream.overheadByteCount)
        for start in stride(from: 0, to: plaintext.count, by: chunkByteCount) {
            let tag = start + chunkByteCount == plaintext.count ? SecretStream.tagFinal : SecretStream.tagMessage
            plaintext.withUnsafeBytes { p in
                chunk.withUnsafeMutableBytes {
                    stream.push(UnsafeRawBufferPointer(rebasing: p[start..<(start + chunkByteCount)]), tag: tag, into: $0)
                }
            }
            out += chunk
        }
        return out
    }
}
