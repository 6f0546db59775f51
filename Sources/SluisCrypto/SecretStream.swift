/// `crypto_secretstream_xchacha20poly1305`, byte-identical to libsodium's, with the bulk work
/// (ChaCha20 keystream and Poly1305) done by OpenSSL.
///
/// Why: the stream is sequential (each chunk's nonce mixes in the previous MAC), so it runs on one
/// core, and libsodium 1.0.18's portable ChaCha20/Poly1305 reach ~1.4 GB/s there while OpenSSL's
/// assembly reaches ~3–4 GB/s (shared/platform-notes.md, `openssl speed`). The state, its
/// initialisation (`init_pull`: HChaCha20 subkey, counter 1, inner nonce) and the rare rekey stay
/// libsodium's; only push and pull are computed here, exactly as libsodium 1.0.18 does
/// (crypto_secretstream/xchacha20poly1305/secretstream_xchacha20poly1305.c):
///
/// ```
/// nonce12  = state.counter (4, little-endian) ‖ state.inonce (8)
/// ks       = ChaCha20-IETF(state.k, nonce12) starting at block 0
/// polykey  = ks block 0 [0..<32]
/// block    = [tag, 0 × 63] XOR ks block 1            → c[0] = block[0]
/// c[1...]  = m XOR ks from block 2
/// mac      = Poly1305(polykey, block(64) ‖ c[1...] ‖ 0 × ((0x10 − 64 + mlen) & 0xf) ‖ le64(0) ‖ le64(64 + mlen))
/// then     : inonce ^= mac[0..<8]; counter += 1 (little-endian); rekey when the counter wraps to 0
/// ```
/// (no additional data is ever used, so its MAC input and padding are empty). Pull recomputes the
/// MAC over the received bytes, compares in constant time, and only then decrypts and advances.
/// `LibsodiumSecretStream` is the reference: tests check both directions chunk by chunk.
final class SecretStream {
    static let keyByteCount = 32
    static let headerByteCount = 24
    /// Bytes a chunk grows by: the encrypted tag byte and the 16-byte Poly1305 MAC.
    static let overheadByteCount = 17

    static let tagMessage = Sodium.secretStreamTagMessage
    static let tagFinal = Sodium.secretStreamTagFinal
    static let tagRekey = Sodium.secretStreamTagRekey

    /// Guarded memory: the libsodium state (k 32, nonce 12, pad 8) at 0, then scratch at `scratchOffset`:
    /// 128 bytes of keystream blocks 0–1, 16 bytes of computed MAC, 16 bytes of IV, 16 bytes of lengths.
    private let storage: SecretBytes
    private let state: UnsafeMutableRawPointer
    /// The state's key (32 bytes) and nonce (12: little-endian counter ‖ inner nonce).
    private let stateKey: UnsafeMutableRawPointer
    private let stateNonce: UnsafeMutablePointer<UInt8>
    private let scratch: UnsafeMutablePointer<UInt8>
    private let cipher: OpaquePointer
    private let macAlgorithm: OpaquePointer
    private let mac: OpaquePointer
    private static let scratchOffset = 64
    private static let zeros = [UInt8](repeating: 0, count: 16)

    /// Initialises the state from the key and the stream header with libsodium's `init_pull`
    /// (which gives the state `init_push` makes for that header). Nil when it is rejected.
    init?(key: SecretBytes, header: [UInt8]) {
        Sodium.ready()
        precondition(key.count == Self.keyByteCount)
        precondition(Sodium.secretStreamStateByteCount <= Self.scratchOffset)
        guard header.count == Self.headerByteCount else { return nil }
        storage = SecretBytes(count: Self.scratchOffset + 128 + 16 + 16 + 16)
        // swift-format-ignore: NeverForceUnwrap
        // Safe: SecretBytes always lends its sodium_malloc pointer (never nil, even for 0 bytes).
        let base = storage.withUnsafeMutableBytes { $0.baseAddress! }
        state = base
        stateKey = base + Sodium.secretStreamKeyOffset
        stateNonce = (base + Sodium.secretStreamNonceOffset).assumingMemoryBound(to: UInt8.self)
        scratch = (base + Self.scratchOffset).bindMemory(to: UInt8.self, capacity: 176)
        guard let c = OpenSSL.newChaCha20() else { return nil }
        guard let poly = OpenSSL.newPoly1305() else { OpenSSL.freeCipher(c); return nil }
        cipher = c
        macAlgorithm = poly.algorithm
        mac = poly.context
        let ok = key.withUnsafeBytes { k in
            // swift-format-ignore: NeverForceUnwrap
            // Safe: the header has 24 bytes (guard above) and the key is SecretBytes.
            header.withUnsafeBytes { Sodium.secretStreamInitPull(base, header: $0.baseAddress!, key: k.baseAddress!) }
        }
        guard ok else { return nil }
    }

    deinit {
        OpenSSL.freeCipher(cipher)
        OpenSSL.freePoly1305(algorithm: macAlgorithm, context: mac)
    }

    /// Encrypts `plaintext` into `ciphertext` (plaintext.count + 17 bytes) with `tag`.
    func push(_ plaintext: UnsafeRawBufferPointer, tag: UInt8, into ciphertext: UnsafeMutableRawBufferPointer) {
        let mlen = plaintext.count
        precondition(ciphertext.count >= mlen + Self.overheadByteCount)
        // swift-format-ignore: NeverForceUnwrap
        // Safe: the ciphertext holds at least the 17 bytes of overhead (checked above).
        let c = ciphertext.baseAddress!.assumingMemoryBound(to: UInt8.self)
        startKeystream(tagOrCipherByte: tag)
        c[0] = scratch[64]
        // swift-format-ignore: NeverForceUnwrap
        // Safe: mlen > 0 and the plaintext buffer holds mlen bytes, so it has a base address.
        if mlen > 0 { xorKeystream(plaintext.baseAddress!.assumingMemoryBound(to: UInt8.self), into: c + 1, count: mlen) }
        computeMAC(ciphertext: c + 1, count: mlen, into: c + 1 + mlen)
        advance(mac: c + 1 + mlen, tag: tag)
    }

    /// Decrypts one chunk into `plaintext` (ciphertext.count − 17 bytes); returns the tag, or nil
    /// when the chunk does not authenticate (the state is then unchanged).
    func pull(_ ciphertext: UnsafeRawBufferPointer, into plaintext: UnsafeMutableRawBufferPointer) -> UInt8? {
        guard ciphertext.count >= Self.overheadByteCount else { return nil }
        let mlen = ciphertext.count - Self.overheadByteCount
        guard plaintext.count >= mlen else { return nil }
        // swift-format-ignore: NeverForceUnwrap
        // Safe: the ciphertext holds at least the 17 bytes of overhead (checked above).
        let c = ciphertext.baseAddress!.assumingMemoryBound(to: UInt8.self)
        startKeystream(tagOrCipherByte: c[0])
        let tag = scratch[64]
        scratch[64] = c[0]
        let computed = scratch + 128
        computeMAC(ciphertext: c + 1, count: mlen, into: computed)
        guard Sodium.constantTimeEqual(computed, c + 1 + mlen, count: 16) else {
            Sodium.zero(scratch, count: 176)
            return nil
        }
        // swift-format-ignore: NeverForceUnwrap
        // Safe: mlen > 0 and the plaintext buffer holds mlen bytes, so it has a base address.
        if mlen > 0 { xorKeystream(c + 1, into: plaintext.baseAddress!.assumingMemoryBound(to: UInt8.self), count: mlen) }
        advance(mac: c + 1 + mlen, tag: tag)
        return tag
    }

    /// Keys ChaCha20 for this chunk and produces keystream blocks 0 and 1 into scratch[0..<128],
    /// with scratch[64] = byte XOR keystream: the Poly1305 key, then the tag block.
    private func startKeystream(tagOrCipherByte byte: UInt8) {
        let iv = scratch + 144
        iv[0] = 0; iv[1] = 0; iv[2] = 0; iv[3] = 0
        for i in 0..<12 { iv[4 + i] = stateNonce[i] }
        OpenSSL.chacha20SetKey(cipher, key: stateKey, iv: iv)
        Sodium.zero(scratch, count: 128)
        scratch[64] = byte
        OpenSSL.chacha20Update(cipher, scratch, into: scratch, count: 128)
    }

    /// Continues the keystream (from block 2) over `count` bytes.
    private func xorKeystream(_ input: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<UInt8>, count: Int) {
        OpenSSL.chacha20Update(cipher, input, into: output, count: count)
    }

    /// Poly1305 over the tag block (scratch[64..<128]) and the ciphertext, as libsodium lays it out.
    private func computeMAC(ciphertext: UnsafePointer<UInt8>, count mlen: Int, into out: UnsafeMutablePointer<UInt8>) {
        OpenSSL.poly1305Begin(mac, key: scratch)
        OpenSSL.poly1305Update(mac, scratch + 64, count: 64)
        if mlen > 0 { OpenSSL.poly1305Update(mac, ciphertext, count: mlen) }
        let padding = (0x10 &- 64 &+ mlen) & 0xf
        // swift-format-ignore: NeverForceUnwrap
        // Safe: `zeros` is a non-empty constant array.
        if padding > 0 { Self.zeros.withUnsafeBufferPointer { OpenSSL.poly1305Update(mac, $0.baseAddress!, count: padding) } }
        let lengths = scratch + 160
        let total = UInt64(64 + mlen)
        for i in 0..<8 { lengths[i] = 0; lengths[8 + i] = UInt8((total >> UInt64(8 * i)) & 0xff) }
        OpenSSL.poly1305Update(mac, lengths, count: 16)
        OpenSSL.poly1305Final(mac, into: out)
        Sodium.zero(scratch, count: 128)
    }

    /// inonce ^= mac[0..<8]; counter += 1; rekey (libsodium) on wrap or a REKEY tag.
    private func advance(mac: UnsafePointer<UInt8>, tag: UInt8) {
        let n = stateNonce
        for i in 0..<8 { n[4 + i] ^= mac[i] }
        var wrapped = true
        for i in 0..<4 where wrapped {
            n[i] &+= 1
            wrapped = n[i] == 0
        }
        if wrapped || tag & Self.tagRekey != 0 { Sodium.secretStreamRekey(state) }
    }
}
