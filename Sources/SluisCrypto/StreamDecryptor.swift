import SluisIO

/// What a successful decryption saw.
public struct DecryptionSummary: Sendable, Equatable {
    /// SHA-256 of the header bytes, to compare with the hash a manifest signed.
    public let headerSHA256: [UInt8]
    /// Plaintext bytes written to the sink.
    public let plaintextByteCount: UInt64
    /// Chunks decrypted, the final one included.
    public let chunkCount: Int
}

/// Decrypts a sluis encrypted file: header checks, then every chunk in order, then end of file.
///
/// Order of checks (docs/format.md, "Decrypting"): magic, version, header fields; a recipient entry
/// for this identity ("no match" otherwise); the sealed file key opens; the header MAC verifies —
/// all before any chunk is read. Each chunk authenticates (secretstream's counter catches
/// reordering and dropping); the stream must end with a final-tagged chunk and nothing after it.
///
/// The sink receives plaintext chunk by chunk, before the final tag is verified; `finish()` is
/// called on it only after every check passed. A caller that must not release unverified
/// plaintext writes into an `AtomicFile` and commits only after `decrypt` returns.
public enum StreamDecryptor {
    /// Decrypts `source` for `identity` into `sink`, checking everything above; throws at the first check that fails.
    @discardableResult
    public static func decrypt(from source: any ByteSource, identity: Identity, into sink: any ByteSink) throws -> DecryptionSummary {
        let header = try EncryptedFileHeader.read(from: source)
        let fileKey = try unwrapFileKey(header: header, identity: identity)
        let expected = EncryptedFileHeader.headerMAC(fileKey: fileKey, authenticated: header.authenticatedBytes)
        guard Sodium.constantTimeEqual(expected, Array(header.mac)) else { throw EncryptedFileError.headerAuthenticationFailed }
        guard let stream = ChunkStreams.make(key: EncryptedFileHeader.payloadKey(fileKey: fileKey), header: header.streamHeader) else {
            throw EncryptedFileError.headerAuthenticationFailed
        }
        let (count, chunks) = try pullChunks(from: source, stream: stream, chunkByteCount: header.chunkByteCount, into: sink)
        try sink.finish()
        return DecryptionSummary(headerSHA256: header.headerSHA256, plaintextByteCount: count, chunkCount: chunks)
    }

    /// Finds this identity among the recipients and opens its sealed file key.
    static func unwrapFileKey(header: EncryptedFileHeader, identity: Identity) throws -> SecretBytes {
        let mine = identity.recipient.keyHash
        var matched = false
        for (i, hash) in header.recipientKeyHashes.enumerated() where hash == mine {
            matched = true
            if let key = identity.openSealedFileKey(header.sealedFileKeys[i]) { return key }
        }
        if matched { throw EncryptedFileError.wrappedKeyDamaged(identity: identity.recipient.fingerprint) }
        throw EncryptedFileError.noMatchingRecipient(identity: identity.recipient.fingerprint,
                                                     recipients: header.recipientFingerprints)
    }

    private static func pullChunks(from source: any ByteSource, stream: any ChunkStream, chunkByteCount: Int,
                                   into sink: any ByteSink) throws -> (UInt64, Int) {
        let full = chunkByteCount + SecretStream.overheadByteCount
        let cipher = UnsafeMutableRawBufferPointer.allocate(byteCount: full, alignment: 64)
        let plain = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkByteCount, alignment: 64)
        defer {
            Sodium.zero(plain)
            plain.deallocate()
            cipher.deallocate()
        }
        var index = 0
        var total: UInt64 = 0
        while true {
            let n = try source.readFully(into: cipher)
            if n == 0 { throw EncryptedFileError.truncated(chunkCount: index) }
            guard let tag = stream.pull(UnsafeRawBufferPointer(rebasing: cipher[0..<n]), into: plain) else {
                throw n < full ? EncryptedFileError.lastChunkAuthenticationFailed(chunkIndex: index)
                               : EncryptedFileError.payloadAuthenticationFailed(chunkIndex: index)
            }
            let m = n - SecretStream.overheadByteCount
            if tag == SecretStream.tagFinal {
                var probe: UInt8 = 0
                if try withUnsafeMutableBytes(of: &probe, { try source.read(into: $0) }) > 0 {
                    throw EncryptedFileError.trailingData(chunkCount: index + 1)
                }
                try sink.write(UnsafeRawBufferPointer(rebasing: plain[0..<m]))
                return (total + UInt64(m), index + 1)
            }
            guard tag == SecretStream.tagMessage else { throw EncryptedFileError.payloadAuthenticationFailed(chunkIndex: index) }
            // A short chunk that is not final means the stream stopped early.
            guard n == full else { throw EncryptedFileError.truncated(chunkCount: index + 1) }
            try sink.write(UnsafeRawBufferPointer(rebasing: plain[0..<m]))
            total += UInt64(m)
            index += 1
        }
    }
}
