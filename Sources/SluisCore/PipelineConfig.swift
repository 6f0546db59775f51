/// pipeline.json as a value: what to read, how every column is treated, and which key and
/// rendering make the pseudonyms (docs/pipeline.md). Paths are as written in the file; the
/// loader in SluisPipeline resolves them against the config's directory.
public struct PipelineConfig: Equatable, Sendable {
    /// The only pipeline.json version this build reads; a file stating another is refused, not guessed at.
    public static let currentVersion = 1

    /// The version the file states (`"version": 1`).
    public var version: Int
    /// The project id, bound into every pseudonym sub-key.
    public var project: String
    /// Path of the project pseudonym key file.
    public var pseudonymKey: String
    /// Path of the researcher's identity `.key` that signs a sealed package (issue 4), if any.
    public var sign: String?
    /// Paths of the intake officers' `.pub` files a sealed package is encrypted to.
    public var recipients: [String]
    /// How every pseudonym column of the package is written (`decimal:17` unless the config says otherwise).
    public var rendering: PseudonymRendering
    /// The input files, in config order (the package's entries follow it).
    public var files: [FileConfig]

    /// A config as the reader builds it, or a test writes it in code.
    public init(version: Int = currentVersion, project: String, pseudonymKey: String, sign: String? = nil,
                recipients: [String] = [], rendering: PseudonymRendering = .default, files: [FileConfig]) {
        self.version = version
        self.project = project
        self.pseudonymKey = pseudonymKey
        self.sign = sign
        self.recipients = recipients
        self.rendering = rendering
        self.files = files
    }
}

/// One input file and how each of its columns is treated.
public struct FileConfig: Equatable, Sendable {
    /// The input data file, as written in the config (resolved against the config's folder when loaded).
    public var path: String
    /// The delimiter byte, or nil to detect it from the header.
    public var delimiter: UInt8?
    /// How the input's bytes are decoded to UTF-8 (CSV only; SPSS/Stata files state their own encoding).
    public var encoding: TextEncoding
    /// The output delimiter, or nil to keep the input's.
    public var outputDelimiter: UInt8?
    /// The input's format as stated (`"format"`), or nil to take it from the extension.
    public var format: DataFileFormat?
    /// The output's format (`"outputFormat"`), or nil for the input's format.
    public var outputFormat: DataFileFormat?
    /// Every column of the header, in the order the config lists them.
    public var columns: [ColumnConfig]
    /// Composite pseudonyms made from several columns (sex + birth date + postcode + house number).
    public var pseudonyms: [CompositePseudonymConfig]

    /// A file entry; delimiters and formats default to detection from the header or the extension.
    public init(path: String, delimiter: UInt8? = nil, encoding: TextEncoding = .utf8, outputDelimiter: UInt8? = nil,
                format: DataFileFormat? = nil, outputFormat: DataFileFormat? = nil,
                columns: [ColumnConfig], pseudonyms: [CompositePseudonymConfig] = []) {
        self.path = path
        self.format = format
        self.outputFormat = outputFormat
        self.delimiter = delimiter
        self.encoding = encoding
        self.outputDelimiter = outputDelimiter
        self.columns = columns
        self.pseudonyms = pseudonyms
    }

    /// The config of the column with this header name, or nil when the config does not list it.
    public func column(named name: String) -> ColumnConfig? { columns.first { $0.name == name } }

    /// The input's format: as stated, else from the extension; nil when neither says.
    public var inputFormat: DataFileFormat? { format ?? DataFileFormat(path: path) }
}

/// One input column: its header name and what happens to it (keep, drop, generalise, pseudonymise).
public struct ColumnConfig: Equatable, Sendable {
    /// The column's header name, exactly as in the data file.
    public var name: String
    /// What happens to the column's values on the way to the output.
    public var action: ColumnAction
    /// What the column's codes mean (`"codes"`), for a coded identifier; nil when not coded.
    public var codes: ValueCodes?
    /// A column entry; `codes` only for a coded identifier column.
    public init(name: String, action: ColumnAction, codes: ValueCodes? = nil) {
        self.name = name
        self.action = action
        self.codes = codes
    }
}

/// What happens to a column.
public enum ColumnAction: Equatable, Sendable {
    /// Passed through unchanged; scanned for residual identifiers unless `allowIdentifiers`.
    case keep(allowIdentifiers: Bool)
    /// Left out of the output.
    case drop
    /// Normalised as `identifier` and replaced by its pseudonym in a column named `outputName`.
    case pseudonymise(identifier: IdentifierKind, outputName: String, invalid: InvalidIdentifierPolicy)
    /// Replaced by a coarser value (year, year-month, PC4, a band).
    case generalise(Generalisation, invalid: InvalidIdentifierPolicy)

    /// `keep`, `drop`, `pseudonymise` or `generalise`.
    public var name: String {
        switch self {
        case .keep: return "keep"
        case .drop: return "drop"
        case .pseudonymise: return "pseudonymise"
        case .generalise: return "generalise"
        }
    }

    /// A short description for reports: `pseudonymise bsn as PSEUDO_BSN`, `generalise to year`.
    public var summary: String {
        switch self {
        case let .keep(allow): return allow ? "keep (identifiers allowed)" : "keep"
        case .drop: return "drop"
        case let .pseudonymise(kind, output, policy): return "pseudonymise \(kind.rawValue) as \(output), invalid: \(policy.rawValue)"
        case let .generalise(g, policy): return "generalise to \(g), invalid: \(policy.rawValue)"
        }
    }
}

/// What to do with an identifier that is empty or fails validation.
public enum InvalidIdentifierPolicy: String, CaseIterable, Sendable {
    /// Write an empty value (the default).
    case blank
    /// Leave the whole row out of the output.
    case rejectRow = "reject-row"
    /// Stop the run with an error naming line and column.
    case fail
}

/// A pseudonym over several columns, such as the demographic key sex + birth date + postcode +
/// house number. The parts are normalised per kind and encoded length-prefixed in the order of
/// their kind names (`PseudonymDomain`).
public struct CompositePseudonymConfig: Equatable, Sendable {
    /// The name of the pseudonym column written to the output.
    public var outputName: String
    /// Source column and the kind its value is normalised as, in config order.
    public var parts: [CompositePart]
    /// What happens to a row whose parts do not all normalise (blank the pseudonym, or reject the row).
    public var invalid: InvalidIdentifierPolicy

    /// One input column of a composite pseudonym and the kind its value is normalised as.
    public struct CompositePart: Equatable, Sendable {
        /// The input column's header name.
        public var column: String
        /// The identifier kind the value is normalised as (it also orders the parts in the message).
        public var kind: IdentifierKind
        /// A part as the config lists it.
        public init(column: String, kind: IdentifierKind) {
            self.column = column
            self.kind = kind
        }
    }

    /// A composite; the parts are ordered by kind when the domain is built, not here.
    public init(outputName: String, parts: [CompositePart], invalid: InvalidIdentifierPolicy = .blank) {
        self.outputName = outputName
        self.parts = parts
        self.invalid = invalid
    }

    /// The domain the sub-key is derived for; nil when kinds repeat (rejected by validation).
    public var domain: PseudonymDomain? { PseudonymDomain(composite: parts.map(\.kind)) }
}
