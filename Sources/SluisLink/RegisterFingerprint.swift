import SluisCore
import SluisCrypto
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// What identifies one version of a register file: size, modification time and SHA-256 of its
/// bytes. The inbox remembers it per project (with the key id, rendering and the collision
/// counts it found) so that it reports the register's collisions when the register changed, and
/// stays quiet otherwise.
///
/// Why size + time + hash: size and time are free and catch every ordinary change; the hash
/// (about 0.3 s per GB) is computed only when they differ, and tells a copy or a `touch` that
/// left the content alone from a real change.
public struct RegisterFingerprint: Codable, Sendable, Equatable {
    /// The register file's size in bytes.
    public var size: UInt64
    /// Its modification time, `SECONDS.NANOSECONDS` since 1970, compared as text.
    public var modified: String
    /// Lower-case hexadecimal SHA-256 of the file; nil until computed.
    public var sha256: String?

    /// Size and modification time only (a `stat`); the hash stays nil.
    public static func cheap(path: String) throws -> RegisterFingerprint {
        var st = stat()
        guard stat(path, &st) == 0 else { throw IOError.cannotOpen(path: path, errno: errno) }
        return RegisterFingerprint(size: UInt64(st.st_size), modified: "\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)", sha256: nil)
    }

    /// Size, modification time and the SHA-256 of the bytes, read in 1 MiB blocks.
    public static func full(path: String) throws -> RegisterFingerprint {
        var fingerprint = try cheap(path: path)
        let input = try FileInput(path: path)
        let hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try input.read(into: $0) }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        fingerprint.sha256 = Hex.encode(hasher.finalize())
        return fingerprint
    }

    /// Whether size and time are the same (then the content is taken as unchanged).
    public func sameSizeAndTime(as other: RegisterFingerprint) -> Bool { size == other.size && modified == other.modified }
}
