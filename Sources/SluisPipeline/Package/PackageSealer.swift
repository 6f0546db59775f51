import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO

/// One file to seal: how to produce its pseudonymised plaintext, and how to describe it.
public struct SealSource {
    /// The file name restored by `open` (a base name).
    public var name: String
    /// The path as configured.
    public var sourcePath: String
    /// `csv`, `sav`, `zsav`, `dta`.
    public var format: String
    /// Streams the pseudonymised plaintext into the sink (do not call `finish`) and describes it.
    public var produce: (any ByteSink) throws -> SealedFileDescription

    /// A source; `produce` is called once, while the package is written.
    public init(name: String, sourcePath: String, format: String, produce: @escaping (any ByteSink) throws -> SealedFileDescription) {
        self.name = name
        self.sourcePath = sourcePath
        self.format = format
        self.produce = produce
    }
}

/// What the pipeline reports about one sealed file; goes into the inner manifest.
public struct SealedFileDescription {
    /// The output columns and what was done to each.
    public var columns: [InnerManifest.Column]
    /// Data rows written.
    public var rows: UInt64
    /// Data rows read (more than written when a `reject-row` policy left some out).
    public var rowsRead: UInt64
    /// Per column, per reason: how many identifiers were invalid.
    public var invalidIdentifiers: [String: [String: UInt64]]
    /// Per column, per kind: how many residual identifiers were found (in columns that allow them).
    public var residualFindings: [String: [String: UInt64]]
    /// The CSV dialect of the written file (`delimiter`, `lineEnding`); nil for SPSS/Stata.
    public var dialect: [String: String]?

    /// A description as the pipeline reports it after writing the file.
    public init(columns: [InnerManifest.Column], rows: UInt64, rowsRead: UInt64,
                invalidIdentifiers: [String: [String: UInt64]], residualFindings: [String: [String: UInt64]],
                dialect: [String: String]?) {
        self.columns = columns
        self.rows = rows
        self.rowsRead = rowsRead
        self.invalidIdentifiers = invalidIdentifiers
        self.residualFindings = residualFindings
        self.dialect = dialect
    }
}

/// Everything `seal` needs: who seals for whom, the pipeline, the files, and where the package goes.
public struct SealRequest {
    /// The project the package is for (signed into the manifest).
    public var project: String
    /// The pseudonym key's public id (signed into the manifest).
    public var pseudonymKeyId: String
    /// The intake officers' keys every entry is encrypted to.
    public var recipients: [Recipient]
    /// The researcher's identity that signs the manifest.
    public var signer: Identity
    /// The pipeline configuration with key paths removed.
    public var pipeline: JSONValue
    /// The files to seal, in order.
    public var sources: [SealSource]
    /// A file path, an existing folder (the package is then named from project and UTC time), or
    /// `-` for standard output.
    public var output: String
    /// Replace an existing package file (atomically) instead of refusing it.
    public var replacing = false
    /// `sluis <version>`, recorded in the manifest.
    public var toolVersion: String
    /// The time recorded in the manifest (injected so tests are reproducible).
    public var now: Date

    /// A request; the output is refused if it exists unless `replacing` is set.
    public init(project: String, pseudonymKeyId: String, recipients: [Recipient], signer: Identity, pipeline: JSONValue,
                sources: [SealSource], output: String, toolVersion: String, now: Date = Date()) {
        self.project = project
        self.pseudonymKeyId = pseudonymKeyId
        self.recipients = recipients
        self.signer = signer
        self.pipeline = pipeline
        self.sources = sources
        self.output = output
        self.toolVersion = toolVersion
        self.now = now
    }
}

/// What `seal` wrote.
public struct SealResult {
    /// Where the package was written (`-` for standard output).
    public var packagePath: String
    /// The clear manifest as signed.
    public var manifest: PackageManifest
    /// The inner manifest as encrypted.
    public var inner: InnerManifest
    /// The package's size in bytes.
    public var byteCount: UInt64
}

/// `sluis seal`: one streaming pass per file from the researcher's file through pseudonymisation
/// into encryption, straight into the package. Pseudonymised plaintext never touches the disk.
/// The pipeline already runs on both cores (parsing, normalising and packing rows on one;
/// everything written — hashing, encrypting, writing the package — on the other; MACs and the
/// residual scan on whichever has time);
/// a third thread for encryption was measured slower (3.4 s against 3.1 s for 1 GB), so none is added.
public enum PackageSealer {
    /// Writes the package for `request` in one streaming pass; nothing is left behind when it fails.
    public static func seal(_ request: SealRequest) throws -> SealResult {
        try seal(request, checked: true)
    }

    /// `checked: false` skips the checks of names and inner manifest that `open` repeats, only for
    /// tests that need the package a faulty or hostile sender's sluis would make.
    static func seal(_ request: SealRequest, checked: Bool) throws -> SealResult {
        precondition(!request.recipients.isEmpty)
        if checked { try checkNames(request.sources) }
        let packageId = Hex.encode(Sodium.randomBytes(count: 16))
        let createdAt = utcTimestamp(request.now, compact: false)
        let file: any CommittableSink
        let target: String
        if request.output == "-" {
            target = "-"
            file = StreamOutput(FileOutput.standardOutput())
        } else {
            target = FileSystem.isDirectory(request.output)
                ? joinPath(request.output, safeName(request.project) + "-" + utcTimestamp(request.now, compact: true) + "-" + packageId.prefix(8) + ".sluis")
                : request.output
            file = try AtomicFile(path: target, mode: 0o644, overwrite: request.replacing)
        }
        do {
            return try write(request, packageId: packageId, createdAt: createdAt, target: target, file: file, checked: checked)
        } catch {
            // Explicitly, not in deinit: a pipeline thread may still hold a reference to the sinks.
            file.discard()
            throw error
        }
    }

    private static func write(_ request: SealRequest, packageId: String, createdAt: String, target: String,
                              file: any CommittableSink, checked: Bool) throws -> SealResult {
        let writer = try PackageWriter(file: file, recipients: request.recipients)

        var innerFiles: [InnerManifest.File] = []
        for (i, source) in request.sources.enumerated() {
            let name = String(format: "entry-%03d", i + 1)
            var description: SealedFileDescription?
            var plaintextHash: [UInt8] = []
            var plaintextSize: UInt64 = 0
            _ = try writer.addEntry(name: name) { encryptor in
                let hashing = HashingSink(forwardingTo: NonFinishingSink(encryptor))
                description = try source.produce(hashing)
                try hashing.finish()
                plaintextHash = hashing.digest ?? []
                plaintextSize = hashing.byteCount
            }
            guard let d = description else { continue }
            innerFiles.append(InnerManifest.File(
                entry: name, name: source.name, sourcePath: source.sourcePath, format: source.format, columns: d.columns,
                rows: d.rows, rowsRead: d.rowsRead, plaintextSize: plaintextSize, plaintextSHA256: Hex.encode(plaintextHash),
                invalidIdentifiers: d.invalidIdentifiers, residualFindings: d.residualFindings, dialect: d.dialect))
        }
        let inner = InnerManifest(packageId: packageId, project: request.project, pseudonymKeyId: request.pseudonymKeyId,
                                  normalisationVersion: Normaliser.version, files: innerFiles, pipeline: request.pipeline)
        let innerBytes = try encodeJSON(inner)
        // What `open` will demand of it (docs/format.md, "Inner manifest"); seal must not sign a package it refuses.
        guard innerBytes.count <= InnerManifest.maxByteCount || !checked else {
            throw PipelineError.innerManifestUnwritable(detail: "would be \(innerBytes.count) bytes, more than the format's \(InnerManifest.maxByteCount)")
        }
        guard PackageVerifier.isStrictJSON(innerBytes) || !checked else {
            throw PipelineError.innerManifestUnwritable(detail: "would hold a number that is not a plain integer")
        }
        let innerEntry = try writer.addEntry(name: "inner-manifest") { try $0.write(innerBytes) }

        let manifest = PackageManifest(
            packageId: packageId, project: request.project, createdAt: createdAt, tool: "sluis " + request.toolVersion,
            sender: .init(publicKey: request.signer.recipient.publicKeyText, fingerprint: request.signer.recipient.fingerprint),
            recipients: request.recipients.map(\.fingerprint), pseudonymKeyId: request.pseudonymKeyId,
            entries: Array(writer.entries.dropLast()), innerManifest: innerEntry)
        let manifestBytes = try encodeJSON(manifest)
        let signature = request.signer.sign(PackageLayout.signedMessage(manifest: manifestBytes))
        try writer.finish(manifestBytes: manifestBytes, signature: signature)
        return SealResult(packagePath: target, manifest: manifest, inner: inner, byteCount: file.byteCount)
    }

    /// Each input's file name follows the format's rules, and no two collide (docs/format.md, "File names").
    static func checkNames(_ sources: [SealSource]) throws {
        try checkNames(sources.map { ($0.name, $0.sourcePath) })
    }

    /// The same for (name in the package, input path) pairs, so `check` can say it before `seal`.
    public static func checkNames(_ files: [(name: String, path: String)]) throws {
        for file in files {
            if let reason = EntryFileName.problem(file.name) {
                throw PipelineError.unsafeFileName(path: file.path, reason: reason)
            }
            if EntryFileName.collisionKey(file.name) == EntryFileName.collisionKey(PackageOpener.metadataFileName) {
                throw PipelineError.unsafeFileName(path: file.path, reason: "\(PackageOpener.metadataFileName) is the name open gives its own record")
            }
        }
        if let (i, j) = EntryFileName.firstCollision(files.map(\.name)) {
            throw PipelineError.fileNameCollision(first: files[i].path, second: files[j].path)
        }
    }

    static func encodeJSON<T: Encodable>(_ value: T) throws -> [UInt8] { try CanonicalJSON.bytes(value) }

    /// `2026-11-24T23:59:00Z`, or `20261124T235900Z` for file names.
    public static func utcTimestamp(_ date: Date, compact: Bool) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = compact ? "yyyyMMdd'T'HHmmss'Z'" : "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return f.string(from: date)
    }

    static func safeName(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }
}
