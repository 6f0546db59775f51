import SluisCore
import SluisCrypto
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// The intake's secret for surrogate RINPERSOONs of unmatched rows.
///
/// File format: 64 lowercase hexadecimal digits (32 random bytes) and a newline, mode 0600.
/// It stays with the intake: whoever holds it could recompute surrogates from pseudonyms.
public enum SurrogateKey {
    /// Bytes of secret in a key file (written as 64 hex digits).
    public static let byteCount = 32

    /// Reads a surrogate key file; refuses one that group or others may read.
    public static func load(path: String) throws -> SecretBytes {
        // Opened once: the mode and owner are checked on this descriptor and the bytes read from it.
        var text: [UInt8]
        do { text = try SecretFile.read(path: path, limitByteCount: 4096) } catch let error as IOError {
            switch error {
            case .cannotOpen(_, ENOENT):
                throw LinkError.surrogateKeyInvalid(path: path, reason: "the surrogate key file does not exist")
            case .secretFileExposed:
                throw LinkError.surrogateKeyInvalid(path: path, reason: "the surrogate key file is readable by others (chmod 600 it)")
            case .secretFileNotOwned:
                throw LinkError.surrogateKeyInvalid(path: path, reason: "the surrogate key file belongs to another user (chown it)")
            default: throw error
            }
        }
        defer { for i in text.indices { text[i] = 0 } }
        while let last = text.last, last == 0x0A || last == 0x0D || last == 0x20 { text.removeLast() }
        guard text.count == 2 * byteCount else {
            throw LinkError.surrogateKeyInvalid(path: path, reason: "the surrogate key file does not hold 64 hexadecimal digits")
        }
        let key = SecretBytes(count: byteCount)
        var ok = true
        key.withUnsafeMutableBytes { out in
            for i in 0..<byteCount {
                guard let hi = hexValue(text[2 * i]), let lo = hexValue(text[2 * i + 1]) else { ok = false; return }
                out[i] = hi << 4 | lo
            }
        }
        guard ok else { throw LinkError.surrogateKeyInvalid(path: path, reason: "the surrogate key file does not hold 64 hexadecimal digits") }
        return key
    }

    /// Writes a fresh random key to `path` (mode 0600); refuses to overwrite.
    public static func generate(path: String) throws {
        let key = SecretBytes.random(count: byteCount)
        var text: [UInt8] = []
        let digits = Array("0123456789abcdef".utf8)
        key.withUnsafeBytes { for b in $0 { text.append(digits[Int(b >> 4)]); text.append(digits[Int(b & 15)]) } }
        text.append(0x0A)
        defer { for i in text.indices { text[i] = 0 } }
        try FileSystem.writeAtomically(text, to: path, mode: 0o600, overwrite: false)
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

/// Computes surrogate RINPERSOONs: decimal(width) of
/// HMAC-SHA256(k, lp(domain label) ‖ u64be(pseudonym key)), with
/// k = HKDF-SHA256(ikm: surrogate key, salt: "sluis/surrogate/v1", info: lp("project") ‖ lp(projectId)).
///
/// The same pseudonym always gives the same surrogate within a project, so an unmatched person's
/// rows stay together; without the intake's key nobody can compute it from the pseudonym. Not
/// thread-safe.
public final class SurrogateGenerator {
    /// Digits of every surrogate RINPERSOON.
    public let width: Int
    private let mac: HMACSHA256
    private var message: [UInt8] = []
    private var macOut = [UInt8](repeating: 0, count: 32)
    private let rendering: PseudonymRendering

    /// The HKDF salt: separates surrogate keys from every other key sluis derives.
    public static let derivationSalt = Array("sluis/surrogate/v1".utf8)

    /// A generator for one project (the project id is bound into its key); `width` is 1…38 digits.
    public init(secret: SecretBytes, projectId: String, width: Int) {
        precondition((1...38).contains(width))
        self.width = width
        self.rendering = .decimal(width: width)
        var info: [UInt8] = []
        for part in ["project", projectId] {
            let bytes = Array(part.utf8)
            let n = UInt32(bytes.count)
            info += [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + bytes
        }
        let subKey = HKDF.deriveKey(inputKey: secret, salt: Self.derivationSalt, info: info)
        mac = HMACSHA256(key: subKey)
    }

    /// The message prefix for a domain: u32be(length) ‖ label.
    public static func domainPrefix(_ domain: PseudonymDomain) -> [UInt8] {
        let label = Array(domain.label.utf8)
        let n = UInt32(label.count)
        return [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + label
    }

    /// Writes the surrogate for a pseudonym key of `domain` into `out` (`width` bytes).
    public func surrogate(domain: PseudonymDomain, key: UInt64, into out: UnsafeMutableRawBufferPointer) {
        Self.domainPrefix(domain).withUnsafeBytes { surrogate(domainPrefix: $0, key: key, into: out) }
    }

    /// The same with the domain's prefix (`domainPrefix`) computed once by the caller.
    public func surrogate(domainPrefix: UnsafeRawBufferPointer, key: UInt64, into out: UnsafeMutableRawBufferPointer) {
        message.removeAll(keepingCapacity: true)
        message.append(contentsOf: domainPrefix)
        for shift in stride(from: 56, through: 0, by: -8) { message.append(UInt8(truncatingIfNeeded: key >> UInt64(shift))) }
        macOut.withUnsafeMutableBytes { m in
            message.withUnsafeBytes { mac.authenticate($0, into: m) }
            rendering.render(mac: UnsafeRawBufferPointer(m), into: out)
        }
    }
}
