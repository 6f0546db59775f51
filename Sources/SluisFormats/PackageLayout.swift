import SluisCore
import SluisIO

/// The byte layout of a `.sluis` package (docs/format.md, "Package"):
///
///     preamble   16 bytes   "SLUISPKG" ‖ version (1 byte, 1) ‖ 7 zero bytes
///     entries    …          complete encrypted files, back to back, data entries then the inner manifest
///     manifest   M bytes    the clear manifest, UTF-8 JSON
///     signature  64 bytes   Ed25519 over signatureContext ‖ manifest bytes
///     trailer    32 bytes   u64be manifest offset ‖ u64be M ‖ u32be 64 ‖ u32be 0 ‖ "SLUISEND"
///
/// The manifest comes last so that sealing is one streaming pass (entry sizes and hashes are known
/// only after each entry is written); a reader finds it through the fixed-size trailer.
public enum PackageLayout {
    /// The first 8 bytes of every package: tells a package from any other file before anything is parsed.
    public static let preambleMagic = Array("SLUISPKG".utf8)
    /// The last 8 bytes: a truncated package has no trailer and is refused at once.
    public static let trailerMagic = Array("SLUISEND".utf8)
    /// The layout version in the preamble; a reader refuses any other.
    public static let version: UInt8 = 1
    /// Magic, version and seven zero bytes.
    public static let preambleByteCount = 16
    /// Manifest offset and length, signature length, a zero word, and the magic.
    public static let trailerByteCount = 32
    /// An Ed25519 signature.
    public static let signatureByteCount = 64
    /// A manifest larger than this is refused before it is read (it lists entries, never data).
    public static let maximumManifestByteCount = 4 << 20
    /// Domain separation for the manifest signature, so it can never be mistaken for a signature
    /// over anything else made with the same identity.
    public static let signatureContext = Array("sluis/package-manifest/v1\n".utf8)

    /// The 16 bytes every package starts with.
    public static var preamble: [UInt8] {
        preambleMagic + [version] + [UInt8](repeating: 0, count: 7)
    }

    /// The message an Ed25519 signature covers.
    public static func signedMessage(manifest: [UInt8]) -> [UInt8] { signatureContext + manifest }

    /// The 32 bytes every package ends with: where the manifest is and how long it and the signature are.
    public static func trailer(manifestOffset: UInt64, manifestByteCount: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        appendBigEndian(manifestOffset, byteCount: 8, to: &out)
        appendBigEndian(manifestByteCount, byteCount: 8, to: &out)
        appendBigEndian(UInt64(signatureByteCount), byteCount: 4, to: &out)
        appendBigEndian(0, byteCount: 4, to: &out)
        return out + trailerMagic
    }

    /// Where the manifest and signature are, read from the preamble and trailer of a package file.
    public struct Index: Equatable, Sendable {
        /// The package file's size in bytes.
        public var fileByteCount: UInt64
        /// Where the clear manifest starts.
        public var manifestOffset: UInt64
        /// The clear manifest's length in bytes.
        public var manifestByteCount: UInt64
        /// The signature follows the manifest directly.
        public var signatureOffset: UInt64 { manifestOffset + manifestByteCount }
    }

    /// Checks the preamble and trailer; throws `PackageError` when the file is not a package,
    /// is of an unknown version, or is truncated or extended.
    public static func readIndex(preamble: [UInt8], trailer: [UInt8], fileByteCount: UInt64, path: String) throws -> Index {
        guard preamble.count == preambleByteCount, Array(preamble[0..<8]) == preambleMagic else {
            throw PackageError.notAPackage(path: path)
        }
        guard preamble[8] == version else { throw PackageError.unsupportedVersion(path: path, version: Int(preamble[8])) }
        // Not covered by the signature, so fixed: any change to them is detected, as to every other byte.
        guard preamble[9..<16].allSatisfy({ $0 == 0 }) else {
            throw PackageError.damagedLayout(path: path, detail: "the reserved bytes of the preamble are not zero")
        }
        guard fileByteCount >= UInt64(preambleByteCount + signatureByteCount + trailerByteCount),
              trailer.count == trailerByteCount, Array(trailer[24..<32]) == trailerMagic else {
            throw PackageError.truncated(path: path)
        }
        let manifestOffset = readBigEndian(trailer, at: 0, byteCount: 8)
        let manifestByteCount = readBigEndian(trailer, at: 8, byteCount: 8)
        let sigCount = readBigEndian(trailer, at: 16, byteCount: 4)
        guard sigCount == UInt64(signatureByteCount), readBigEndian(trailer, at: 20, byteCount: 4) == 0 else {
            throw PackageError.damagedLayout(path: path, detail: "the trailer is not valid")
        }
        guard manifestByteCount <= UInt64(maximumManifestByteCount) else {
            throw PackageError.damagedLayout(path: path, detail: "the manifest size in the trailer is implausible")
        }
        let (end, overflow) = manifestOffset.addingReportingOverflow(manifestByteCount + UInt64(signatureByteCount + trailerByteCount))
        guard !overflow, manifestOffset >= UInt64(preambleByteCount), end == fileByteCount else {
            throw PackageError.damagedLayout(path: path, detail: "the trailer does not match the file size (truncated, or bytes added)")
        }
        return Index(fileByteCount: fileByteCount, manifestOffset: manifestOffset, manifestByteCount: manifestByteCount)
    }

    /// When a file's last bytes are not a trailer: looks through its `tail` (the last bytes of a
    /// file of `fileByteCount` bytes) for a complete, consistent trailer that ends before the end
    /// of the file, and returns how many bytes follow it — so that a package with bytes appended
    /// is reported as such instead of as truncated. nil when there is none.
    public static func bytesAppended(tail: [UInt8], fileByteCount: UInt64) -> UInt64? {
        guard tail.count >= trailerByteCount else { return nil }
        let tailStart = fileByteCount - UInt64(tail.count)
        var end = tail.count - 1  // exclusive end of a candidate trailer, scanning backwards
        while end >= trailerByteCount {
            if Array(tail[(end - 8)..<end]) == trailerMagic {
                let t = Array(tail[(end - trailerByteCount)..<end])
                let o = readBigEndian(t, at: 0, byteCount: 8), m = readBigEndian(t, at: 8, byteCount: 8)
                let trailerEnd = tailStart + UInt64(end)
                let (expected, overflow) = o.addingReportingOverflow(m &+ UInt64(signatureByteCount + trailerByteCount))
                if !overflow, m <= UInt64(maximumManifestByteCount), expected == trailerEnd,
                   readBigEndian(t, at: 16, byteCount: 4) == UInt64(signatureByteCount) {
                    return fileByteCount - trailerEnd
                }
            }
            end -= 1
        }
        return nil
    }

    static func appendBigEndian(_ value: UInt64, byteCount: Int, to out: inout [UInt8]) {
        for i in stride(from: byteCount - 1, through: 0, by: -1) { out.append(UInt8((value >> (8 * UInt64(i))) & 0xff)) }
    }

    static func readBigEndian(_ bytes: [UInt8], at offset: Int, byteCount: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<byteCount { v = v << 8 | UInt64(bytes[offset + i]) }
        return v
    }
}

/// Why a package was refused. Messages name the package, entries by their opaque names and keys
/// by fingerprint; never content. Any name in a message may come from the sender, so each is
/// escaped (`UntrustedText`) before it is shown.
public enum PackageError: SluisError, Equatable {
    case notAPackage(path: String)
    case unsupportedVersion(path: String, version: Int)
    case truncated(path: String)
    case damagedLayout(path: String, detail: String)
    case manifestUnreadable(path: String)
    /// Signed, but not a valid manifest (a field out of its syntax): refused all the same.
    case manifestInvalid(path: String, detail: String)
    case signatureInvalid(path: String, claimedSigner: String)
    case untrustedSigner(path: String, fingerprint: String, project: String)
    case projectMismatch(path: String, expected: String, actual: String)
    case entryLayout(path: String, detail: String)
    case entryHashMismatch(path: String, entry: String)
    case entryHeaderMismatch(path: String, entry: String)
    case recipientsMismatch(path: String, entry: String)
    case innerManifestInvalid(path: String, detail: String)
    case plaintextMismatch(path: String, file: String, detail: String)
    case unsafeFileName(path: String, entry: String)
    case outputExists(path: String)

    /// A file that is no package (or of another version) is data (exit 3); an existing output is usage (exit 2); everything else failed verification (exit 4).
    public var category: FailureCategory {
        switch self {
        case .notAPackage, .unsupportedVersion: return .data
        case .outputExists: return .usage
        default: return .verification
        }
    }

    /// One line naming the package, the entry and the check that failed; never content.
    public var description: String {
        switch self {
        case let .notAPackage(p): return "\(shown(p)) is not a sluis package (no SLUISPKG preamble)"
        case let .unsupportedVersion(p, v): return "\(shown(p)) is a sluis package of version \(v), which this sluis cannot read; upgrade sluis"
        case let .truncated(p): return "\(shown(p)) is truncated: the package trailer is missing; the upload is incomplete or was cut off — ask for it again"
        case let .damagedLayout(p, d): return "\(shown(p)) is damaged: \(sent(d)); do not use it — ask for it again"
        case let .manifestUnreadable(p): return "\(shown(p)): the manifest is damaged or was modified and cannot be read; do not use the package"
        case let .manifestInvalid(p, d):
            return "\(shown(p)): the signed manifest is not valid (\(sent(d))); the sender's sluis is faulty or the package was made by hand — do not use it"
        case let .signatureInvalid(p, s):
            return "\(shown(p)): the manifest signature does not verify (claimed signer \(sent(s))); the manifest or signature was modified — do not use the package"
        case let .untrustedSigner(p, fp, project):
            return "\(shown(p)) is signed by key \(sent(fp)), which is not trusted for project \(sent(project)); add the researcher's public key to the trust list only after checking its fingerprint out of band"
        case let .projectMismatch(p, e, a): return "\(shown(p)) belongs to project \(sent(a)), not \(sent(e))"
        case let .entryLayout(p, d): return "\(shown(p)): the entries do not match the manifest (\(sent(d))); the package was modified"
        case let .entryHashMismatch(p, e): return "\(shown(p)): entry \(sent(e)) does not match its hash in the signed manifest; it was modified or swapped"
        case let .entryHeaderMismatch(p, e): return "\(shown(p)): the encrypted header of entry \(sent(e)) does not match the signed manifest; it was modified or swapped"
        case let .recipientsMismatch(p, e): return "\(shown(p)): entry \(sent(e)) is encrypted to other recipients than the signed manifest lists"
        case let .innerManifestInvalid(p, d): return "\(shown(p)): the inner manifest is not valid (\(sent(d)))"
        case let .plaintextMismatch(p, f, d): return "\(shown(p)): decrypted file \(sent(f)) does not match the inner manifest (\(sent(d))); nothing was written"
        case let .unsafeFileName(p, e): return "\(shown(p)): entry \(sent(e)) has a file name that is not a plain file name; refusing to write it"
        case let .outputExists(p): return "\(shown(p)) already exists; choose a new output folder, or give --force to replace it"
        }
    }

    /// A path: escaped (an upload's name is chosen by its sender), kept whole.
    private func shown(_ path: String) -> String { UntrustedText.escaped(path, maxScalars: 4096) }
    /// Anything else the sender could have written: escaped and cut short.
    private func sent(_ text: String) -> String { UntrustedText.escaped(text, maxScalars: 128) }
}
