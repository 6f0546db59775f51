import COpenSSL

/// The one file that imports OpenSSL (habit 1: one small wrapper per C library).
///
/// Why: sluis takes three things from OpenSSL, each because its assembly is several times faster
/// than libsodium's portable code on the one core a sequential stream runs on
/// (shared/platform-notes.md): SHA-256 and SHA-1 through EVP (`SHA256Hasher`, `ChecksumHasher`),
/// SHA-256's state and compression function (`HMACSHA256`'s precomputed keyed states), and
/// ChaCha20 and Poly1305 through EVP (`SecretStream`). Auditing what sluis asks of OpenSSL means
/// reading this page. No OpenSSL type leaves this file: contexts are `OpaquePointer`s owned by
/// the Swift classes that create them (and free them in `deinit`), and SHA-256 states are raw
/// memory of `sha256StateByteCount` bytes that the caller keeps (in guarded memory, as they
/// are key material). Every function is a thin `@inline(__always)` call, so the hot paths
/// (one HMAC per identifier, one cipher update per chunk) compile to the same code as calling
/// OpenSSL directly.
enum OpenSSL {
    // MARK: EVP message digests

    /// The digests sluis uses.
    enum Digest {
        case sha1, sha256
    }

    /// A new digest context set up for `digest`; free it with `freeDigest`. Traps when OpenSSL
    /// cannot allocate (nothing sensible can follow).
    @inline(__always)
    static func newDigest(_ digest: Digest) -> OpaquePointer {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed") }
        let md = digest == .sha1 ? EVP_sha1() : EVP_sha256()
        guard EVP_DigestInit_ex(ctx, md, nil) == 1 else { fatalError("EVP_DigestInit_ex failed") }
        return ctx
    }

    @inline(__always)
    static func updateDigest(_ ctx: OpaquePointer, _ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { EVP_DigestUpdate(ctx, bytes.baseAddress, bytes.count) }
    }

    /// Writes the digest to `out` (room for 64 bytes) and returns its length.
    @inline(__always)
    static func finalDigest(_ ctx: OpaquePointer, into out: UnsafeMutableRawPointer) -> Int {
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(ctx, out.assumingMemoryBound(to: UInt8.self), &length)
        return Int(length)
    }

    @inline(__always)
    static func freeDigest(_ ctx: OpaquePointer) { EVP_MD_CTX_free(ctx) }

    // MARK: SHA-256 state and compression function

    /// Bytes of one SHA-256 state (`SHA256_CTX`).
    static let sha256StateByteCount = MemoryLayout<SHA256_CTX>.stride
    /// Whether the state starts with the eight hash words h[0..7] (native-endian), which
    /// `HMACSHA256`'s one-block path reads and writes directly.
    static let sha256StateStartsWithHashWords = MemoryLayout<SHA256_CTX>.offset(of: \SHA256_CTX.h) == 0

    @inline(__always)
    private static func state(_ p: UnsafeMutableRawPointer) -> UnsafeMutablePointer<SHA256_CTX> {
        p.assumingMemoryBound(to: SHA256_CTX.self)
    }

    @inline(__always)
    static func sha256Init(_ state: UnsafeMutableRawPointer) { SHA256_Init(Self.state(state)) }

    @inline(__always)
    static func sha256Update(_ state: UnsafeMutableRawPointer, _ bytes: UnsafeRawPointer?, count: Int) {
        SHA256_Update(Self.state(state), bytes, count)
    }

    /// Ends the hash: the 32-byte digest goes to `out`.
    @inline(__always)
    static func sha256Final(_ state: UnsafeMutableRawPointer, into out: UnsafeMutableRawPointer) {
        SHA256_Final(out.assumingMemoryBound(to: UInt8.self), Self.state(state))
    }

    /// One run of the compression function over a 64-byte block (no padding, no bookkeeping).
    @inline(__always)
    static func sha256Transform(_ state: UnsafeMutableRawPointer, block: UnsafeRawPointer) {
        SHA256_Transform(Self.state(state), block.assumingMemoryBound(to: UInt8.self))
    }

    /// Copies a whole state (`to = from`).
    @inline(__always)
    static func sha256CopyState(from: UnsafeMutableRawPointer, to: UnsafeMutableRawPointer) {
        Self.state(to).pointee = Self.state(from).pointee
    }

    /// The parts of a SHA-256 state that a resumable hash saves (`ResumableSHA256`): the eight
    /// hash words, the bytes hashed so far and the bytes of the block not yet compressed.
    static func sha256ExportState(_ state: UnsafeMutableRawPointer) -> (words: [UInt32], byteCount: UInt64, pending: [UInt8]) {
        let ctx = Self.state(state)
        let words = withUnsafeBytes(of: &ctx.pointee.h) { raw in (0..<8).map { raw.load(fromByteOffset: 4 * $0, as: UInt32.self) } }
        let byteCount = (UInt64(ctx.pointee.Nh) << 32 | UInt64(ctx.pointee.Nl)) / 8
        let pending = withUnsafeBytes(of: &ctx.pointee.data) { Array($0.prefix(Int(byteCount % 64))) }
        return (words, byteCount, pending)
    }

    /// Sets a state from parts saved by `sha256ExportState`; `pending` must hold
    /// `byteCount mod 64` bytes.
    static func sha256ImportState(_ state: UnsafeMutableRawPointer, words: [UInt32], byteCount: UInt64, pending: [UInt8]) {
        precondition(words.count == 8 && UInt64(pending.count) == byteCount % 64)
        let ctx = Self.state(state)
        SHA256_Init(ctx)
        withUnsafeMutableBytes(of: &ctx.pointee.h) { raw in
            for (i, w) in words.enumerated() { raw.storeBytes(of: w, toByteOffset: 4 * i, as: UInt32.self) }
        }
        let bits = byteCount &* 8
        ctx.pointee.Nl = UInt32(truncatingIfNeeded: bits)
        ctx.pointee.Nh = UInt32(truncatingIfNeeded: bits >> 32)
        withUnsafeMutableBytes(of: &ctx.pointee.data) { raw in
            for (i, b) in pending.enumerated() { raw[i] = b }
        }
        ctx.pointee.num = UInt32(pending.count)
    }

    /// OpenSSL's one-shot `HMAC()` with SHA-256: the reference `HMACSHA256` is tested against.
    static func referenceHMACSHA256(key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = HMAC(EVP_sha256(), key.baseAddress, Int32(key.count),
                 message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count, &out, &length)
        return Array(out.prefix(Int(length)))
    }

    // MARK: ChaCha20 (IETF: 32-bit counter ‖ 96-bit nonce) and Poly1305, through EVP

    /// A cipher context set up for ChaCha20 encryption (keyed later by `chacha20SetKey`); nil when
    /// OpenSSL cannot make one. Free it with `freeCipher`.
    static func newChaCha20() -> OpaquePointer? {
        guard let ctx = EVP_CIPHER_CTX_new() else { return nil }
        guard EVP_EncryptInit_ex(ctx, EVP_chacha20(), nil, nil, nil) == 1 else {
            EVP_CIPHER_CTX_free(ctx)
            return nil
        }
        return ctx
    }

    /// Keys the cipher: 32-byte key, 16-byte IV (4-byte little-endian block counter ‖ 12-byte nonce).
    @inline(__always)
    static func chacha20SetKey(_ ctx: OpaquePointer, key: UnsafeRawPointer, iv: UnsafeRawPointer) {
        _ = EVP_EncryptInit_ex(ctx, nil, nil, key.assumingMemoryBound(to: UInt8.self), iv.assumingMemoryBound(to: UInt8.self))
    }

    /// XORs the next `count` bytes of keystream over `input` into `output` (they may be the same).
    @inline(__always)
    static func chacha20Update(_ ctx: OpaquePointer, _ input: UnsafeRawPointer, into output: UnsafeMutableRawPointer, count: Int) {
        var outLength: Int32 = 0
        _ = EVP_EncryptUpdate(ctx, output.assumingMemoryBound(to: UInt8.self), &outLength,
                              input.assumingMemoryBound(to: UInt8.self), Int32(count))
    }

    @inline(__always)
    static func freeCipher(_ ctx: OpaquePointer) { EVP_CIPHER_CTX_free(ctx) }

    /// Poly1305 through EVP_MAC: the algorithm and a context for it, or nil. Free both with `freePoly1305`.
    static func newPoly1305() -> (algorithm: OpaquePointer, context: OpaquePointer)? {
        guard let algorithm = EVP_MAC_fetch(nil, "POLY1305", nil) else { return nil }
        guard let ctx = EVP_MAC_CTX_new(algorithm) else {
            EVP_MAC_free(algorithm)
            return nil
        }
        return (algorithm, ctx)
    }

    /// Starts a MAC under a one-time 32-byte key.
    @inline(__always)
    static func poly1305Begin(_ ctx: OpaquePointer, key: UnsafeRawPointer) {
        _ = EVP_MAC_init(ctx, key.assumingMemoryBound(to: UInt8.self), 32, nil)
    }

    @inline(__always)
    static func poly1305Update(_ ctx: OpaquePointer, _ bytes: UnsafeRawPointer, count: Int) {
        _ = EVP_MAC_update(ctx, bytes.assumingMemoryBound(to: UInt8.self), count)
    }

    /// Ends the MAC: the 16-byte tag goes to `out`.
    @inline(__always)
    static func poly1305Final(_ ctx: OpaquePointer, into out: UnsafeMutableRawPointer) {
        var written = 0
        _ = EVP_MAC_final(ctx, out.assumingMemoryBound(to: UInt8.self), &written, 16)
    }

    static func freePoly1305(algorithm: OpaquePointer, context: OpaquePointer) {
        EVP_MAC_CTX_free(context)
        EVP_MAC_free(algorithm)
    }
}
