/// The clear manifest of a `.sluis` package: what the intake can check before it decrypts anything.
///
/// It is signed (Ed25519) over its exact serialised bytes and holds nothing about the content:
/// no file or column names, no row counts. Field by field in docs/format.md, "Package".
public struct PackageManifest: Codable, Equatable, Sendable {
    /// The `format` value of every clear manifest; a reader refuses anything else before trusting a field.
    public static let formatName = "sluis-package"
    /// The only layout version this build writes and reads (a newer package is refused, not guessed at).
    public static let currentVersion = 1

    /// Always `formatName`: tells a `.sluis` manifest apart from any other signed JSON.
    public var format: String
    /// Always `currentVersion` when written; checked first when read.
    public var version: Int
    /// 32 lowercase hex digits of fresh randomness; the intake's key for replay detection.
    public var packageId: String
    /// The project the package is for: picks the intake's trust list and pseudonym key.
    public var project: String
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    public var createdAt: String
    /// `sluis <version>`.
    public var tool: String
    /// Who signed the package; the intake checks this key against the project's trust list.
    public var sender: Sender
    /// Fingerprints of every recipient each entry is encrypted to, in header order.
    public var recipients: [String]
    /// Identifies the pseudonym key (not the key itself), so the intake can refuse data made under another key.
    public var pseudonymKeyId: String
    /// The data entries, in file order.
    public var entries: [Entry]
    /// The encrypted inner manifest (file names, columns, row counts, hashes of the plaintext).
    public var innerManifest: Entry

    /// The signer: the public key the signature verifies with, and its fingerprint for messages and trust lines.
    public struct Sender: Codable, Equatable, Sendable {
        /// The one-line public key text.
        public var publicKey: String
        /// The key's short fingerprint: what trust lists, logs and messages name (never the key text).
        public var fingerprint: String
        /// A sender from the key text and the fingerprint computed from it.
        public init(publicKey: String, fingerprint: String) {
            self.publicKey = publicKey
            self.fingerprint = fingerprint
        }
    }

    /// One encrypted file inside the package.
    public struct Entry: Codable, Equatable, Sendable {
        /// Opaque: `entry-001`, `entry-002`, … and `inner-manifest`.
        public var name: String
        /// Byte offset of the entry from the start of the package.
        public var offset: UInt64
        /// Length of the entry in bytes, so a reader can seek past it and check it ends inside the package.
        public var size: UInt64
        /// SHA-256 of the entry's bytes (its whole encrypted file), lowercase hex.
        public var sha256: String
        /// SHA-256 of the entry's encrypted-file header, lowercase hex.
        public var headerSHA256: String

        /// An entry as `seal` records it once the encrypted file is written and hashed.
        public init(name: String, offset: UInt64, size: UInt64, sha256: String, headerSHA256: String) {
            self.name = name
            self.offset = offset
            self.size = size
            self.sha256 = sha256
            self.headerSHA256 = headerSHA256
        }
    }

    /// A version-1 manifest; `format` and `version` are filled in so a writer cannot get them wrong.
    public init(packageId: String, project: String, createdAt: String, tool: String, sender: Sender,
                recipients: [String], pseudonymKeyId: String, entries: [Entry], innerManifest: Entry) {
        self.format = Self.formatName
        self.version = Self.currentVersion
        self.packageId = packageId
        self.project = project
        self.createdAt = createdAt
        self.tool = tool
        self.sender = sender
        self.recipients = recipients
        self.pseudonymKeyId = pseudonymKeyId
        self.entries = entries
        self.innerManifest = innerManifest
    }
}

/// The inner manifest: encrypted to the same recipients as the data and bound to the clear
/// manifest (it repeats the package id, and the signed clear manifest holds its hash).
public struct InnerManifest: Codable, Equatable, Sendable {
    /// The `format` value of every inner manifest; `open` refuses anything else after decrypting it.
    public static let formatName = "sluis-inner-manifest"
    /// The only inner-manifest layout this build writes and reads.
    public static let currentVersion = 1
    /// The largest inner manifest (its plaintext, in bytes) a reader accepts and `seal` writes:
    /// it is decrypted and parsed in memory, so its size bounds `open`'s memory (docs/format.md).
    public static let maxByteCount = 16 << 20

    /// Always `formatName` (checked by `open` before any other field).
    public var format: String
    /// Always `currentVersion` when written; `open` refuses another.
    public var version: Int
    /// Repeats the clear manifest's package id: binds the encrypted content to the signed package.
    public var packageId: String
    /// Repeats the clear manifest's project, checked by `open` like the package id.
    public var project: String
    /// Repeats the clear manifest's pseudonym key id, checked by `open`.
    public var pseudonymKeyId: String
    /// `Normaliser.version` the pseudonyms were made with.
    public var normalisationVersion: Int
    /// One description per data entry, in the clear manifest's entry order.
    public var files: [File]
    /// The pipeline configuration as sealed, with every key path removed.
    public var pipeline: JSONValue

    /// What one data entry holds once decrypted: its name, columns, row counts and plaintext hash.
    public struct File: Codable, Equatable, Sendable {
        /// The opaque entry name in the clear manifest.
        public var entry: String
        /// The file name to restore (a base name: no folders).
        public var name: String
        /// The original path as configured (for the record; never used to write).
        public var sourcePath: String
        /// `csv`, `sav`, `zsav` or `dta`.
        public var format: String
        /// Every input column with what was done to it, in output order (dropped columns included).
        public var columns: [Column]
        /// Data rows written (after rows rejected by policy).
        public var rows: UInt64
        /// Data rows read from the source, before rows rejected by policy.
        public var rowsRead: UInt64
        /// Plaintext bytes of the entry; `open` checks the decrypted size against it.
        public var plaintextSize: UInt64
        /// SHA-256 of the plaintext, lowercase hex; `open` checks it before it releases the file.
        public var plaintextSHA256: String
        /// column name → reason → count
        public var invalidIdentifiers: [String: [String: UInt64]]
        /// column name → finding kind → count
        public var residualFindings: [String: [String: UInt64]]
        /// CSV dialect of the written file (`delimiter`, `lineEnding`), when CSV.
        public var dialect: [String: String]?

        /// A file description as `seal` records it after the entry is written.
        public init(entry: String, name: String, sourcePath: String, format: String, columns: [Column], rows: UInt64,
                    rowsRead: UInt64, plaintextSize: UInt64, plaintextSHA256: String,
                    invalidIdentifiers: [String: [String: UInt64]], residualFindings: [String: [String: UInt64]],
                    dialect: [String: String]?) {
            self.entry = entry
            self.name = name
            self.sourcePath = sourcePath
            self.format = format
            self.columns = columns
            self.rows = rows
            self.rowsRead = rowsRead
            self.plaintextSize = plaintextSize
            self.plaintextSHA256 = plaintextSHA256
            self.invalidIdentifiers = invalidIdentifiers
            self.residualFindings = residualFindings
            self.dialect = dialect
        }
    }

    /// One output column (or a dropped input column, with `action: drop` and no output).
    public struct Column: Codable, Equatable, Sendable {
        /// The output column's name (or the dropped input column's).
        public var name: String
        /// keep, drop, generalise, pseudonymise, or pseudonym (a composite pseudonym column).
        public var action: String
        /// For pseudonym columns: `bsn`, `composite:date+housenumber+postcode+sex`, …
        public var domain: String?
        /// For pseudonym columns: `decimal:17`, `hex:32`.
        public var rendering: String?
        /// Input columns it was made from (generalised and pseudonym columns).
        public var from: [String]?
        /// For generalised columns: `year`, `year-month`, `pc4`, `band:10`.
        public var to: String?
        /// Whether the column appears in the output file.
        public var output: Bool

        /// A column description; the optional fields apply to some actions only (see each field).
        public init(name: String, action: String, domain: String? = nil, rendering: String? = nil,
                    from: [String]? = nil, to: String? = nil, output: Bool) {
            self.name = name
            self.action = action
            self.domain = domain
            self.rendering = rendering
            self.from = from
            self.to = to
            self.output = output
        }
    }

    /// A version-1 inner manifest; `format` and `version` are filled in so a writer cannot get them wrong.
    public init(packageId: String, project: String, pseudonymKeyId: String, normalisationVersion: Int,
                files: [File], pipeline: JSONValue) {
        self.format = Self.formatName
        self.version = Self.currentVersion
        self.packageId = packageId
        self.project = project
        self.pseudonymKeyId = pseudonymKeyId
        self.normalisationVersion = normalisationVersion
        self.files = files
        self.pipeline = pipeline
    }
}
