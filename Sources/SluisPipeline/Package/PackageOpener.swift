import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// What `open` wrote.
public struct OpenedPackage {
    /// The output folder, now holding the checked data files and `sluis-manifest.json`.
    public let directory: String
    /// The verified package it came from.
    public let verified: VerifiedPackage
    /// The decrypted inner manifest, checked against the package and every entry.
    public let inner: InnerManifest
}

/// Verifies, decrypts and checks a package into a new folder, all or nothing.
///
/// Everything is decrypted into a hidden staging folder beside the target (mode 0700). Each entry
/// is written as an unnamed file (`AtomicFile`) and must decrypt and authenticate completely, match
/// its SHA-256 in the signed manifest (hashed while it is read) and its plaintext SHA-256, size and
/// row count in the inner manifest before it gets its name in the staging folder. Only then is the
/// staging folder renamed to the target in one step; on any failure it is removed, so no plaintext
/// remains — and a process killed outright leaves at most checked files in a hidden folder, which
/// the next `open` into the same parent folder removes, whatever its output name (a staging folder
/// is `flock`ed while its open runs, so only those of dead processes are removed).
public enum PackageOpener {
    /// The name of the metadata file written beside the data files.
    public static let metadataFileName = "sluis-manifest.json"

    /// Opens `path` for `identity` into `outputDirectory`, all or nothing (above); refuses an existing output unless `replacing`.
    public static func open(path: String, identity: Identity, trust: TrustStore, expectedProject: String? = nil,
                            outputDirectory: String, replacing: Bool = false) throws -> OpenedPackage {
        let target = outputDirectory.hasSuffix("/") && outputDirectory.count > 1 ? String(outputDirectory.dropLast()) : outputDirectory
        if FileSystem.exists(target) && !replacing { throw PackageError.outputExists(path: target) }
        let verified = try PackageVerifier.verify(path: path, trust: trust, expectedProject: expectedProject, hashEntries: false)
        let manifest = verified.manifest
        let file = try FileInput(path: path)

        let (parent, base) = splitPath(target)
        try FileSystem.makeDirectories(parent)
        removeStaleStaging(parent: parent)
        let staging = parent + "/." + base + ".sluis-open-" + Hex.encode(Sodium.randomBytes(count: 6))
        guard mkdir(staging, 0o700) == 0 else { throw IOError.cannotCreate(path: staging, errno: errno) }
        // Held while this open works: a staging folder whose lock is free belongs to a dead process.
        let stagingLock = Glibc.open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if stagingLock >= 0 { flock(stagingLock, LOCK_EX) }
        defer { if stagingLock >= 0 { close(stagingLock) } }
        var committed = false
        defer { if !committed { FileSystem.removeTree(staging) } }

        // The inner manifest first: it says what each entry must turn out to be. It is held in
        // memory, so its size is bounded before and while it is decrypted.
        let tooLarge = PackageError.innerManifestInvalid(path: path, detail: "it is larger than \(InnerManifest.maxByteCount) bytes")
        guard manifest.innerManifest.size <= UInt64(InnerManifest.maxByteCount) + innerManifestOverheadByteCount else { throw tooLarge }
        let innerSink = BoundedMemorySink(limit: InnerManifest.maxByteCount)
        do {
            try decryptEntry(manifest.innerManifest, of: file, path: path, identity: identity, into: innerSink)
        } catch is BoundedMemorySink.LimitExceeded {
            throw tooLarge
        }
        let inner = try checkedInnerManifest(innerSink.bytes, against: manifest, path: path)

        for entry in manifest.entries {
            guard let described = inner.files.first(where: { $0.entry == entry.name }) else {
                throw PackageError.innerManifestInvalid(path: path, detail: "entry \(entry.name) is not described")
            }
            // Unnamed until every check has passed (AtomicFile): an open killed mid-decryption
            // leaves no plaintext behind, not even in the hidden staging folder.
            let output = try AtomicFile(path: staging + "/" + described.name, mode: 0o600, overwrite: false)
            let counter = RowCountingSink(forwardingTo: output, format: described.format)
            let plaintext = HashingSink(forwardingTo: counter)
            // Decrypting (and hashing the ciphertext) on this core; hashing, counting and writing
            // the plaintext on the other. The decryptor finishes the sink only after the final tag.
            let pipelined = PipelinedSink(forwardingTo: plaintext)
            try decryptEntry(entry, of: file, path: path, identity: identity, into: pipelined)
            try output.finish()
            guard plaintext.byteCount == described.plaintextSize else {
                throw PackageError.plaintextMismatch(path: path, file: described.name, detail: "size differs")
            }
            guard Hex.encode(plaintext.digest ?? []) == described.plaintextSHA256 else {
                throw PackageError.plaintextMismatch(path: path, file: described.name, detail: "SHA-256 differs")
            }
            let rows: UInt64?
            do {
                rows = try counter.dataRowCount ?? statisticalRowCount(output.readablePath, format: described.format)
            } catch {
                // (The unnamed file's path would mean nothing to the reader of the message.)
                throw PackageError.plaintextMismatch(path: path, file: described.name, detail: "it cannot be read as \(described.format)")
            }
            if let rows, rows != described.rows {
                throw PackageError.plaintextMismatch(path: path, file: described.name, detail: "row count differs")
            }
            try output.commit()
        }
        try writeMetadata(verified: verified, inner: inner, to: staging + "/" + metadataFileName)
        try syncDirectory(at: staging)
        // With `replacing`, an existing output is swapped out in one step (`sluis open --force`).
        try StagedDirectory.putInPlace(staging, at: target)
        committed = true
        try syncDirectory(at: parent)
        return OpenedPackage(directory: target, verified: verified, inner: inner)
    }

    /// Decrypts one entry into `sink`, hashing the encrypted bytes as they are read; throws unless
    /// both the AEAD and the manifest's SHA-256 check out.
    static func decryptEntry(_ entry: PackageManifest.Entry, of file: FileInput, path: String, identity: Identity,
                             into sink: any ByteSink) throws {
        let hasher = SHA256Hasher()
        let source = TappedSource(FileRangeSource(file: file, offset: entry.offset, byteCount: entry.size)) { hasher.update($0) }
        try StreamDecryptor.decrypt(from: source, identity: identity, into: sink)
        // The decryptor stops at the final chunk and rejects trailing bytes; drain defensively.
        var rest = [UInt8](repeating: 0, count: 4096)
        while try rest.withUnsafeMutableBytes({ try source.read(into: $0) }) > 0 {}
        guard Sodium.constantTimeEqual(hasher.finalize(), Hex.decode(entry.sha256) ?? []) else {
            throw PackageError.entryHashMismatch(path: path, entry: entry.name)
        }
    }

    /// The row count of a decrypted SPSS/Stata file, from its header (ReadStat), or nil for other formats.
    static func statisticalRowCount(_ path: String, format: String) throws -> UInt64? {
        guard let f = ReadStatFileFormat(name: format) else { return nil }
        return UInt64(try ReadStatReader(path: path, format: f).rowCount())
    }

    static func checkedInnerManifest(_ bytes: [UInt8], against manifest: PackageManifest, path: String) throws -> InnerManifest {
        // The clear manifest's JSON rules, through the same check.
        guard PackageVerifier.isStrictJSON(bytes),
              let inner = try? JSONDecoder().decode(InnerManifest.self, from: Data(bytes)),
              inner.format == InnerManifest.formatName else {
            throw PackageError.innerManifestInvalid(path: path, detail: "it cannot be read")
        }
        guard inner.version == InnerManifest.currentVersion else {
            throw PackageError.innerManifestInvalid(path: path, detail: "version \(inner.version) is not \(InnerManifest.currentVersion)")
        }
        guard inner.packageId == manifest.packageId, inner.project == manifest.project,
              inner.pseudonymKeyId == manifest.pseudonymKeyId else {
            throw PackageError.innerManifestInvalid(path: path, detail: "it belongs to another package")
        }
        // (Data entry names were checked to be entry-NNN in the signed manifest: safe to name.)
        if let missing = manifest.entries.first(where: { e in !inner.files.contains { $0.entry == e.name } }) {
            throw PackageError.innerManifestInvalid(path: path, detail: "entry \(missing.name) is not described")
        }
        guard Set(inner.files.map(\.entry)) == Set(manifest.entries.map(\.name)), inner.files.count == manifest.entries.count else {
            throw PackageError.innerManifestInvalid(path: path, detail: "its entries differ from the signed manifest")
        }
        var seen = Set<String>([EntryFileName.collisionKey(metadataFileName)])
        for f in inner.files {
            // docs/format.md, "File names": plain names, and none equal to another (or to the
            // metadata file) up to case and Unicode compatibility forms, which would overwrite
            // each other on a case-insensitive or normalising file system.
            guard EntryFileName.problem(f.name) == nil, seen.insert(EntryFileName.collisionKey(f.name)).inserted else {
                throw PackageError.unsafeFileName(path: path, entry: f.entry)
            }
            // A format outside these would skip the row-count check. `file` is an opaque file of an
            // output release (`sluis output release`): no rows to count; size and SHA-256 still bind it.
            guard DataFileFormat(rawValue: f.format) != nil || f.format == "file" else {
                throw PackageError.innerManifestInvalid(path: path, detail: "entry \(f.entry) has an unknown format")
            }
            guard PackageVerifier.isLowercaseHex(f.plaintextSHA256, count: 64) else {
                throw PackageError.innerManifestInvalid(path: path, detail: "entry \(f.entry) has a malformed plaintextSHA256")
            }
        }
        return inner
    }

    /// A plain file name (docs/format.md, "File names").
    public static func isSafeFileName(_ name: String) -> Bool { EntryFileName.problem(name) == nil }

    /// The most an encrypted file's header and per-chunk tags add to `InnerManifest.maxByteCount`
    /// plaintext bytes (generous: a header of any number of recipients, a tag per 64 KiB chunk).
    static let innerManifestOverheadByteCount: UInt64 = 1 << 20

    static func writeMetadata(verified: VerifiedPackage, inner: InnerManifest, to path: String) throws {
        struct Metadata: Encodable {
            var package: PackageManifest
            var signer: String
            var inner: InnerManifest
        }
        let bytes = try CanonicalJSON.bytes(Metadata(package: verified.manifest, signer: verified.signer.fingerprint, inner: inner))
        try FileSystem.writeAtomically(bytes, to: path, mode: 0o600)
    }

    /// Removes the staging folders a killed `open` left in `parent` — for any output name, not
    /// only this one — skipping those a live `open` holds locked.
    static func removeStaleStaging(parent: String) {
        for name in (try? FileSystem.list(parent)) ?? [] where name.hasPrefix(".") && name.contains(".sluis-open-") {
            let path = parent + "/" + name
            let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { FileSystem.removeTree(path) }
            close(fd)
        }
    }
}

/// Counts the records of a CSV stream on its way to a file (newlines outside quotes), so `open`
/// can check the row count without parsing twice. For other formats it counts nothing.
final class RowCountingSink: ByteSink {
    private let next: any ByteSink
    private let counts: Bool
    private var inQuotes = false
    private var records: UInt64 = 0
    private var lastByte: UInt8 = 0x0A
    private var sawBytes = false

    init(forwardingTo next: any ByteSink, format: String) {
        self.next = next
        self.counts = format == "csv"
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if counts && bytes.count > 0 {
            sawBytes = true
            // Between quotes (found with memchr) newlines are counted with a branch-free loop the
            // compiler vectorises; most files have few quoted fields, so this runs at memory speed.
            guard let base = bytes.baseAddress else { return }
            var start = 0
            while start < bytes.count {
                let rest = bytes.count - start
                let quote = memchr(base + start, 0x22, rest).map { UnsafeRawPointer($0) - base } ?? bytes.count
                if !inQuotes { records &+= Self.newlines(UnsafeRawBufferPointer(start: base + start, count: quote - start)) }
                if quote == bytes.count { break }
                inQuotes.toggle()
                start = quote + 1
            }
            lastByte = bytes[bytes.count - 1]
        }
        try next.write(bytes)
    }

    static func newlines(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var n: UInt64 = 0
        for b in bytes { n &+= b == 0x0A ? 1 : 0 }
        return n
    }

    func finish() throws { try next.finish() }

    /// Data rows (records after the header), or nil when this format is not counted here.
    var dataRowCount: UInt64? {
        guard counts else { return nil }
        let total = records + (sawBytes && lastByte != 0x0A ? 1 : 0)
        return total > 0 ? total - 1 : 0
    }
}

/// `sluis-manifest.json` of an opened package folder, as `open` wrote it.
public struct OpenedPackageMetadata: Codable {
    /// The clear manifest as signed.
    public var package: PackageManifest
    /// The signer's fingerprint.
    public var signer: String
    /// The decrypted inner manifest (file names, columns, counts, hashes).
    public var inner: InnerManifest

    /// Reads the metadata of the opened package folder that holds `dataFile`, or nil when that
    /// folder has none (a loose file).
    public static func forFile(_ dataFile: String) throws -> OpenedPackageMetadata? {
        let path = splitPath(dataFile).directory + "/" + PackageOpener.metadataFileName
        guard FileSystem.exists(path) else { return nil }
        let bytes = try FileSystem.readAll(path, limitByteCount: 16 << 20)
        guard let metadata = try? JSONDecoder().decode(OpenedPackageMetadata.self, from: Data(bytes)) else {
            throw PackageError.innerManifestInvalid(path: path, detail: "it cannot be read")
        }
        return metadata
    }

    /// The inner-manifest description of the data file with this base name.
    public func file(named name: String) -> InnerManifest.File? { inner.files.first { $0.name == name } }
}
