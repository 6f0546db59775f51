import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO

/// A package whose signature, signer, project, layout and entry headers have been checked.
public struct VerifiedPackage {
    /// The package file checked.
    public let path: String
    /// The clear manifest, parsed and checked field by field.
    public let manifest: PackageManifest
    /// Its exact bytes: what the signature covers and `open` writes beside the data.
    public let manifestBytes: [UInt8]
    /// The trusted key that signed it.
    public let signer: Recipient
    /// Where the manifest and signature are in the file.
    public let index: PackageLayout.Index
    /// Whether every entry's SHA-256 was checked too (`verify` does; `open` checks while decrypting).
    public let entriesHashed: Bool
}

/// Checks a package without any secret key (docs/format.md, "Verifying a package").
///
/// Order: layout (preamble, trailer, sizes) → manifest parse → the claimed sender's signature →
/// the sender is trusted for the manifest's project → version and every field's syntax →
/// `expectedProject` → entries tile the file
/// exactly → each entry's encrypted header matches the manifest (hash and recipients) → optionally
/// each entry's SHA-256. Nothing is decrypted.
///
/// `entryDigests` only says where step 8's SHA-256 of each entry's bytes comes from: read from the
/// file here (`sluis verify`), or computed while the bytes arrived (`sluis serve`,
/// `PackageStreamDigests`), which must be the SHA-256 of exactly the same bytes. Every check and
/// its order are the same either way.
public enum PackageVerifier {
    /// Checks the package at `path` in the order above; throws `PackageError` naming the first check that failed.
    public static func verify(path: String, trust: TrustStore, expectedProject: String? = nil,
                              hashEntries: Bool = true, entryDigests: (any PackageEntryDigests)? = nil) throws -> VerifiedPackage {
        let file = try FileInput(path: path)
        guard let size = file.size() else { throw PackageError.notAPackage(path: path) }
        let index = try readIndex(file, size: size, path: path)

        let manifestBytes = try FileRangeSource.readExactly(file, offset: index.manifestOffset, count: Int(index.manifestByteCount))
        let signature = try FileRangeSource.readExactly(file, offset: index.signatureOffset, count: PackageLayout.signatureByteCount)
        // Strict JSON, so that no two readers can see different manifests in the same signed bytes:
        // an object first (no byte order mark), no repeated keys, integers only.
        guard isStrictJSON(manifestBytes),
              let manifest = try? JSONDecoder().decode(PackageManifest.self, from: Data(manifestBytes)),
              manifest.format == PackageManifest.formatName else {
            throw PackageError.manifestUnreadable(path: path)
        }
        guard let claimedSigner = try? Recipient(parsing: manifest.sender.publicKey) else {
            throw PackageError.manifestUnreadable(path: path)
        }
        guard claimedSigner.isValidSignature(signature, for: PackageLayout.signedMessage(manifest: manifestBytes)) else {
            throw PackageError.signatureInvalid(path: path, claimedSigner: claimedSigner.fingerprint)
        }
        // From here on the manifest is exactly what the claimed sender signed. Whether that sender
        // is trusted comes before anything else it wrote is used or shown (the project is only
        // looked up, and the error escapes and cuts it).
        guard trust.trusted(claimedSigner, project: manifest.project) else {
            throw PackageError.untrustedSigner(path: path, fingerprint: claimedSigner.fingerprint, project: manifest.project)
        }
        guard manifest.version == PackageManifest.currentVersion else {
            throw PackageError.unsupportedVersion(path: path, version: manifest.version)
        }
        try checkFields(manifest, signer: claimedSigner, path: path)
        if let expectedProject, expectedProject != manifest.project {
            throw PackageError.projectMismatch(path: path, expected: expectedProject, actual: manifest.project)
        }
        try checkLayout(manifest, index: index, path: path)
        try checkEntryHeaders(manifest, file: file, path: path)
        if hashEntries {
            for entry in manifest.entries + [manifest.innerManifest] {
                let digest = try entryDigests?.sha256(offset: entry.offset, byteCount: entry.size)
                    ?? sha256(of: FileRangeSource(file: file, offset: entry.offset, byteCount: entry.size))
                guard Sodium.constantTimeEqual(digest, Hex.decode(entry.sha256) ?? []) else {
                    throw PackageError.entryHashMismatch(path: path, entry: entry.name)
                }
            }
        }
        return VerifiedPackage(path: path, manifest: manifest, manifestBytes: manifestBytes, signer: claimedSigner,
                               index: index, entriesHashed: hashEntries)
    }

    /// The layout's index from the preamble and trailer; a package with bytes appended after its
    /// end is told apart from a truncated or damaged one.
    static func readIndex(_ file: FileInput, size: UInt64, path: String) throws -> PackageLayout.Index {
        let preamble = try FileRangeSource.readExactly(file, offset: 0, count: PackageLayout.preambleByteCount)
        guard preamble.count == PackageLayout.preambleByteCount else {
            if preamble.starts(with: PackageLayout.preambleMagic.prefix(preamble.count)) && !preamble.isEmpty {
                throw PackageError.truncated(path: path)
            }
            throw PackageError.notAPackage(path: path)
        }
        let trailerOffset = size >= UInt64(PackageLayout.trailerByteCount) ? size - UInt64(PackageLayout.trailerByteCount) : 0
        let trailer = try FileRangeSource.readExactly(file, offset: trailerOffset, count: PackageLayout.trailerByteCount)
        do {
            return try PackageLayout.readIndex(preamble: preamble, trailer: trailer, fileByteCount: size, path: path)
        } catch let error as PackageError {
            // No valid trailer at the end: when a consistent one sits a little before it, the
            // package was extended, not truncated or damaged; say so.
            switch error {
            case .truncated, .damagedLayout:
                let tailCount = Int(min(size, 1 << 16))
                let tail = try FileRangeSource.readExactly(file, offset: size - UInt64(tailCount), count: tailCount)
                if let extra = PackageLayout.bytesAppended(tail: tail, fileByteCount: size) {
                    throw PackageError.damagedLayout(path: path, detail: "\(extra) byte(s) were appended after the end of the package")
                }
            default: break
            }
            throw error
        }
    }

    /// Each entry's encrypted header (and the inner manifest's) is the one the manifest names by
    /// hash, for the manifest's recipients.
    static func checkEntryHeaders(_ manifest: PackageManifest, file: FileInput, path: String) throws {
        for entry in manifest.entries + [manifest.innerManifest] {
            let source = FileRangeSource(file: file, offset: entry.offset, byteCount: entry.size)
            let header: EncryptedFileHeader
            do { header = try EncryptedFileHeader.read(from: source) } catch {
                throw PackageError.entryHeaderMismatch(path: path, entry: entry.name)
            }
            guard Hex.encode(header.headerSHA256) == entry.headerSHA256 else {
                throw PackageError.entryHeaderMismatch(path: path, entry: entry.name)
            }
            guard header.recipientFingerprints == manifest.recipients else {
                throw PackageError.recipientsMismatch(path: path, entry: entry.name)
            }
        }
    }

    /// Every signed field within its syntax (docs/format.md, "Verifying a package", step 3).
    /// Why, when the signature already holds: the package id and project become folder names at
    /// the intake, and a trusted sender's faulty or hand-made manifest must not reach outside them.
    static func checkFields(_ manifest: PackageManifest, signer: Recipient, path: String) throws {
        func invalid(_ detail: String) -> PackageError { .manifestInvalid(path: path, detail: detail) }
        guard isLowercaseHex(manifest.packageId, count: 32) else { throw invalid("packageId is not 32 lowercase hexadecimal digits") }
        guard ProjectKey.isValidProjectId(manifest.project) else { throw invalid("project is not a valid project id") }
        guard manifest.sender.fingerprint == signer.fingerprint else { throw invalid("sender.fingerprint is not the sender key's") }
        // Free-text fields reach the intake's terminal, reports and sluis-manifest.json: short, and
        // nothing a terminal would act on (UntrustedText), even from a trusted sender.
        guard UntrustedText.isPlain(manifest.createdAt, maxScalars: 64) else { throw invalid("createdAt is not plain text of at most 64 characters") }
        guard UntrustedText.isPlain(manifest.tool, maxScalars: 64) else { throw invalid("tool is not plain text of at most 64 characters") }
        guard UntrustedText.isPlain(manifest.pseudonymKeyId, maxScalars: 128),
              manifest.recipients.allSatisfy({ UntrustedText.isPlain($0, maxScalars: 128) }) else {
            throw invalid("a key fingerprint is not plain text of at most 128 characters")
        }
        guard manifest.innerManifest.name == "inner-manifest" else { throw invalid("the inner manifest entry is not named inner-manifest") }
        for entry in manifest.entries {
            // (The bad name is not echoed: it is the sender's text, and could hold terminal escapes.)
            guard isDataEntryName(entry.name) else { throw invalid("a data entry name is not entry-NNN") }
        }
        for entry in manifest.entries + [manifest.innerManifest] {
            guard isLowercaseHex(entry.sha256, count: 64), isLowercaseHex(entry.headerSHA256, count: 64) else {
                throw invalid("a hash of entry \(entry.name) is not 64 lowercase hexadecimal digits")
            }
        }
    }

    /// The JSON rules of both manifests (docs/format.md, "Clear manifest"), one code path for
    /// both: an object first (no byte order mark), valid JSON, no repeated keys, integers only.
    public static func isStrictJSON(_ bytes: [UInt8]) -> Bool {
        guard bytes.first == 0x7B, JSONValue.usesOnlyPlainIntegers(bytes),
              let json = try? JSONValue.parse(bytes), !json.hasRepeatedKeys else { return false }
        return true
    }

    /// `entry-` and three or more digits.
    static func isDataEntryName(_ name: String) -> Bool {
        let digits = name.utf8.dropFirst(6)
        return name.hasPrefix("entry-") && digits.count >= 3 && digits.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// Exactly `count` characters from 0–9 a–f.
    public static func isLowercaseHex(_ s: String, count: Int) -> Bool {
        s.utf8.count == count && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// The entries (data and inner manifest) must cover the bytes between the preamble and the
    /// manifest exactly: no gaps, overlaps, or bytes the signature does not cover.
    static func checkLayout(_ manifest: PackageManifest, index: PackageLayout.Index, path: String) throws {
        let all = manifest.entries + [manifest.innerManifest]
        let names = all.map(\.name)
        guard Set(names).count == names.count else { throw PackageError.entryLayout(path: path, detail: "duplicate entry names") }
        guard manifest.innerManifest.name == "inner-manifest" else {
            throw PackageError.entryLayout(path: path, detail: "no inner manifest entry")
        }
        var cursor = UInt64(PackageLayout.preambleByteCount)
        for entry in all.sorted(by: { $0.offset < $1.offset }) {
            guard entry.offset == cursor else {
                throw PackageError.entryLayout(path: path, detail: "entry \(entry.name) is not where the manifest says")
            }
            let (next, overflow) = cursor.addingReportingOverflow(entry.size)
            guard !overflow else { throw PackageError.entryLayout(path: path, detail: "entry sizes overflow") }
            cursor = next
        }
        guard cursor == index.manifestOffset else {
            throw PackageError.entryLayout(path: path, detail: "the entries do not end where the manifest begins")
        }
    }

    static func sha256(of source: any ByteSource) throws -> [UInt8] {
        let hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return hasher.finalize()
    }
}

/// Step 8's source of each entry's SHA-256, for a verifier that already hashed the bytes.
public protocol PackageEntryDigests {
    /// SHA-256 of the package's bytes `[offset, offset + byteCount)`, or nil when it does not have
    /// it (the verifier then reads and hashes those bytes itself).
    func sha256(offset: UInt64, byteCount: UInt64) throws -> [UInt8]?
}

/// Reads a package's claimed project before it is verified, so the intake can pick the project's
/// trust list. Nothing read here is trusted: `PackageVerifier.verify` checks it all afterwards.
public enum PackagePeek {
    /// The project the package claims, unverified: only to pick a trust list.
    public static func project(of path: String) throws -> String { try manifest(of: path).project }

    /// The manifest as the package claims it, unverified.
    public static func manifest(of path: String) throws -> PackageManifest {
        let file = try FileInput(path: path)
        guard let size = file.size() else { throw PackageError.notAPackage(path: path) }
        let preamble = try FileRangeSource.readExactly(file, offset: 0, count: PackageLayout.preambleByteCount)
        guard preamble.count == PackageLayout.preambleByteCount else { throw PackageError.notAPackage(path: path) }
        let trailerOffset = size >= UInt64(PackageLayout.trailerByteCount) ? size - UInt64(PackageLayout.trailerByteCount) : 0
        let trailer = try FileRangeSource.readExactly(file, offset: trailerOffset, count: PackageLayout.trailerByteCount)
        let index = try PackageLayout.readIndex(preamble: preamble, trailer: trailer, fileByteCount: size, path: path)
        let bytes = try FileRangeSource.readExactly(file, offset: index.manifestOffset, count: Int(index.manifestByteCount))
        guard let manifest = try? JSONDecoder().decode(PackageManifest.self, from: Data(bytes)) else {
            throw PackageError.manifestUnreadable(path: path)
        }
        return manifest
    }
}
