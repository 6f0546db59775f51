import CSodium

/// The one file that imports libsodium (habit 1: one small wrapper per C library), and its
/// one-time initialisation: every entry point that uses libsodium calls `Sodium.ready()`.
///
/// Why: auditing what sluis asks of libsodium means reading this page. It wraps guarded memory
/// (`sodium_malloc`/`sodium_free`, used by `SecretBytes`), random bytes, constant-time comparison
/// and zeroing, Ed25519 and its conversion to X25519, `crypto_box` sealed file keys, Argon2id,
/// XChaCha20-Poly1305 (IETF), constant-time base64 and the `crypto_secretstream_xchacha20poly1305`
/// state (`SecretStream` computes push/pull itself with OpenSSL; `LibsodiumSecretStream` is the
/// reference). `Primitives` says which construction each key and file uses. No libsodium type
/// leaves this file: keys and states are raw pointers to memory the caller owns (guarded memory
/// for secrets); every function is a thin `@inline(__always)` call.
public enum Sodium {
    private static let initialised: Bool = sodium_init() >= 0

    /// Initialises libsodium once; traps if the library cannot start (no usable random source),
    /// because no key or nonce could safely be made then.
    public static func ready() {
        precondition(initialised, "libsodium could not be initialised")
    }

    /// Fills `buffer` with cryptographically secure random bytes.
    public static func randomBytes(_ buffer: UnsafeMutableRawBufferPointer) {
        ready()
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        randombytes_buf(base, buffer.count)
    }

    /// `count` cryptographically secure random bytes.
    public static func randomBytes(count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { randomBytes($0) }
        return out
    }

    /// Compares two equal-length buffers in constant time.
    public static func constantTimeEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        if a.count == 0 { return true }
        return sodium_memcmp(a.baseAddress, b.baseAddress, a.count) == 0
    }

    /// Compares two byte arrays in constant time (the lengths are not secret).
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in constantTimeEqual(pa, pb) } }
    }

    /// Overwrites memory with zeros in a way the compiler cannot remove.
    public static func zero(_ buffer: UnsafeMutableRawBufferPointer) {
        if buffer.count > 0 { sodium_memzero(buffer.baseAddress, buffer.count) }
    }

    /// Zeroes `count` bytes at `pointer` in a way the compiler cannot remove.
    @inline(__always)
    static func zero(_ pointer: UnsafeMutableRawPointer, count: Int) { sodium_memzero(pointer, count) }

    /// Compares `count` bytes in constant time.
    @inline(__always)
    static func constantTimeEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        sodium_memcmp(a, b, count) == 0
    }

    // MARK: Guarded memory

    /// `count` bytes between guard pages, `mlock`ed, with a canary; nil when it cannot be had.
    @inline(__always)
    static func guardedAllocate(_ count: Int) -> UnsafeMutableRawPointer? { sodium_malloc(count) }

    /// Zeroes and frees memory from `guardedAllocate` (traps on a damaged canary).
    @inline(__always)
    static func guardedFree(_ pointer: UnsafeMutableRawPointer) { sodium_free(pointer) }
}

// MARK: - Typed pointers

@inline(__always) private func u8(_ p: UnsafeRawPointer) -> UnsafePointer<UInt8> { p.assumingMemoryBound(to: UInt8.self) }
@inline(__always) private func u8(_ p: UnsafeMutableRawPointer) -> UnsafeMutablePointer<UInt8> { p.assumingMemoryBound(to: UInt8.self) }
/// The bytes of a possibly empty buffer as the non-null pointer libsodium's prototypes declare:
/// an empty buffer may have no address, and libsodium reads no byte of a zero-length input.
@inline(__always) private func u8(_ b: UnsafeRawBufferPointer) -> UnsafePointer<UInt8> {
    b.baseAddress.map(u8) ?? StaticString("").utf8Start
}

// MARK: - Public-key and secret-key constructions (used by `Primitives`)

extension Sodium {
    /// `crypto_sign_seed_keypair`: 32-byte public key and 64-byte secret key of a 32-byte seed.
    @inline(__always)
    static func ed25519SeedKeyPair(publicKey: UnsafeMutableRawPointer, secretKey: UnsafeMutableRawPointer, seed: UnsafeRawPointer) {
        _ = crypto_sign_seed_keypair(u8(publicKey), u8(secretKey), u8(seed))
    }

    /// `crypto_sign_ed25519_pk_to_curve25519`; false when the bytes are not a valid point.
    @inline(__always)
    static func ed25519PublicKeyToX25519(_ out: UnsafeMutableRawPointer, _ publicKey: UnsafeRawPointer) -> Bool {
        crypto_sign_ed25519_pk_to_curve25519(u8(out), u8(publicKey)) == 0
    }

    /// `crypto_sign_ed25519_sk_to_curve25519`.
    @inline(__always)
    static func ed25519SecretKeyToX25519(_ out: UnsafeMutableRawPointer, _ secretKey: UnsafeRawPointer) {
        _ = crypto_sign_ed25519_sk_to_curve25519(u8(out), u8(secretKey))
    }

    /// `crypto_sign_detached`: a 64-byte signature into `signature`.
    @inline(__always)
    static func ed25519Sign(_ signature: UnsafeMutableRawPointer, message: UnsafeRawBufferPointer, secretKey: UnsafeRawPointer) {
        _ = crypto_sign_detached(u8(signature), nil, message.baseAddress.map(u8), UInt64(message.count), u8(secretKey))
    }

    /// `crypto_sign_verify_detached`.
    @inline(__always)
    static func ed25519Verify(_ signature: UnsafeRawPointer, message: UnsafeRawBufferPointer, publicKey: UnsafeRawPointer) -> Bool {
        crypto_sign_verify_detached(u8(signature), message.baseAddress.map(u8), UInt64(message.count), u8(publicKey)) == 0
    }

    /// `crypto_box_seed_keypair`: X25519 key pair of a 32-byte seed.
    @inline(__always)
    static func boxSeedKeyPair(publicKey: UnsafeMutableRawPointer, secretKey: UnsafeMutableRawPointer, seed: UnsafeRawPointer) {
        _ = crypto_box_seed_keypair(u8(publicKey), u8(secretKey), u8(seed))
    }

    /// `crypto_generichash` (BLAKE2b) of `input` into `outCount` bytes, unkeyed.
    @inline(__always)
    static func blake2b(_ out: UnsafeMutableRawPointer, outCount: Int, _ input: UnsafeRawBufferPointer) {
        _ = crypto_generichash(u8(out), outCount, input.baseAddress.map(u8), UInt64(input.count), nil, 0)
    }

    /// `crypto_box_easy`: MAC (16) ‖ ciphertext into `out` (message.count + 16 bytes).
    @inline(__always)
    static func boxEasy(_ out: UnsafeMutableRawPointer, message: UnsafeRawBufferPointer, nonce: UnsafeRawPointer,
                        publicKey: UnsafeRawPointer, secretKey: UnsafeRawPointer) {
        _ = crypto_box_easy(u8(out), u8(message), UInt64(message.count), u8(nonce), u8(publicKey), u8(secretKey))
    }

    /// `crypto_box_seal_open`; false when it does not authenticate.
    @inline(__always)
    static func boxSealOpen(_ out: UnsafeMutableRawPointer, sealed: UnsafeRawBufferPointer,
                            publicKey: UnsafeRawPointer, secretKey: UnsafeRawPointer) -> Bool {
        crypto_box_seal_open(u8(out), u8(sealed), UInt64(sealed.count), u8(publicKey), u8(secretKey)) == 0
    }

    /// `crypto_pwhash` with Argon2id13 into `outCount` bytes; false when libsodium refuses.
    @inline(__always)
    static func argon2id(_ out: UnsafeMutableRawPointer, outCount: Int, passphrase: UnsafeRawBufferPointer,
                         salt: UnsafeRawPointer, opsLimit: UInt64, memLimitBytes: Int) -> Bool {
        crypto_pwhash(u8(out), UInt64(outCount), UnsafeRawPointer(u8(passphrase)).assumingMemoryBound(to: CChar.self),
                      UInt64(passphrase.count), u8(salt), opsLimit, memLimitBytes, crypto_pwhash_alg_argon2id13()) == 0
    }

    /// `crypto_aead_xchacha20poly1305_ietf_encrypt`: ciphertext ‖ 16-byte tag into `out`.
    @inline(__always)
    static func xchacha20Poly1305Encrypt(_ out: UnsafeMutableRawPointer, message: UnsafeRawBufferPointer,
                                         additionalData: UnsafeRawBufferPointer, nonce: UnsafeRawPointer, key: UnsafeRawPointer) {
        var outLength: UInt64 = 0
        _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
            u8(out), &outLength, message.baseAddress.map(u8), UInt64(message.count),
            additionalData.baseAddress.map(u8), UInt64(additionalData.count), nil, u8(nonce), u8(key))
    }

    /// `crypto_aead_xchacha20poly1305_ietf_decrypt`; false when it does not authenticate.
    @inline(__always)
    static func xchacha20Poly1305Decrypt(_ out: UnsafeMutableRawPointer, ciphertext: UnsafeRawBufferPointer,
                                         additionalData: UnsafeRawBufferPointer, nonce: UnsafeRawPointer, key: UnsafeRawPointer) -> Bool {
        var outLength: UInt64 = 0
        return crypto_aead_xchacha20poly1305_ietf_decrypt(
            u8(out), &outLength, nil, u8(ciphertext), UInt64(ciphertext.count),
            additionalData.baseAddress.map(u8), UInt64(additionalData.count), u8(nonce), u8(key)) == 0
    }

    // MARK: Base64 (standard alphabet with padding; libsodium's decoder runs in constant time)

    /// Length of the encoding of `byteCount` bytes, including the terminating NUL.
    @inline(__always)
    static func base64EncodedLengthWithNUL(_ byteCount: Int) -> Int {
        sodium_base64_encoded_len(byteCount, Int32(sodium_base64_VARIANT_ORIGINAL))
    }

    /// Encodes `bytes` into `out` (`base64EncodedLengthWithNUL(bytes.count)` bytes, NUL-terminated).
    @inline(__always)
    static func base64Encode(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer, outCount: Int) {
        _ = sodium_bin2base64(out.assumingMemoryBound(to: CChar.self), outCount, bytes.baseAddress.map(u8), bytes.count,
                              Int32(sodium_base64_VARIANT_ORIGINAL))
    }

    /// Decodes base64 text into `out`; the number of bytes written, or nil when the text is invalid.
    @inline(__always)
    static func base64Decode(_ text: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int? {
        var written = 0
        let rc = sodium_base642bin(UnsafeMutablePointer(mutating: u8(UnsafeRawBufferPointer(out))), out.count, UnsafeRawPointer(u8(text)).assumingMemoryBound(to: CChar.self), text.count,
                                   nil, &written, nil, Int32(sodium_base64_VARIANT_ORIGINAL))
        return rc == 0 ? written : nil
    }
}

// MARK: - crypto_secretstream_xchacha20poly1305 (used by `SecretStream` and `LibsodiumSecretStream`)

extension Sodium {
    /// The state's layout: key (32 bytes) at `secretStreamKeyOffset`, nonce (12: counter ‖ inner
    /// nonce) at `secretStreamNonceOffset`, padding; `secretStreamStateByteCount` in all.
    static let secretStreamStateByteCount = max(crypto_secretstream_xchacha20poly1305_statebytes(),
                                                MemoryLayout<crypto_secretstream_xchacha20poly1305_state>.stride)
    // swift-format-ignore: NeverForceUnwrap
    // Safe: `k` is a stored field of the C struct, so it has an offset.
    static let secretStreamKeyOffset = MemoryLayout<crypto_secretstream_xchacha20poly1305_state>.offset(of: \.k)!
    // swift-format-ignore: NeverForceUnwrap
    // Safe: `nonce` is a stored field of the C struct, so it has an offset.
    static let secretStreamNonceOffset = MemoryLayout<crypto_secretstream_xchacha20poly1305_state>.offset(of: \.nonce)!
    static let secretStreamTagMessage = crypto_secretstream_xchacha20poly1305_tag_message()
    static let secretStreamTagFinal = crypto_secretstream_xchacha20poly1305_tag_final()
    static let secretStreamTagRekey = crypto_secretstream_xchacha20poly1305_tag_rekey()

    @inline(__always)
    private static func streamState(_ p: UnsafeMutableRawPointer) -> UnsafeMutablePointer<crypto_secretstream_xchacha20poly1305_state> {
        p.assumingMemoryBound(to: crypto_secretstream_xchacha20poly1305_state.self)
    }

    /// `init_pull`: the state for a 32-byte key and 24-byte header; false when rejected.
    static func secretStreamInitPull(_ state: UnsafeMutableRawPointer, header: UnsafeRawPointer, key: UnsafeRawPointer) -> Bool {
        crypto_secretstream_xchacha20poly1305_init_pull(streamState(state), u8(header), u8(key)) == 0
    }

    /// `init_push`: a fresh random 24-byte header into `header` and the state for it.
    static func secretStreamInitPush(_ state: UnsafeMutableRawPointer, header: UnsafeMutableRawPointer, key: UnsafeRawPointer) -> Bool {
        crypto_secretstream_xchacha20poly1305_init_push(streamState(state), u8(header), u8(key)) == 0
    }

    /// The rekey step (on a REKEY tag or when the counter wraps).
    @inline(__always)
    static func secretStreamRekey(_ state: UnsafeMutableRawPointer) {
        crypto_secretstream_xchacha20poly1305_rekey(streamState(state))
    }

    /// libsodium's own push: `plaintext.count + 17` bytes into `out`.
    @inline(__always)
    static func secretStreamPush(_ state: UnsafeMutableRawPointer, into out: UnsafeMutableRawPointer,
                                 _ plaintext: UnsafeRawBufferPointer, tag: UInt8) {
        var written: UInt64 = 0
        _ = crypto_secretstream_xchacha20poly1305_push(streamState(state), u8(out), &written,
                                                       plaintext.baseAddress.map(u8), UInt64(plaintext.count), nil, 0, tag)
    }

    /// libsodium's own pull: the tag, or nil when the chunk does not authenticate.
    @inline(__always)
    static func secretStreamPull(_ state: UnsafeMutableRawPointer, into out: UnsafeMutableRawPointer?,
                                 _ ciphertext: UnsafeRawBufferPointer) -> UInt8? {
        var written: UInt64 = 0
        var tag: UInt8 = 0
        let rc = crypto_secretstream_xchacha20poly1305_pull(streamState(state), out.map(u8), &written, &tag,
                                                            ciphertext.baseAddress.map(u8), UInt64(ciphertext.count), nil, 0)
        return rc == 0 ? tag : nil
    }
}
