/// The clear manifest of a `.sluis` package: what the intake can check before it decrypts anything.
///
/// It is signed (Ed25519) over its exact serialised bytes and holds nothing about the content:
/// no file or column names, no row counts. Field by field in docs/format.md, "Package".
public struct PackageManifest: Codable, Equatable, Sendable {
    public static let formatName = "sluis-package"
    public static let currentVersion = 1

    public var format: String
    public var version: Int
    /// 32 lowercase hex digits of fresh randomness; the intake's key for replay detection.
    public var packageId: String
    public var project: String
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    public var createdAt: String
    /// `sluis <version>`.
    public var tool: String
    public var sender: Sender
    /// Fingerprints of every recipient each entry is encrypted to, in header order.
    public var recipients: [String]
    public var pseudonymKeyId: String
    /// The data entries, in file order.
    public var entries: [Entry]
    /// The encrypted inner manifest (file names, columns, row counts, hashes of the plaintext).
    public var innerManifest: Entry

    public struct Sender: Codable, Equatable, Sendable {
        /// The one-line public key text.
        public var publicKey: String
        public var fingerprint: String
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
        public var size: UInt64
        /// SHA-256 of the entry's bytes (its whole encrypted file), lowercase hex.
        public var sha256: String
        /// SHA-256 of the entry's encrypted-file header, lowercase hex.
        public var headerSHA256: String

        public init(name: String, offset: UInt64, size: UInt64, sha256: String, headerSHA256: String) {
            self.name = name
            self.offset = offset
            self.size = size
            self.sha256 = sha256
            self.headerSHA256 = headerSHA256
        }
    }

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
    public static let formatName = "sluis-inner-manifest"
    public static let currentVersion = 1
    /// The largest inner manifest (its plaintext, in bytes) a reader accepts and `seal` writes:
    /// it is decrypted and parsed in memory, so its size bounds `open`'s memory (docs/format.md).
    public static let maxByteCount = 16 << 20

    public var format: String
    public var version: Int
    public var packageId: String
    public var project: String
    public var pseudonymKeyId: String
    /// `Normaliser.version` the pseudonyms were made with.
    public var normalisationVersion: Int
    public var files: [File]
    /// The pipeline configuration as sealed, with every key path removed.
    public var pipeline: JSONValue

    public struct File: Codable, Equatable, Sendable {
        /// The opaque entry name in the clear manifest.
        public var entry: String
        /// The file name to restore (a base name: no folders).
        public var name: String
        /// The original path as configured (for the record; never used to write).
        public var sourcePath: String
        /// `csv`, `sav`, `zsav` or `dta`.
        public var format: String
        public var columns: [Column]
        /// Data rows written (after rows rejected by policy).
        public var rows: UInt64
        public var rowsRead: UInt64
        public var plaintextSize: UInt64
        public var plaintextSHA256: String
        /// column name → reason → count
        public var invalidIdentifiers: [String: [String: UInt64]]
        /// column name → finding kind → count
        public var residualFindings: [String: [String: UInt64]]
        /// CSV dialect of the written file (`delimiter`, `lineEnding`), when CSV.
        public var dialect: [String: String]?

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
