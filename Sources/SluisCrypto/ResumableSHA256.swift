import COpenSSL

/// SHA-256 whose running state can be saved and restored, so that a hash over bytes that arrive
/// in pieces — possibly in different processes, with restarts in between — never has to read
/// the bytes again (`sluis serve` hashes each upload as it is written and keeps the state beside
/// it, docs/serve.md "Streaming verification").
///
/// It runs on OpenSSL's low-level SHA-256 (the same compression function, with the CPU's SHA
/// instructions, as `SHA256Hasher`), because the EVP interface cannot export its state.
///
/// Saved state layout (`savedState`, 40 to 103 bytes):
///
///     32 bytes   the eight hash words h0…h7, big-endian
///      8 bytes   u64be: bytes hashed so far (n)
///     n mod 64   the bytes of the block not yet compressed
public final class ResumableSHA256 {
    private let context: UnsafeMutablePointer<SHA256_CTX>

    /// A hash of no bytes yet.
    public init() {
        context = .allocate(capacity: 1)
        SHA256_Init(context)
    }

    /// Restores a state saved by `savedState`; nil when the bytes are not one.
    public init?(savedState bytes: [UInt8]) {
        guard bytes.count >= 40 else { return nil }
        var count: UInt64 = 0
        for b in bytes[32..<40] { count = count << 8 | UInt64(b) }
        let tail = Int(count % 64)
        guard bytes.count == 40 + tail else { return nil }
        context = .allocate(capacity: 1)
        SHA256_Init(context)
        withUnsafeMutableBytes(of: &context.pointee.h) { words in
            for i in 0..<8 {
                let w = UInt32(bytes[4 * i]) << 24 | UInt32(bytes[4 * i + 1]) << 16 | UInt32(bytes[4 * i + 2]) << 8 | UInt32(bytes[4 * i + 3])
                words.storeBytes(of: w, toByteOffset: 4 * i, as: UInt32.self)
            }
        }
        let bits = count &* 8
        context.pointee.Nl = UInt32(truncatingIfNeeded: bits)
        context.pointee.Nh = UInt32(truncatingIfNeeded: bits >> 32)
        withUnsafeMutableBytes(of: &context.pointee.data) { data in
            for i in 0..<tail { data[i] = bytes[40 + i] }
        }
        context.pointee.num = UInt32(tail)
    }

    /// Hashes `bytes` after those before.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { SHA256_Update(context, bytes.baseAddress, bytes.count) }
    }

    /// Hashes `bytes` after those before.
    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// Bytes hashed so far.
    public var byteCount: UInt64 { (UInt64(context.pointee.Nh) << 32 | UInt64(context.pointee.Nl)) / 8 }

    /// The running state (layout above); hashing may go on afterwards.
    public var savedState: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(104)
        withUnsafeBytes(of: &context.pointee.h) { words in
            for i in 0..<8 {
                let w = words.load(fromByteOffset: 4 * i, as: UInt32.self)
                out += [UInt8(w >> 24), UInt8(w >> 16 & 0xff), UInt8(w >> 8 & 0xff), UInt8(w & 0xff)]
            }
        }
        let count = byteCount
        for i in stride(from: 56, through: 0, by: -8) { out.append(UInt8(count >> UInt64(i) & 0xff)) }
        withUnsafeBytes(of: &context.pointee.data) { data in out += data.prefix(Int(count % 64)) }
        return out
    }

    /// The digest of the bytes so far; hashing may go on afterwards (a copy is finalised).
    public func digest() -> [UInt8] {
        var copy = context.pointee
        var out = [UInt8](repeating: 0, count: 32)
        // swift-format-ignore: NeverForceUnwrap
        // Safe: `out` holds 32 bytes, so its buffer has a base address.
        out.withUnsafeMutableBytes { _ = SHA256_Final($0.baseAddress!.assumingMemoryBound(to: UInt8.self), &copy) }
        return out
    }

    deinit { context.deallocate() }
}
