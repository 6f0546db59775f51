import COpenSSL

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
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed") }
        context = ctx
        let md = algorithm == .sha1 ? EVP_sha1() : EVP_sha256()
        guard EVP_DigestInit_ex(ctx, md, nil) == 1 else { fatalError("EVP_DigestInit_ex failed") }
    }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) }
    }

    /// The digest; the hasher cannot be used afterwards.
    public func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        var len: UInt32 = 0
        // swift-format-ignore: NeverForceUnwrap
        // Safe: `out` is a 64-byte array, so its buffer has a base address.
        out.withUnsafeMutableBytes { _ = EVP_DigestFinal_ex(context, $0.baseAddress!.assumingMemoryBound(to: UInt8.self), &len) }
        return Array(out.prefix(Int(len)))
    }

    deinit { EVP_MD_CTX_free(context) }
}
