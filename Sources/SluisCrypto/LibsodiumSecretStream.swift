import CSodium

/// libsodium's own `crypto_secretstream_xchacha20poly1305` push/pull, kept as the reference that
/// `SecretStream` (the same construction computed with OpenSSL's faster ChaCha20 and Poly1305) is
/// tested against, chunk by chunk, in both directions.
///
/// Why the push side is initialised with `init_pull`: `init_push` draws the 24-byte stream header
/// from libsodium's random source, which a test vector cannot inject. Both functions derive the
/// same state from (key, header) — HChaCha20 subkey, counter 1, inner nonce — so initialising
/// from a header we drew ourselves gives exactly the state `init_push` would have produced for
/// that header; a test checks that a stream made by libsodium's `init_push` is pulled by sluis.
final class LibsodiumSecretStream {
    static let keyByteCount = SecretStream.keyByteCount
    static let headerByteCount = SecretStream.headerByteCount
    static let overheadByteCount = SecretStream.overheadByteCount

    private let storage: SecretBytes
    private var state: UnsafeMutablePointer<crypto_secretstream_xchacha20poly1305_state>

    /// Initialises the state from the key and the stream header (for pushing and for pulling).
    /// Returns nil when libsodium rejects the header.
    init?(key: SecretBytes, header: [UInt8]) {
        Sodium.ready()
        precondition(key.count == Self.keyByteCount)
        guard header.count == Self.headerByteCount else { return nil }
        storage = SecretBytes(count: max(crypto_secretstream_xchacha20poly1305_statebytes(),
                                         MemoryLayout<crypto_secretstream_xchacha20poly1305_state>.stride))
        state = storage.withUnsafeMutableBytes {
            // swift-format-ignore: NeverForceUnwrap
            // Safe: SecretBytes always lends its sodium_malloc pointer (never nil, even for 0 bytes).
            $0.baseAddress!.bindMemory(to: crypto_secretstream_xchacha20poly1305_state.self, capacity: 1)
        }
        let rc = key.withUnsafeBytes { k in
            // swift-format-ignore: NeverForceUnwrap
            // Safe: SecretBytes always lends its sodium_malloc pointer (never nil, even for 0 bytes).
            crypto_secretstream_xchacha20poly1305_init_pull(state, header, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard rc == 0 else { return nil }
    }

    /// Encrypts `plaintext` into `ciphertext` (plaintext.count + 17 bytes) with `tag`.
    func push(_ plaintext: UnsafeRawBufferPointer, tag: UInt8, into ciphertext: UnsafeMutableRawBufferPointer) {
        precondition(ciphertext.count >= plaintext.count + Self.overheadByteCount)
        var written: UInt64 = 0
        // swift-format-ignore: NeverForceUnwrap
        // Safe: ciphertext.count >= plaintext.count + 17 (precondition), so it has a base address.
        _ = crypto_secretstream_xchacha20poly1305_push(
            state, ciphertext.baseAddress!.assumingMemoryBound(to: UInt8.self), &written,
            plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(plaintext.count), nil, 0, tag)
    }

    /// Decrypts one chunk into `plaintext` (ciphertext.count − 17 bytes); returns the tag, or nil
    /// when the chunk does not authenticate (changed, reordered, from another stream, cut short).
    func pull(_ ciphertext: UnsafeRawBufferPointer, into plaintext: UnsafeMutableRawBufferPointer) -> UInt8? {
        guard ciphertext.count >= Self.overheadByteCount,
              plaintext.count >= ciphertext.count - Self.overheadByteCount else { return nil }
        var written: UInt64 = 0
        var tag: UInt8 = 0
        // swift-format-ignore: NeverForceUnwrap
        // Safe: ciphertext.count >= 17 (guard); plaintext is the caller's allocated chunk buffer (StreamDecryptor, ChunkStream).
        let rc = crypto_secretstream_xchacha20poly1305_pull(
            state, plaintext.baseAddress!.assumingMemoryBound(to: UInt8.self), &written, &tag,
            ciphertext.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(ciphertext.count), nil, 0)
        return rc == 0 ? tag : nil
    }
}
