import COpenSSL

/// HMAC-SHA256 (RFC 2104) with the keyed inner and outer SHA-256 states computed once.
///
/// Why not OpenSSL's `HMAC()`: sluis computes tens of millions of HMACs over 9-byte identifiers,
/// and re-keying per call costs 10× (shared/platform-notes.md). Copying two precomputed states per
/// message is the textbook HMAC, just without repeating the key schedule. The states are key
/// material, so they live in guarded memory and are zeroed on release. Not thread-safe: give each
/// thread its own copy (`copy()`).
public final class HMACSHA256 {
    public static let macByteCount = 32
    public static let blockByteCount = 64

    /// inner, outer, and a working context, all in one guarded region.
    private let storage: SecretBytes
    private let ctxSize = MemoryLayout<SHA256_CTX>.stride

    private var inner: UnsafeMutablePointer<SHA256_CTX> { ctx(0) }
    private var outer: UnsafeMutablePointer<SHA256_CTX> { ctx(1) }
    private var work: UnsafeMutablePointer<SHA256_CTX> { ctx(2) }
    private var inDigest: UnsafeMutablePointer<UInt8> {
        storage.withUnsafeMutableBytes { ($0.baseAddress! + 3 * ctxSize).assumingMemoryBound(to: UInt8.self) }
    }

    private func ctx(_ i: Int) -> UnsafeMutablePointer<SHA256_CTX> {
        storage.withUnsafeMutableBytes { ($0.baseAddress! + i * ctxSize).assumingMemoryBound(to: SHA256_CTX.self) }
    }

    /// Keys the MAC. Keys longer than a block are hashed first, as RFC 2104 says.
    public init(key: UnsafeRawBufferPointer) {
        storage = SecretBytes(count: 3 * MemoryLayout<SHA256_CTX>.stride + 32)
        let pad = SecretBytes(count: Self.blockByteCount)
        pad.withUnsafeMutableBytes { block in
            if key.count > Self.blockByteCount {
                let h = SHA256Hasher.hash(key)
                for i in 0..<32 { block[i] = h[i] }
            } else if key.count > 0 {
                block.baseAddress!.copyMemory(from: key.baseAddress!, byteCount: key.count)
            }
            for i in 0..<Self.blockByteCount { block[i] ^= 0x36 }
            SHA256_Init(inner)
            SHA256_Update(inner, block.baseAddress, Self.blockByteCount)
            for i in 0..<Self.blockByteCount { block[i] ^= 0x36 ^ 0x5c }
            SHA256_Init(outer)
            SHA256_Update(outer, block.baseAddress, Self.blockByteCount)
        }
    }

    /// Keys the MAC with a secret held in guarded memory.
    public convenience init(key: SecretBytes) {
        let raw = key.withUnsafeBytes { $0 }  // stable: SecretBytes owns fixed memory
        self.init(key: raw)
        withExtendedLifetime(key) {}
    }

    private init(states other: HMACSHA256) {
        storage = SecretBytes(count: 3 * MemoryLayout<SHA256_CTX>.stride + 32)
        inner.pointee = other.inner.pointee
        outer.pointee = other.outer.pointee
    }

    /// An independent copy with the same key, for another thread.
    public func copy() -> HMACSHA256 { HMACSHA256(states: self) }

    /// Computes the MAC of `message` into `out` (at least 32 bytes).
    public func authenticate(_ message: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= 32)
        work.pointee = inner.pointee
        SHA256_Update(work, message.baseAddress, message.count)
        SHA256_Final(inDigest, work)
        work.pointee = outer.pointee
        SHA256_Update(work, inDigest, 32)
        SHA256_Final(out.baseAddress!.assumingMemoryBound(to: UInt8.self), work)
    }

    /// Starts an incremental MAC: feed parts with `update`, end with `finalize`.
    public func begin() { work.pointee = inner.pointee }
    public func update(_ part: UnsafeRawBufferPointer) { SHA256_Update(work, part.baseAddress, part.count) }
    public func finalize(into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= 32)
        SHA256_Final(inDigest, work)
        work.pointee = outer.pointee
        SHA256_Update(work, inDigest, 32)
        SHA256_Final(out.baseAddress!.assumingMemoryBound(to: UInt8.self), work)
    }

    /// The MAC of `message` as an array.
    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        message.withUnsafeBytes { m in out.withUnsafeMutableBytes { authenticate(m, into: $0) } }
        return out
    }
}

/// HKDF-SHA256 (RFC 5869), extract then expand, built on `HMACSHA256`.
public enum HKDF {
    /// Derives `outputByteCount` (≤ 8160) bytes into guarded memory.
    public static func deriveKey(inputKey: SecretBytes, salt: [UInt8], info: [UInt8], outputByteCount: Int = 32) -> SecretBytes {
        precondition(outputByteCount <= 255 * 32)
        // Extract: PRK = HMAC(salt, IKM)
        let prk = SecretBytes(count: 32)
        let extractor = salt.withUnsafeBytes { HMACSHA256(key: $0) }
        inputKey.withUnsafeBytes { ikm in prk.withUnsafeMutableBytes { extractor.authenticate(ikm, into: $0) } }
        // Expand: T(i) = HMAC(PRK, T(i-1) | info | i)
        let expander = HMACSHA256(key: prk)
        let out = SecretBytes(count: outputByteCount)
        let t = SecretBytes(count: 32)
        var produced = 0
        var counter: UInt8 = 1
        while produced < outputByteCount {
            expander.begin()
            if counter > 1 { t.withUnsafeBytes { expander.update($0) } }
            info.withUnsafeBytes { expander.update($0) }
            withUnsafeBytes(of: counter) { expander.update($0) }
            t.withUnsafeMutableBytes { expander.finalize(into: $0) }
            let n = min(32, outputByteCount - produced)
            out.withUnsafeMutableBytes { dst in
                t.withUnsafeBytes { src in (dst.baseAddress! + produced).copyMemory(from: src.baseAddress!, byteCount: n) }
            }
            produced += n
            counter &+= 1
        }
        return out
    }
}
