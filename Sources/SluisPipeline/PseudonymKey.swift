import SluisCore
import SluisCrypto
import SluisIO

/// The project pseudonym key as the pipeline needs it: the secret (HKDF input) and the key id
/// that reports and manifests record.
public struct PseudonymKey: @unchecked Sendable {
    public let secret: SecretBytes
    public let keyId: String
    public init(secret: SecretBytes, keyId: String) {
        self.secret = secret
        self.keyId = keyId
    }
}

/// TEMPORARY key loader, until branch `crypto` delivers `ProjectKey.load(path:passphrase:)`.
///
/// Reads a file holding the 32-byte project key as 64 hexadecimal digits (surrounding white
/// space ignored). The key id is the first 16 hex digits of SHA-256("sluis/pseudonym-key-id" ‖ key).
/// This format is not passphrase-protected and is not the documented key file; it exists only so
/// that `check`/`pseudonymise` work end to end before the real key files land.
public enum TemporaryPseudonymKeyLoader {
    public static func load(path: String) throws -> PseudonymKey {
        var bytes: [UInt8]
        do { bytes = try FileSystem.readAll(path, limitByteCount: 4096) } catch {
            throw PipelineError.keyFileUnreadable(path: path, problem: "the file cannot be read")
        }
        defer { for i in bytes.indices { bytes[i] = 0 } }
        var digits: [UInt8] = []
        defer { for i in digits.indices { digits[i] = 0 } }
        for b in bytes where !(b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09) { digits.append(b) }
        guard digits.count == 64 else { throw PipelineError.keyFileUnreadable(path: path, problem: "expected 64 hexadecimal digits") }
        let secret = SecretBytes(count: 32)
        var ok = true
        secret.withUnsafeMutableBytes { out in
            for i in 0..<32 {
                guard let hi = hexValue(digits[2 * i]), let lo = hexValue(digits[2 * i + 1]) else { ok = false; return }
                out[i] = hi << 4 | lo
            }
        }
        guard ok else { throw PipelineError.keyFileUnreadable(path: path, problem: "expected 64 hexadecimal digits") }
        return PseudonymKey(secret: secret, keyId: keyId(of: secret))
    }

    /// The id of a key: 16 hex digits of SHA-256 over a label and the key.
    public static func keyId(of secret: SecretBytes) -> String {
        var material = Array("sluis/pseudonym-key-id".utf8)
        secret.withUnsafeBytes { material.append(contentsOf: $0) }
        let digest = material.withUnsafeBytes { SHA256Hasher.hash($0) }
        for i in material.indices { material[i] = 0 }
        return digest.prefix(8).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}
