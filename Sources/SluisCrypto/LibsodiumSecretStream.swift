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
    /// The libsodium state, in `storage` (guarded memory, stable for its lifetime).
    private let state: UnsafeMutableRawPointer

    /// Initialises the state from the key and the stream header (for pushing and for pulling).
    /// Returns nil when libsodium rejects the header.
    init?(key: SecretBytes, header: [UInt8]) {
        Sodium.ready()
        precondition(key.count == Self.keyByteCount)
        guard header.count == Self.headerByteCount else { return nil }
        storage = SecretBytes(count: Sodium.secretStreamStateByteCount)
        // swift-format-ignore: NeverForceUnwrap
        // Safe: SecretBytes always lends its sodium_malloc pointer (never nil, even for 0 bytes).
        state = storage.withUnsafeMutableBytes { $0.baseAddress! }
        let ok = key.withUnsafeBytes { k in
            // swift-format-ignore: NeverForceUnwrap
            // Safe: the header has 24 bytes (guard above) and the key is SecretBytes.
            header.withUnsafeBytes { Sodium.secretStreamInitPull(state, header: $0.baseAddress!, key: k.baseAddress!) }
        }
        guard ok else { return nil }
    }

    /// libsodium's `init_push` under `key`: a stream with a header libsodium drew itself, and
    /// that header (to check that sluis pulls what libsodium pushes).
    static func initPush(key: SecretBytes) -> (stream: LibsodiumSecretStream, header: [UInt8])? {
        Sodium.ready()
        precondition(key.count == keyByteCount)
        // Any header gives a valid stream object; init_push then overwrites its state and header.
        var header = [UInt8](repeating: 0, count: headerByteCount)
        guard let stream = LibsodiumSecretStream(key: key, header: header) else { return nil }
        let ok = key.withUnsafeBytes { k in
            // swift-format-ignore: NeverForceUnwrap
            // Safe: the header has 24 bytes and the key is SecretBytes.
            header.withUnsafeMutableBytes { Sodium.secretStreamInitPush(stream.state, header: $0.baseAddress!, key: k.baseAddress!) }
        }
        return ok ? (stream, header) : nil
    }

    /// Encrypts `plaintext` into `ciphertext` (plaintext.count + 17 bytes) with `tag`.
    func push(_ plaintext: UnsafeRawBufferPointer, tag: UInt8, into ciphertext: UnsafeMutableRawBufferPointer) {
        precondition(ciphertext.count >= plaintext.count + Self.overheadByteCount)
        // swift-format-ignore: NeverForceUnwrap
        // Safe: the ciphertext holds at least the 17 bytes of overhead (precondition above).
        Sodium.secretStreamPush(state, into: ciphertext.baseAddress!, plaintext, tag: tag)
    }

    /// Decrypts one chunk into `plaintext` (ciphertext.count − 17 bytes); returns the tag, or nil
    /// when the chunk does not authenticate (changed, reordered, from another stream, cut short).
    func pull(_ ciphertext: UnsafeRawBufferPointer, into plaintext: UnsafeMutableRawBufferPointer) -> UInt8? {
        guard ciphertext.count >= Self.overheadByteCount,
              plaintext.count >= ciphertext.count - Self.overheadByteCount else { return nil }
        return Sodium.secretStreamPull(state, into: plaintext.baseAddress, ciphertext)
    }
}
