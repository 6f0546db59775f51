/// SHA-256 whose running state can be saved and restored, so that a hash over bytes that arrive
/// in pieces — possibly in different processes, with restarts in between — never has to read
/// the bytes again (`sluis serve` hashes each upload as it is written and keeps the state beside
/// it, docs/serve.md "Streaming verification").
///
/// It runs on OpenSSL's low-level SHA-256 (through `OpenSSL`'s state functions) (the same compression function, with the CPU's SHA
/// instructions, as `SHA256Hasher`), because the EVP interface cannot export its state.
///
/// Saved state layout (`savedState`, 40 to 103 bytes):
///
///     32 bytes   the eight hash words h0…h7, big-endian
///      8 bytes   u64be: bytes hashed so far (n)
///     n mod 64   the bytes of the block not yet compressed
public final class ResumableSHA256 {
    /// One SHA-256 state of `OpenSSL.sha256StateByteCount` bytes.
    private let state: UnsafeMutableRawPointer

    private static func allocateState() -> UnsafeMutableRawPointer {
        .allocate(byteCount: OpenSSL.sha256StateByteCount, alignment: 16)
    }

    /// A hash of no bytes yet.
    public init() {
        state = Self.allocateState()
        OpenSSL.sha256Init(state)
    }

    /// Restores a state saved by `savedState`; nil when the bytes are not one.
    public init?(savedState bytes: [UInt8]) {
        guard bytes.count >= 40 else { return nil }
        var count: UInt64 = 0
        for b in bytes[32..<40] { count = count << 8 | UInt64(b) }
        let tail = Int(count % 64)
        guard bytes.count == 40 + tail else { return nil }
        var words: [UInt32] = []
        for i in 0..<8 {
            var w: UInt32 = 0
            for b in bytes[4 * i..<4 * i + 4] { w = w << 8 | UInt32(b) }
            words.append(w)
        }
        state = Self.allocateState()
        OpenSSL.sha256ImportState(state, words: words, byteCount: count, pending: Array(bytes[40...]))
    }

    /// Hashes `bytes` after those before.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { OpenSSL.sha256Update(state, bytes.baseAddress, count: bytes.count) }
    }

    /// Hashes `bytes` after those before.
    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// Bytes hashed so far.
    public var byteCount: UInt64 { OpenSSL.sha256ExportState(state).byteCount }

    /// The running state (layout above); hashing may go on afterwards.
    public var savedState: [UInt8] {
        let (words, count, pending) = OpenSSL.sha256ExportState(state)
        var out: [UInt8] = []
        out.reserveCapacity(104)
        for w in words { out += [UInt8(w >> 24), UInt8(w >> 16 & 0xff), UInt8(w >> 8 & 0xff), UInt8(w & 0xff)] }
        for i in stride(from: 56, through: 0, by: -8) { out.append(UInt8(count >> UInt64(i) & 0xff)) }
        return out + pending
    }

    /// The digest of the bytes so far; hashing may go on afterwards (a copy is finalised).
    public func digest() -> [UInt8] {
        let copy = Self.allocateState()
        defer { copy.deallocate() }
        OpenSSL.sha256CopyState(from: state, to: copy)
        var out = [UInt8](repeating: 0, count: 32)
        // swift-format-ignore: NeverForceUnwrap
        // Safe: `out` holds 32 bytes, so its buffer has a base address.
        out.withUnsafeMutableBytes { OpenSSL.sha256Final(copy, into: $0.baseAddress!) }
        return out
    }

    deinit { state.deallocate() }
}
