/// pipeline.json as a value: what to read, how every column is treated, and which key and
/// rendering make the pseudonyms (docs/pipeline.md). Paths are as written in the file; the
/// loader in SluisPipeline resolves them against the config's directory.
public struct PipelineConfig: Equatable, Sendable {
    public static let currentVersion = 1

    public var version: Int
    /// The project id, bound into every pseudonym sub-key.
    public var project: String
    /// Path of the project pseudonym key file.
    public var pseudonymKey: String
    /// Path of the researcher's identity `.key` that signs a sealed package (issue 4), if any.
    public var sign: String?
    /// Paths of the intake officers' `.pub` files a sealed package is encrypted to.
    public var recipients: [String]
    public var rendering: PseudonymRendering
    public var files: [FileConfig]

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
    public var path: String
    /// The delimiter byte, or nil to detect it from the header.
    public var delimiter: UInt8?
    public var encoding: TextEncoding
    /// The output delimiter, or nil to keep the input's.
    public var outputDelimiter: UInt8?
    /// The input's format as stated (`"format"`), or nil to take it from the extension.
    public var format: DataFileFormat?
    /// The output's format (`"outputFormat"`), or nil for the input's format.
    public var outputFormat: DataFileFormat?
    /// Every column of the header, in the order the config lists them.
    public var columns: [ColumnConfig]
    public var pseudonyms: [CompositePseudonymConfig]

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

    public func column(named name: String) -> ColumnConfig? { columns.first { $0.name == name } }

    /// The input's format: as stated, else from the extension; nil when neither says.
    public var inputFormat: DataFileFormat? { format ?? DataFileFormat(path: path) }
}

public struct ColumnConfig: Equatable, Sendable {
    public var name: String
    public var action: ColumnAction
    /// What the column's codes mean (`"codes"`), for a coded identifier; nil when not coded.
    public var codes: ValueCodes?
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
    public var outputName: String
    /// Source column and the kind its value is normalised as, in config order.
    public var parts: [CompositePart]
    public var invalid: InvalidIdentifierPolicy

    public struct CompositePart: Equatable, Sendable {
        public var column: String
        public var kind: IdentifierKind
        public init(column: String, kind: IdentifierKind) {
            self.column = column
            self.kind = kind
        }
    }

    public init(outputName: String, parts: [CompositePart], invalid: InvalidIdentifierPolicy = .blank) {
        self.outputName = outputName
        self.parts = parts
        self.invalid = invalid
    }

    /// The domain the sub-key is derived for; nil when kinds repeat (rejected by validation).
    public var domain: PseudonymDomain? { PseudonymDomain(composite: parts.map(\.kind)) }
}
