import SluisCore
import SluisCrypto
import SluisIO

/// Writes `.sluis` packages byte by byte from docs/format.md ("Package"), without sluis's own
/// package writer, so that tests can make what `seal` never makes: packages signed by a trusted
/// key whose contents are wrong in one chosen way (the "trusted-but-faulty sender").
///
/// Only the encrypted-file format of each entry comes from sluis (`EncryptingSink`); it has its
/// own vectors and an independent reader. Everything the package format adds — preamble, entry
/// offsets and hashes, the clear and inner manifests, the signature and the trailer — is written
/// here from the spec, and every part can be edited before it is encrypted or signed.
public struct PackageBuilder {
    /// One data entry: the plaintext to encrypt and what the inner manifest says about it.
    public struct DataFile {
        /// The opaque entry name in the clear manifest (`entry-001`).
        public var entry: String
        /// The file name the inner manifest gives it (what `open` restores).
        public var name: String
        /// `csv`, `sav`, `zsav` or `dta`, as the inner manifest states it.
        public var format: String
        /// The bytes encrypted into the entry.
        public var plaintext: [UInt8]
        /// The row count the inner manifest states.
        public var rows: UInt64

        /// A data file; every field can be made to disagree with the others.
        public init(entry: String, name: String, format: String = "csv", plaintext: [UInt8], rows: UInt64) {
            self.entry = entry
            self.name = name
            self.format = format
            self.plaintext = plaintext
            self.rows = rows
        }

        /// A CSV file; its row count is its lines minus the header (the text has no quoted newlines).
        public static func csv(_ entry: String, _ name: String, _ text: String) -> DataFile {
            let lines = text.utf8.filter { $0 == 0x0A }.count
            return DataFile(entry: entry, name: name, plaintext: Array(text.utf8), rows: UInt64(max(lines - 1, 0)))
        }
    }

    /// The trusted identity that signs the manifest.
    public var signer: Identity
    /// The intake identities the entries are encrypted to.
    public var recipients: [Recipient]
    /// The project the manifests name.
    public var project = "P2026-0042"
    /// A fresh package id unless a test sets one.
    public var packageId = Hex.encode(Sodium.randomBytes(count: 16))
    /// The pseudonym key id the manifests name.
    public var pseudonymKeyId = "0123456789abcdef"
    /// The data entries, in order.
    public var files: [DataFile]
    /// Edits the inner manifest (a JSON object) before it is encoded.
    public var editInner: (inout JSONValue) -> Void = { _ in }
    /// Replaces the encoded inner manifest before it is encrypted (for bytes that are not JSON).
    public var replaceInnerBytes: (([UInt8]) -> [UInt8])?
    /// Edits the clear manifest (a JSON object) before it is signed.
    public var editManifest: (inout JSONValue) -> Void = { _ in }

    /// A well-formed package of `files` until a test edits it.
    public init(signer: Identity, recipients: [Recipient], files: [DataFile]) {
        self.signer = signer
        self.recipients = recipients
        self.files = files
    }

    /// The inner manifest as sluis would write it for `files` (docs/format.md, "Inner manifest").
    public func innerManifest() -> JSONValue {
        .object([
            ("format", .string("sluis-inner-manifest")), ("version", .number(1)),
            ("packageId", .string(packageId)), ("project", .string(project)),
            ("pseudonymKeyId", .string(pseudonymKeyId)), ("normalisationVersion", .number(1)),
            ("files", .array(files.map { f in
                .object([
                    ("entry", .string(f.entry)), ("name", .string(f.name)), ("sourcePath", .string("in/" + f.name)),
                    ("format", .string(f.format)),
                    ("columns", .array([.object([("name", .string("Score")), ("action", .string("keep")), ("output", .bool(true))])])),
                    ("rows", .number(Double(f.rows))), ("rowsRead", .number(Double(f.rows))),
                    ("plaintextSize", .number(Double(f.plaintext.count))),
                    ("plaintextSHA256", .string(Hex.encode(SHA256Hasher.hash(f.plaintext)))),
                    ("invalidIdentifiers", .object([])), ("residualFindings", .object([])),
                ])
            })),
            ("pipeline", .object([("version", .number(1))])),
        ])
    }

    /// The whole package.
    public func build() throws -> [UInt8] {
        var inner = innerManifest()
        editInner(&inner)
        var innerBytes = Array(inner.rendered().utf8) + [0x0A]
        if let replaceInnerBytes { innerBytes = replaceInnerBytes(innerBytes) }

        var region: [UInt8] = []
        var entries: [JSONValue] = []
        let base = PackageBytes.preambleByteCount
        for f in files {
            let encrypted = try Self.encrypt(f.plaintext, to: recipients)
            entries.append(entryObject(f.entry, offset: base + region.count, encrypted))
            region += encrypted
        }
        let encryptedInner = try Self.encrypt(innerBytes, to: recipients)
        let innerEntry = entryObject("inner-manifest", offset: base + region.count, encryptedInner)
        region += encryptedInner

        var manifest = JSONValue.object([
            ("format", .string("sluis-package")), ("version", .number(1)),
            ("packageId", .string(packageId)), ("project", .string(project)),
            ("createdAt", .string("2026-12-01T12:00:00Z")), ("tool", .string("sluis test-builder")),
            ("sender", .object([("publicKey", .string(signer.recipient.publicKeyText)),
                                ("fingerprint", .string(signer.recipient.fingerprint))])),
            ("recipients", .array(recipients.map { .string($0.fingerprint) })),
            ("pseudonymKeyId", .string(pseudonymKeyId)),
            ("entries", .array(entries)),
            ("innerManifest", innerEntry),
        ])
        editManifest(&manifest)
        return PackageBytes.assemble(entriesRegion: region, manifest: Array(manifest.rendered().utf8) + [0x0A], signer: signer)
    }

    func entryObject(_ name: String, offset: Int, _ encrypted: [UInt8]) -> JSONValue {
        // The encrypted-file header is 72 + 112·n bytes, n the u16be recipient count at offset 14.
        let n = Int(encrypted[14]) << 8 | Int(encrypted[15])
        let header = Array(encrypted[0..<(72 + 112 * n)])
        return .object([
            ("name", .string(name)), ("offset", .number(Double(offset))), ("size", .number(Double(encrypted.count))),
            ("sha256", .string(Hex.encode(SHA256Hasher.hash(encrypted)))),
            ("headerSHA256", .string(Hex.encode(SHA256Hasher.hash(header)))),
        ])
    }

    /// One encrypted file (docs/format.md, "Encrypted files") holding `plaintext`.
    public static func encrypt(_ plaintext: [UInt8], to recipients: [Recipient]) throws -> [UInt8] {
        let sink = MemorySink()
        let encryptor = try EncryptingSink(recipients: recipients, output: sink)
        try plaintext.withUnsafeBytes { try encryptor.write($0) }
        try encryptor.finish()
        return sink.bytes
    }
}

/// The package container from the spec: split a package into its parts and put parts back
/// together (re-signed), so tests can reorder entries or change a manifest a trusted key signs.
public enum PackageBytes {
    /// Magic, version and seven zero bytes.
    public static let preambleByteCount = 16
    /// `SLUISPKG`, version 1, seven zero bytes: the spec's preamble, written here independently.
    public static let preamble: [UInt8] = Array("SLUISPKG".utf8) + [1, 0, 0, 0, 0, 0, 0, 0]
    /// The spec's signature context, written here independently of sluis's `PackageLayout`.
    public static let signatureContext = Array("sluis/package-manifest/v1\n".utf8)

    /// The parts of a well-formed package: the bytes between preamble and manifest, the manifest
    /// bytes, and the signature; nil when the trailer does not describe the file.
    public static func parts(of bytes: [UInt8]) -> (entriesRegion: [UInt8], manifest: [UInt8], signature: [UInt8])? {
        guard bytes.count >= 16 + 96 else { return nil }
        let t = bytes.count - 32
        // (Any values: the fuzz targets hand this mutated trailers.)
        guard let o = Int(exactly: readU64(bytes, at: t)), let m = Int(exactly: readU64(bytes, at: t + 8)),
              o >= 16, o <= bytes.count, m <= bytes.count, o + m + 96 == bytes.count else { return nil }
        return (Array(bytes[16..<o]), Array(bytes[o..<(o + m)]), Array(bytes[(o + m)..<(o + m + 64)]))
    }

    /// preamble ‖ entries ‖ manifest ‖ Ed25519(context ‖ manifest) ‖ trailer.
    public static func assemble(entriesRegion: [UInt8], manifest: [UInt8], signer: Identity) -> [UInt8] {
        let o = UInt64(preambleByteCount + entriesRegion.count)
        var out = preamble + entriesRegion + manifest + signer.sign(signatureContext + manifest)
        out += u64(o) + u64(UInt64(manifest.count)) + [0, 0, 0, 64] + [0, 0, 0, 0] + Array("SLUISEND".utf8)
        return out
    }

    /// Parses the manifest of `bytes`, lets `edit` change it, and signs the result with `signer`.
    /// `editRegion` may rewrite the entries region (drop, duplicate, swap entries).
    public static func resigned(_ bytes: [UInt8], by signer: Identity, editRegion: ([UInt8]) -> [UInt8] = { $0 },
                                edit: (inout JSONValue) -> Void) throws -> [UInt8] {
        guard let p = parts(of: bytes) else { throw BuilderError.notAPackage }
        var manifest = try JSONValue.parse(p.manifest)
        edit(&manifest)
        return assemble(entriesRegion: editRegion(p.entriesRegion), manifest: Array(manifest.rendered().utf8) + [0x0A], signer: signer)
    }

    /// The bytes are not a well-formed package (the trailer does not describe the file).
    public enum BuilderError: Error { case notAPackage }

    static func u64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * $0)) } }
    static func readU64(_ b: [UInt8], at i: Int) -> UInt64 { (0..<8).reduce(0) { $0 << 8 | UInt64(b[i + $1]) } }
}

extension JSONValue {
    /// An object's member (get; set replaces it, or appends it when absent; nil removes it).
    public subscript(member key: String) -> JSONValue? {
        get {
            guard case let .object(members) = self else { return nil }
            return members.first { $0.0 == key }?.1
        }
        set {
            guard case var .object(members) = self else { return }
            if let i = members.firstIndex(where: { $0.0 == key }) {
                if let newValue { members[i].1 = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append((key, newValue))
            }
            self = .object(members)
        }
    }

    /// An array's item (get; set replaces it).
    public subscript(item i: Int) -> JSONValue? {
        get {
            guard case let .array(items) = self, items.indices.contains(i) else { return nil }
            return items[i]
        }
        set {
            guard case var .array(items) = self, items.indices.contains(i), let newValue else { return }
            items[i] = newValue
            self = .array(items)
        }
    }

    /// The items of an array (empty for anything else).
    public var items: [JSONValue] {
        if case let .array(items) = self { return items }
        return []
    }
}
