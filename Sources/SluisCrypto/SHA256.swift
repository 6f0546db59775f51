import SluisIO

/// Streaming SHA-256 through OpenSSL's EVP interface (it uses the CPU's SHA instructions:
/// about 4× libsodium's portable code, see shared/platform-notes.md).
public final class SHA256Hasher {
    private let context: OpaquePointer

    /// A hasher at the start of its input.
    public init() {
        context = OpenSSL.newDigest(.sha256)
    }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        OpenSSL.updateDigest(context, bytes)
    }

    /// Adds the bytes of an array to the digest.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest; the hasher cannot be used afterwards.
    public func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        // swift-format-ignore: NeverForceUnwrap
        // Safe: `out` holds 32 bytes, so its buffer has a base address.
        out.withUnsafeMutableBytes { _ = OpenSSL.finalDigest(context, into: $0.baseAddress!) }
        return out
    }

    /// SHA-256 of a buffer in one go.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        let h = SHA256Hasher()
        h.update(bytes)
        return h.finalize()
    }

    /// SHA-256 of a buffer in one go.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let h = SHA256Hasher()
        h.update(bytes)
        return h.finalize()
    }

    deinit { OpenSSL.freeDigest(context) }
}

/// A sink that hashes what passes through it and forwards it to another sink (or nowhere).
public final class HashingSink: ByteSink {
    private let hasher = SHA256Hasher()
    private let next: (any ByteSink)?
    /// Bytes that passed through.
    public private(set) var byteCount: UInt64 = 0
    /// The digest, once `finish()` was called; nil before.
    public private(set) var digest: [UInt8]? = nil

    /// A hashing sink that forwards to `next` (or only hashes, with nil).
    public init(forwardingTo next: (any ByteSink)? = nil) { self.next = next }

    /// Hashes `bytes` and forwards them.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bytes)
        byteCount += UInt64(bytes.count)
        try next?.write(bytes)
    }

    /// Completes the digest and finishes the next sink.
    public func finish() throws {
        if digest == nil { digest = hasher.finalize() }
        try next?.finish()
    }
}
