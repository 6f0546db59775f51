/// Streaming SHA-1 or SHA-256 through OpenSSL's EVP interface, for the tus checksum extension
/// (`Upload-Checksum`), which every tus server must offer with SHA-1. SHA-1 here only detects
/// chunks damaged in transit; nothing in sluis relies on it for security (packages are signed
/// and verified whole, and hashed with SHA-256).
public final class ChecksumHasher {
    /// The two digests tus clients send in `Upload-Checksum`.
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha1, sha256
        /// Bytes of a digest of this algorithm.
        public var digestByteCount: Int { self == .sha1 ? 20 : 32 }
    }

    /// The algorithm this hasher computes.
    public let algorithm: Algorithm
    private let context: OpaquePointer

    /// A hasher at the start of its input.
    public init(_ algorithm: Algorithm) {
        self.algorithm = algorithm
        context = OpenSSL.newDigest(algorithm == .sha1 ? .sha1 : .sha256)
    }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        OpenSSL.updateDigest(context, bytes)
    }

    /// The digest; the hasher cannot be used afterwards.
    public func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        // swift-format-ignore: NeverForceUnwrap
        // Safe: `out` holds 64 bytes, so its buffer has a base address.
        let length = out.withUnsafeMutableBytes { OpenSSL.finalDigest(context, into: $0.baseAddress!) }
        return Array(out.prefix(length))
    }

    deinit { OpenSSL.freeDigest(context) }
}
