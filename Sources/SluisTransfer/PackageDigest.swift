import SluisCore
import SluisCrypto
import SluisIO

/// The SHA-256 of a whole package file, streamed in 1 MiB reads: what an upload token's `sha256`
/// claim and a receipt's `packageSHA256` name, and how `sluis upload` finds an upload to resume.
public enum PackageDigest {
    /// Lowercase hex SHA-256 of the file at `path`, in constant memory however large the package.
    public static func sha256Hex(ofFile path: String) throws -> String {
        let file = try FileInput(path: path)
        let hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try file.read(into: $0) }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return Hex.encode(hasher.finalize())
    }
}
