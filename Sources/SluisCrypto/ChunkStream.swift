/// The secretstream operations the encrypted-file format needs, whichever implementation computes them.
protocol ChunkStream: AnyObject {
    func push(_ plaintext: UnsafeRawBufferPointer, tag: UInt8, into ciphertext: UnsafeMutableRawBufferPointer)
    func pull(_ ciphertext: UnsafeRawBufferPointer, into plaintext: UnsafeMutableRawBufferPointer) -> UInt8?
}

extension SecretStream: ChunkStream {}
extension LibsodiumSecretStream: ChunkStream {}

/// Chooses the secretstream implementation once per process.
///
/// Why a self-test: `SecretStream` computes libsodium's construction with OpenSSL's faster
/// ChaCha20 and Poly1305 and relies on libsodium's state layout. Before the first use, a known
/// answer test pushes and pulls chunks of every padding class and every tag through both
/// implementations; only if they agree byte for byte is the OpenSSL path used. If a future
/// libsodium or OpenSSL ever disagreed, sluis falls back to libsodium's own push/pull (slower,
/// never wrong) instead of producing files nobody else can read. In debug (test) builds only,
/// `SLUIS_SECRETSTREAM=libsodium` forces the reference implementation.
enum ChunkStreams {
    static let openSSLAgreesWithLibsodium: Bool = {
        #if DEBUG
        if getenvString("SLUIS_SECRETSTREAM") == "libsodium" { return false }
        #endif
        let key = SecretBytes.random(count: SecretStream.keyByteCount)
        let header = Sodium.randomBytes(count: SecretStream.headerByteCount)
        guard let fast = SecretStream(key: key, header: header),
              let reference = LibsodiumSecretStream(key: key, header: header),
              let fastPull = SecretStream(key: key, header: header) else { return false }
        let tags = [SecretStream.tagMessage, SecretStream.tagMessage, SecretStream.tagRekey, SecretStream.tagMessage, SecretStream.tagFinal]
        var sizes = [0, 1, 15, 16, 17, 47, 48, 63, 64, 65, 1000, 4096, 65_536]
        var tagIndex = 0
        while !sizes.isEmpty {
            let size = sizes.removeFirst()
            let tag = tags[tagIndex % tags.count]
            tagIndex += 1
            let plain = Sodium.randomBytes(count: size)
            var a = [UInt8](repeating: 0, count: size + SecretStream.overheadByteCount)
            var b = a
            plain.withUnsafeBytes { p in
                a.withUnsafeMutableBytes { fast.push(p, tag: tag, into: $0) }
                b.withUnsafeMutableBytes { reference.push(p, tag: tag, into: $0) }
            }
            guard a == b else { return false }
            var back = [UInt8](repeating: 0, count: size)
            let pulled = b.withUnsafeBytes { c in back.withUnsafeMutableBytes { fastPull.pull(c, into: $0) } }
            guard pulled == tag, back == plain else { return false }
        }
        return true
    }()

    /// A stream for (key, header): the OpenSSL path when the self-test passed, libsodium's otherwise.
    static func make(key: SecretBytes, header: [UInt8]) -> (any ChunkStream)? {
        if openSSLAgreesWithLibsodium { return SecretStream(key: key, header: header) }
        return LibsodiumSecretStream(key: key, header: header)
    }
}

#if canImport(Glibc)
import Glibc
#endif
private func getenvString(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    return String(cString: p)
}
