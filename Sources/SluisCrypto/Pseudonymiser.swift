import SluisCore

/// Turns normalised identifiers into keyed pseudonyms for one project and one domain.
///
/// pseudonym = render(HMAC-SHA256(subKey, message)), where
///   subKey  = HKDF-SHA256(ikm: projectKey, salt: "sluis/pseudonym/v1",
///                         info: lp("project") ‖ lp(projectId) ‖ lp("domain") ‖ lp(domain.label)), 32 bytes
///   message = the normalised value's UTF-8 bytes for a single kind; for a composite, for each part
///             in domain order: u32be(byte length) ‖ bytes
///   lp(x)   = u32be(byte length of x) ‖ x
/// (docs/format.md, "Pseudonyms"). Different projects and different domains get unrelated
/// sub-keys, so their pseudonyms cannot be joined. Not thread-safe; `copy()` one per thread.
public final class Pseudonymiser {
    /// The project bound into the sub-key.
    public let projectId: String
    /// The domain bound into the sub-key; also fixes the message layout of a composite.
    public let domain: PseudonymDomain
    /// How the MAC is written as a pseudonym.
    public let rendering: PseudonymRendering
    private let mac: HMACSHA256
    /// The MAC of the current identifier, in guarded memory like the identifier's HMAC states: it
    /// is a keyed function of the identifier. `macOutBytes` is its fixed memory, held as a `let`
    /// so the per-identifier path has no array, no exclusivity check and no retain of `macOut`.
    private let macOut: SecretBytes
    private let macOutBytes: UnsafeMutableRawBufferPointer
    @exclusivity(unchecked) private var message: [UInt8] = []

    /// The HKDF salt: separates pseudonym sub-keys from every other key sluis derives.
    public static let derivationSalt = Array("sluis/pseudonym/v1".utf8)

    /// Derives the sub-key for `projectId` and `domain` from the project key; the key itself is not kept.
    public init(projectKey: SecretBytes, projectId: String, domain: PseudonymDomain, rendering: PseudonymRendering = .default) {
        precondition(rendering.isValid)
        self.projectId = projectId
        self.domain = domain
        self.rendering = rendering
        let subKey = HKDF.deriveKey(inputKey: projectKey, salt: Self.derivationSalt,
                                    info: Self.derivationInfo(projectId: projectId, domain: domain))
        self.mac = HMACSHA256(key: subKey)
        (macOut, macOutBytes) = Self.allocateMACOut()
    }

    private static func allocateMACOut() -> (SecretBytes, UnsafeMutableRawBufferPointer) {
        let s = SecretBytes(count: HMACSHA256.macByteCount)
        return (s, s.withUnsafeMutableBytes { $0 })  // stable: SecretBytes owns fixed memory
    }

    private init(copying other: Pseudonymiser) {
        projectId = other.projectId
        domain = other.domain
        rendering = other.rendering
        mac = other.mac.copy()
        (macOut, macOutBytes) = Self.allocateMACOut()
    }

    /// An independent pseudonymiser with the same key, for another thread.
    public func copy() -> Pseudonymiser { Pseudonymiser(copying: self) }

    /// The HKDF info string for a project and domain.
    public static func derivationInfo(projectId: String, domain: PseudonymDomain) -> [UInt8] {
        var info: [UInt8] = []
        for part in ["project", projectId, "domain", domain.label] {
            let bytes = Array(part.utf8)
            Self.appendLengthPrefixed(bytes[...], to: &info)
        }
        return info
    }

    /// The width in bytes of every rendered pseudonym.
    public var width: Int { rendering.width }

    /// Pseudonymises one normalised value (single-kind domains) into `out` (`width` bytes).
    @inline(__always)
    public func pseudonym(of normalised: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        mac.authenticate(normalised, into: macOutBytes)
        rendering.render(mac: UnsafeRawBufferPointer(macOutBytes), into: out)
    }

    /// Pseudonymises the normalised parts of a composite (in domain order) into `out`.
    public func pseudonym(ofParts parts: [[UInt8]], into out: UnsafeMutableRawBufferPointer) {
        precondition(parts.count == domain.kinds.count)
        message.removeAll(keepingCapacity: true)
        for p in parts { Self.appendLengthPrefixed(p[...], to: &message) }
        message.withUnsafeBytes { pseudonym(of: $0, into: out) }
    }

    /// Convenience: the pseudonym of a normalised value as a string.
    public func pseudonym(of normalised: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: width)
        normalised.withUnsafeBytes { n in out.withUnsafeMutableBytes { pseudonym(of: n, into: $0) } }
        return String(decoding: out, as: UTF8.self)
    }

    /// Convenience: the pseudonym of a composite's normalised parts as a string.
    public func pseudonym(ofParts parts: [[UInt8]]) -> String {
        var out = [UInt8](repeating: 0, count: width)
        out.withUnsafeMutableBytes { pseudonym(ofParts: parts, into: $0) }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Pseudonymiser {
    /// u32 big-endian length, then the bytes: a composite's message part and an HKDF info part
    /// (docs/format.md, "Pseudonyms"). The one definition; the pipeline builds messages with it.
    @inlinable
    public static func appendLengthPrefixed(_ bytes: ArraySlice<UInt8>, to out: inout [UInt8]) {
        let n = UInt32(bytes.count)
        out.append(UInt8(n >> 24)); out.append(UInt8((n >> 16) & 0xff))
        out.append(UInt8((n >> 8) & 0xff)); out.append(UInt8(n & 0xff))
        out.append(contentsOf: bytes)
    }
}
